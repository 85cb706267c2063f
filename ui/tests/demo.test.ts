import { describe, expect, it } from 'vitest';
import { createDemoBackend } from '../src/lib/demo';
import { keyShape } from '../src/lib/shape';

describe('demo backend', () => {
  it('keeps no key value: nothing it answers afterwards contains the pasted secret', async () => {
    const call = createDemoBackend(new URLSearchParams(''));
    const canary = 'Zq9Xw7Vt3Rp5';
    const secret = `phx_${canary}${canary}0123456789abcdefg`;
    const detection = await call('key_detect', { shape: keyShape(secret, await call('providers_list', {})) });
    expect(detection).toMatchObject({ provider: 'posthog', kind: 'personal', masked_hint: 'phx_…defg' });
    const { key } = await call('key_add', {
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

describe('demo backend: connections, verify, sync', () => {
  it('keeps no admin key value: nothing it answers afterwards contains it', async () => {
    const call = createDemoBackend(new URLSearchParams(''));
    const canary = 'Zq9Xw7Vt3Rp5';
    const connection = await call('connection_add', {
      input: { provider: 'posthog', name: 'ph-test', base_url: null, region: null, project_id: '7', account_id: null, probe_path: null, environment: 'prod', admin_secret: `phx_${canary}${canary}`, test: true },
    });
    expect(connection).toMatchObject({ name: 'ph-test', base_url: 'https://us.posthog.com', options: { project_id: '7' } });
    expect(connection.admin_key_id).not.toBeNull();
    const answers = [connection, await call('connections_list', {}), await call('keys_list', {}), await call('sync_preview', { connection: 'ph-test' })];
    expect(JSON.stringify(answers).includes(canary)).toBe(false);
  });

  it('refuses plain http to another computer and a missing Postnomic base URL', async () => {
    const call = createDemoBackend(new URLSearchParams(''));
    const input = { provider: 'postman', name: 'x', base_url: 'http://api.example.com', region: null, project_id: null, account_id: null, probe_path: null, environment: 'prod', admin_secret: null, test: true };
    await expect(call('connection_add', { input })).rejects.toMatchObject({ code: 'insecure_url' });
    await expect(call('connection_add', { input: { ...input, base_url: 'http://127.0.0.1:8787' } })).resolves.toMatchObject({ base_url: 'http://127.0.0.1:8787' });
    await expect(call('connection_add', { input: { ...input, name: 'y', provider: 'postnomic', base_url: null } })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('streams one progress message per key to verify, and records the outcomes', async () => {
    const call = createDemoBackend(new URLSearchParams('verify_ms=1'));
    const keys = await call('keys_list', {});
    const messages: { done: number; total: number }[] = [];
    const results = await call('keys_verify_all', { onProgress: { onmessage: (p) => messages.push(p) } });
    const expected = keys.filter((k) => k.status !== 'revoked').length;
    expect(results).toHaveLength(expected);
    expect(messages.map((m) => m.done)).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
    expect(messages.every((m) => m.total === expected)).toBe(true);
    const outcomes = new Set(results.map((r) => r.outcome));
    for (const o of ['valid', 'invalid', 'expired', 'skipped', 'error']) expect(outcomes).toContain(o);
    const after = await call('keys_list', {});
    const invalid = results.find((r) => r.outcome === 'invalid')!;
    expect(after.find((k) => k.id === invalid.id)).toMatchObject({ status: 'invalid', verify_outcome: 'invalid' });
  });

  it('previews and imports from a connection; tracked keys are marked and refreshed, not duplicated', async () => {
    const call = createDemoBackend(new URLSearchParams(''));
    const preview = await call('sync_preview', { connection: 'postmark-prod' });
    const known = preview.filter((r) => r.known_key_id !== null);
    expect(known.length).toBeGreaterThan(0);
    const before = (await call('keys_list', {})).length;
    const fresh = preview.filter((r) => r.known_key_id === null).slice(0, 2).map((r) => r.remote_id);
    const result = await call('sync_commit', { connection: 'postmark-prod', environment: 'staging', only: [...fresh, known[0].remote_id] });
    expect(result.imported).toHaveLength(2);
    expect(result.refreshed).toHaveLength(1);
    expect(result.imported.every((k) => k.environment === 'staging' && k.connection_id !== null)).toBe(true);
    expect((await call('keys_list', {})).length).toBe(before + 2);
    const again = await call('sync_preview', { connection: 'postmark-prod' });
    expect(again.filter((r) => fresh.includes(r.remote_id)).every((r) => r.known_key_id !== null)).toBe(true);
    await expect(call('sync_preview', { connection: 'postnomic-blog' })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
