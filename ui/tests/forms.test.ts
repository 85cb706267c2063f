import { describe, expect, it } from 'vitest';
import {
  buildPatch,
  canCommitImport,
  catalogPurpose,
  EMPTY_ADD_FORM,
  editFormOf,
  findKind,
  importButtonLabel,
  suggestedLines,
  importOptions,
  importRequestKey,
  kindChoices,
  kindName,
  minimalKindHint,
  providerName,
  toNewKeyInput,
  validateAdd,
  validateEdit,
  type AddForm,
} from '../src/lib/forms';
import type { DetectionDto, ImportPreviewDto } from '../src/lib/types';
import { makeKey, PROVIDERS } from './fixtures';

const postmark = PROVIDERS[0];

describe('catalogue look-ups', () => {
  it('names providers and kinds, falling back to ids', () => {
    expect(providerName(PROVIDERS, 'posthog')).toBe('PostHog');
    expect(providerName(PROVIDERS, 'acme')).toBe('acme');
    expect(kindName(PROVIDERS, 'postmark', 'account_token')).toBe('Account token');
    expect(kindName(PROVIDERS, 'postmark', 'mystery')).toBe('mystery');
    expect(findKind(PROVIDERS, 'posthog', 'personal')?.privilege).toBe('full');
  });

  it('offers the suggested kind first, then the alternatives, once each', () => {
    const d: DetectionDto = {
      provider: 'postmark',
      kind: 'server_token',
      confidence: 'medium',
      needs_confirmation: true,
      alternatives: ['account_token', 'server_token'],
      reason: '',
      masked_hint: '…abcd',
    };
    expect(kindChoices(d)).toEqual(['server_token', 'account_token']);
  });

  it('matches a typed purpose to the catalogue by label or id, case-insensitively', () => {
    expect(catalogPurpose(postmark, ' send TRANSACTIONAL email ')?.id).toBe('send_email');
    expect(catalogPurpose(postmark, 'manage_servers')?.label).toBe('Manage servers');
    expect(catalogPurpose(postmark, 'something else')).toBeUndefined();
    expect(catalogPurpose(undefined, 'Manage servers')).toBeUndefined();
  });

  it('hints when the kind is broader than the purpose needs', () => {
    expect(minimalKindHint(postmark, 'Send transactional email', 'account_token')).toBe('“Send transactional email” needs only a Server token (scoped).');
    expect(minimalKindHint(postmark, 'Send transactional email', 'server_token')).toBeNull();
    expect(minimalKindHint(postmark, 'free text purpose', 'account_token')).toBeNull();
  });
});

describe('add form', () => {
  const filled: AddForm = {
    secret: '  phx_value\n',
    provider: 'postmark',
    kind: 'server_token',
    name: '  Mail  ',
    environment: ' prod ',
    purpose: 'send transactional email',
    owner: '  ',
    tags: 'billing, ci, billing',
    created: '',
    rotated: '',
  };

  it('requires value, provider, kind, name and environment', () => {
    expect(Object.keys(validateAdd(EMPTY_ADD_FORM)).sort()).toEqual(['environment', 'kind', 'name', 'provider', 'secret']);
    expect(validateAdd(filled)).toEqual({});
    expect(validateAdd({ ...filled, secret: '   ' })).toHaveProperty('secret');
  });

  it('builds the key_add input: trimmed metadata, parsed tags, null owner, catalogue label', () => {
    expect(toNewKeyInput(filled, postmark)).toEqual({
      secret: '  phx_value\n',
      provider: 'postmark',
      kind: 'server_token',
      name: 'Mail',
      environment: 'prod',
      purpose: 'Send transactional email',
      owner: null,
      tags: ['billing', 'ci'],
      scopes: [],
      env_var: null,
    });
  });

  it('keeps a free-text purpose as typed', () => {
    expect(toNewKeyInput({ ...filled, purpose: ' Nightly export ' }, postmark).purpose).toBe('Nightly export');
  });
});

