import { describe, expect, it } from 'vitest';
import { createDemoBackend } from '../src/lib/demo';

describe('demo backend', () => {
  it('keeps no key value: nothing it answers afterwards contains the pasted secret', async () => {
    const call = createDemoBackend(new URLSearchParams(''));
    const canary = 'Zq9Xw7Vt3Rp5';
    const secret = `phx_${canary}${canary}0123456789abcdefg`;
    const detection = await call('key_detect', { value: secret });
    expect(detection).toMatchObject({ provider: 'posthog', kind: 'personal', masked_hint: 'phx_…defg' });
    const key = await call('key_add', {
      input: { secret, provider: 'posthog', kind: 'personal', name: 'probe', environment: 'dev', purpose: '', owner: null, tags: [], scopes: [], env_var: null },
    });
    const answers = [
      detection,
      key,
      await call('keys_list', {}),
      await call('key_show', { id: key.id }),
      await call('audit_list', { keyId: null }),
      await call('key_copy', { id: key.id }),
    ];
    expect(JSON.stringify(answers).includes(canary), 'a demo answer holds the pasted value').toBe(false);
  });

  it('answers keychain errors with keychain codes when started locked', async () => {
    const call = createDemoBackend(new URLSearchParams('keychain=locked'));
    await expect(call('keychain_status', {})).resolves.toMatchObject({ state: 'locked' });
    await expect(
      call('key_add', {
        input: { secret: 'phx_xxxxxxxxxxxxxxxx', provider: 'posthog', kind: 'personal', name: 'x', environment: 'dev', purpose: '', owner: null, tags: [], scopes: [], env_var: null },
      }),
    ).rejects.toMatchObject({ code: 'keychain_locked' });
  });

  it('generates large inventories for the 10,000-key check', async () => {
    const call = createDemoBackend(new URLSearchParams('keys=10000'));
    expect(await call('keys_list', {})).toHaveLength(10_000);
  });
});
