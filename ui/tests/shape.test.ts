// The value's shape is all detection gets (issue 13): the same symbols as the backend's
// `KeyShape` (crates/keyward/src/providers/shape.rs, whose tests prove shape and value detect
// alike), and nothing of the value beyond a known prefix and the masked hint's last characters.
import { describe, expect, it } from 'vitest';
import { keyShape, literalPrefixes, shapeSymbol } from '../src/lib/shape';
import type { ProviderDto } from '../src/lib/types';

const kind = (prefix: string | null) => ({ prefix }) as ProviderDto['kinds'][number];
const PROVIDERS = [
  { id: 'posthog', kinds: [kind('phx_'), kind('phc_')] },
  { id: 'postnomic', kinds: [kind('pk_')] },
  { id: 'acme', kinds: [kind('acme_')] },
  { id: 'postmark', kinds: [kind(null)] },
] as ProviderDto[];

describe('keyShape', () => {
  it('keeps the longest known prefix, classes the rest, and keeps the hint’s tail', () => {
    expect(keyShape('phx_Ab9-z.Q_', PROVIDERS)).toEqual({ prefix: 'phx_', classes: 'Aa0-x.X_', tail: 'z.Q_' });
    expect(keyShape('pk_live_ab12', PROVIDERS).prefix).toBe('pk_live_');
    expect(keyShape('  0123abcd-0123  ', PROVIDERS)).toEqual({ prefix: '', classes: '0000aaaa-0000', tail: '0123' });
    expect(keyShape('short', PROVIDERS)).toEqual({ prefix: '', classes: 'xxxxx', tail: 'rt' });
    expect(keyShape('', PROVIDERS)).toEqual({ prefix: '', classes: '', tail: '' });
  });

  it('maps every character to one backend symbol', () => {
    expect(['0', 'f', 'g', 'F', 'G', '_', '-', '.', '/', '+', '=', ' ', '\t', 'é'].map(shapeSymbol).join('')).toBe('0axAX_-.+++ \u0001\u00a4');
  });

  it('carries none of a secret beyond the prefix and the last four', () => {
    const secret = 'phx_kwcanarySecretValue0123456789ZZZZZZZZZZZZZZZZ';
    const sent = JSON.stringify(keyShape(secret, PROVIDERS));
    expect(sent).not.toContain('kwcanary');
    expect(sent).not.toContain('Secret');
    expect(literalPrefixes(PROVIDERS)).toContain('acme_');
  });
});