describe('edit form', () => {
  const key = makeKey({ name: 'Mail', environment: 'prod', purpose: 'P', owner: 'ops', tags: ['a', 'b'], env_var: 'MAIL_TOKEN' });

  it('starts from the key', () => {
    expect(editFormOf(key)).toEqual({ name: 'Mail', environment: 'prod', purpose: 'P', owner: 'ops', tags: 'a, b', env_var: 'MAIL_TOKEN', usage: '' });
  });

  it('patches only what changed', () => {
    expect(buildPatch(key, editFormOf(key))).toBeNull();
    expect(buildPatch(key, { ...editFormOf(key), usage: 'web' })).toEqual({ usage: 'web' });
    expect(buildPatch({ ...key, usage: 'web' }, { ...editFormOf(key), usage: '' })).toEqual({ usage: null });
    expect(buildPatch(key, { ...editFormOf(key), name: ' Mail 2 ', tags: 'a' })).toEqual({ name: 'Mail 2', tags: ['a'] });
    expect(buildPatch(key, { ...editFormOf(key), owner: '' })).toEqual({ owner: null });
    expect(buildPatch(key, { ...editFormOf(key), env_var: 'NEW_VAR', environment: 'dev' })).toEqual({ environment: 'dev', env_var: 'NEW_VAR' });
  });

  it('does not clear the env var with an empty field', () => {
    expect(buildPatch(key, { ...editFormOf(key), env_var: '' })).toBeNull();
  });

  it('validates name, environment and env var', () => {
    expect(validateEdit(editFormOf(key))).toEqual({});
    expect(validateEdit({ ...editFormOf(key), name: ' ' })).toHaveProperty('name');
    expect(validateEdit({ ...editFormOf(key), environment: '' })).toHaveProperty('environment');
    expect(validateEdit({ ...editFormOf(key), env_var: '1ABC' })).toHaveProperty('env_var');
    expect(validateEdit({ ...editFormOf(key), env_var: 'MY-VAR' })).toHaveProperty('env_var');
  });
});

describe('import', () => {
  const preview = (rows: number, errors: number): ImportPreviewDto => ({
    format: 'env',
    rows: Array.from({ length: rows }, (_, i) => ({
      line: i + 1,
      name: `k${i}`,
      provider: 'postmark',
      kind: 'server_token',
      environment: 'dev',
      purpose: '',
      masked_hint: '…abcd',
      env_var: `K${i}`,
      created_at: '2024-01-01T00:00:00Z',
      last_rotated_at: null,
      warning: null,
      suggested: i % 2 === 0,
      reason: i % 2 === 0 ? 'looks randomly generated, like a key' : 'a number (a port, size or duration), not a key',
    })),
    errors: Array.from({ length: errors }, (_, i) => ({ line: 100 + i, message: 'bad line' })),
  });

  it('sends blank options as null', () => {
    expect(importOptions({ handle: 'h1', fileName: '.env', environment: ' ', provider: '', purpose: '' })).toEqual({ environment: null, provider: null, purpose: null });
    expect(importOptions({ handle: 'h1', fileName: '.env', environment: ' prod ', provider: 'posthog', purpose: 'Ingest' })).toEqual({ environment: 'prod', provider: 'posthog', purpose: 'Ingest' });
  });

  it('makes a preview stale when the picked file or an option changes', () => {
    const a = importRequestKey({ handle: 'h1', fileName: '.env', environment: '', provider: '', purpose: '' });
    expect(importRequestKey({ handle: 'h1', fileName: '.env', environment: ' ', provider: '', purpose: '' })).toBe(a);
    expect(importRequestKey({ handle: 'h2', fileName: '.env', environment: '', provider: '', purpose: '' })).not.toBe(a);
    expect(importRequestKey({ handle: 'h1', fileName: '.env', environment: 'dev', provider: '', purpose: '' })).not.toBe(a);
  });

  it('commits only a fresh preview with rows and no line errors', () => {
    expect(canCommitImport(null, false)).toBe(false);
    expect(canCommitImport(preview(3, 0), false)).toBe(true);
    expect(canCommitImport(preview(3, 1), false)).toBe(false);
    expect(canCommitImport(preview(0, 0), false)).toBe(false);
    expect(canCommitImport(preview(3, 0), true)).toBe(false);
  });

  it('ticks the suggested rows and imports exactly the chosen ones (issue 16)', () => {
    const p = preview(4, 0);
    const ticked = suggestedLines(p);
    expect([...ticked]).toEqual([p.rows[0].line, p.rows[2].line]);
    expect(importButtonLabel(p, ticked)).toBe('Import 2 keys');
    expect(canCommitImport(p, false, new Set())).toBe(false);
    // An error on a row left out does not block; on a chosen row it does; on a malformed line always.
    const clash = { ...p, errors: [{ line: p.rows[1].line, message: 'already exists' }] };
    expect(canCommitImport(clash, false, ticked)).toBe(true);
    expect(canCommitImport(clash, false, new Set([p.rows[1].line]))).toBe(false);
    expect(canCommitImport(preview(4, 1), false, ticked)).toBe(false);
  });

  it('labels the button with the number of keys', () => {
    expect(importButtonLabel(null)).toBe('Import 0 keys');
    expect(importButtonLabel(preview(1, 0))).toBe('Import 1 key');
    expect(importButtonLabel(preview(1200, 0))).toBe('Import 1,200 keys');
  });
});
