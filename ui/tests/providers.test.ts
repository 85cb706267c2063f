// @vitest-environment jsdom
// The Providers view, import from a connection, and verification in the window.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const core = vi.hoisted(() => {
  class Channel<T> {
    onmessage: (message: T) => void = () => undefined;
  }
  return { invoke: vi.fn(), isTauri: vi.fn(() => true), Channel };
});
vi.mock('@tauri-apps/api/core', () => core);

import App from '../src/App.svelte';
import KeyRow from '../src/components/KeyRow.svelte';
import ProvidersDialog from '../src/components/ProvidersDialog.svelte';
import SyncDialog from '../src/components/SyncDialog.svelte';
import { ERROR_MESSAGES } from '../src/lib/errors';
import { AppStore } from '../src/lib/store.svelte';
import type { ConnectionDto, KeyDto, ProviderDto, RemoteKeyDto, SettingsDto, VerifyProgressDto, VerifyResultDto } from '../src/lib/types';
import { listCommandFrom, makeKey, PROVIDERS } from './fixtures';

const SETTINGS: SettingsDto = {
  clipboard_timeout_secs: 30,
  environments: [
    { name: 'dev', position: 0 },
    { name: 'staging', position: 1 },
    { name: 'prod', position: 2 },
  ],
  data_dir: '/tmp/keyward',
};

const provider = (id: string, display_name: string, custom = false): ProviderDto => ({ id, display_name, dashboard_url: '', kinds: [], purposes: [], custom });
const ALL_PROVIDERS: ProviderDto[] = [
  ...PROVIDERS,
  provider('postmon', 'Postmon'),
  provider('postman', 'Postman'),
  provider('postnomic', 'Postnomic'),
  provider('cloudflare', 'Cloudflare'),
  provider('sendgrid', 'SendGrid'),
  provider('acme', 'Acme', true),
];

function connection(overrides: Partial<ConnectionDto> = {}): ConnectionDto {
  return {
    id: 'c-1',
    name: 'postmark-prod',
    provider: 'postmark',
    base_url: 'https://api.postmarkapp.com',
    admin_key_id: 'admin-1',
    options: {},
    created_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

type Handler = (args: Record<string, unknown>) => unknown;

function backend(handlers: Record<string, Handler>): void {
  core.invoke.mockImplementation(async (cmd: string, args: Record<string, unknown> = {}) => {
    const handler = handlers[cmd] ?? listCommandFrom(handlers, cmd);
    if (!handler) throw { code: 'internal', message: `no handler for ${cmd}` };
    return handler(args);
  });
}

const calls = (cmd: string) => core.invoke.mock.calls.filter(([c]) => c === cmd);

function storeWith(connections: ConnectionDto[] = []): AppStore {
  const store = new AppStore();
  store.providers = ALL_PROVIDERS;
  store.settings = SETTINGS;
  store.connections = connections;
  return store;
}

beforeEach(() => {
  core.invoke.mockReset();
  core.isTauri.mockReturnValue(true);
});

describe('Providers view: the connection form', () => {
  async function openForm(extra: Record<string, Handler> = {}) {
    backend({ connections_list: () => [], keys_list: () => [], ...extra });
    const store = storeWith();
    render(ProvidersDialog, { props: { store, onclose: vi.fn(), onsync: vi.fn() } });
    await screen.findByTestId('connections-empty');
    await fireEvent.click(screen.getByTestId('connection-add'));
    return store;
  }

  async function choose(id: string) {
    const select = screen.getByTestId('connection-provider') as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: id } });
  }

  const shown = () =>
    ['connection-project', 'connection-account', 'connection-probe', 'connection-admin-secret'].filter((t) => screen.queryByTestId(t) !== null);

  it('offers built-in providers only', async () => {
    await openForm();
    const options = [...(screen.getByTestId('connection-provider') as HTMLSelectElement).options].map((o) => o.value).filter(Boolean);
    expect(options).toEqual(['postmark', 'posthog', 'postmon', 'postman', 'postnomic', 'cloudflare', 'sendgrid']);
  });

  it('shows the right fields and defaults for each provider', async () => {
    await openForm();
    const base = () => screen.getByTestId('connection-base-url') as HTMLInputElement;

    await choose('posthog');
    expect(shown()).toEqual(['connection-project', 'connection-admin-secret']);
    expect(base().placeholder).toBe('https://us.posthog.com');
    expect(screen.getByTestId('connection-admin-hint').textContent).toContain('PostHog personal API key with project:read');
    expect((screen.getByTestId('connection-name') as HTMLInputElement).value).toBe('posthog');

    await choose('cloudflare');
    expect(shown()).toEqual(['connection-account', 'connection-admin-secret']);
    expect(base().placeholder).toBe('https://api.cloudflare.com/client/v4');
    expect(screen.getByTestId('connection-admin-hint').textContent).toContain('Cloudflare token with API Tokens Read');

    await choose('postmark');
    expect(shown()).toEqual(['connection-admin-secret']);
    expect(screen.getByTestId('connection-admin-hint').textContent).toContain('Postmark account token');

    await choose('sendgrid');
    expect(shown()).toEqual(['connection-admin-secret']);
    expect(screen.getByTestId('connection-admin-hint').textContent).toContain('SendGrid key with api_keys.read');
    expect(base().placeholder).toBe('https://api.sendgrid.com/v3');

    await choose('postmon');
    expect(shown()).toEqual(['connection-probe']);
    expect(base().placeholder).toBe('https://api.postmon.io');

    await choose('postman');
    expect(shown()).toEqual([]);
    expect(base().placeholder).toBe('https://api.getpostman.com');

    await choose('postnomic');
    expect(shown()).toEqual(['connection-probe']);
    expect(screen.getByText('required')).toBeTruthy();
  });

  it('the admin key is a password field', async () => {
    await openForm();
    await choose('postmark');
    expect((screen.getByTestId('connection-admin-secret') as HTMLInputElement).type).toBe('password');
  });

  it('checks the form before sending: a Postnomic connection needs a base URL, http only to this computer', async () => {
    await openForm();
    await choose('postnomic');
    await fireEvent.click(screen.getByTestId('connection-submit'));
    expect((await screen.findByTestId('connection-base-url-error')).textContent).toMatch(/give the base URL/);
    await fireEvent.input(screen.getByTestId('connection-base-url'), { target: { value: 'http://blog.example.com' } });
    await fireEvent.click(screen.getByTestId('connection-submit'));
    expect((await screen.findByTestId('connection-base-url-error')).textContent).toBe(ERROR_MESSAGES.insecure_url);
    expect(calls('connection_add')).toHaveLength(0);
  });

  it('sends connection_add, clears the admin key, reloads connections and keys', async () => {
    const added = connection({ name: 'ph-eu', provider: 'posthog', base_url: 'https://eu.posthog.com', options: { project_id: '42' } });
    let listed: ConnectionDto[] = [];
    backend({ connections_list: () => listed, keys_list: () => [], connection_add: () => ((listed = [added]), added) });
    const store = storeWith();
    render(ProvidersDialog, { props: { store, onclose: vi.fn(), onsync: vi.fn() } });
    await screen.findByTestId('connections-empty');
    await fireEvent.click(screen.getByTestId('connection-add'));
    await choose('posthog');
    await fireEvent.input(screen.getByTestId('connection-name'), { target: { value: 'ph-eu' } });
    await fireEvent.input(screen.getByTestId('connection-base-url'), { target: { value: 'https://eu.posthog.com' } });
    await fireEvent.input(screen.getByTestId('connection-project'), { target: { value: '42' } });
    const secret = screen.getByTestId('connection-admin-secret') as HTMLInputElement;
    await fireEvent.input(secret, { target: { value: 'phx_adminsecretvalue' } });
    await fireEvent.click(screen.getByTestId('connection-submit'));
    await waitFor(() => expect(screen.getByTestId('connection-row').getAttribute('data-connection-name')).toBe('ph-eu'));
    expect(calls('connection_add')[0][1]).toEqual({
      input: {
        provider: 'posthog',
        name: 'ph-eu',
        base_url: 'https://eu.posthog.com',
        region: null,
        project_id: '42',
        account_id: null,
        probe_path: null,
        environment: 'prod',
        admin_secret: 'phx_adminsecretvalue',
        test: true,
      },
    });
    expect(secret.value).toBe('');
    expect(screen.queryByTestId('connection-form')).toBeNull();
    expect(calls('keys_stream').length).toBeGreaterThan(0);
    expect(document.body.textContent).not.toContain('adminsecretvalue');
  });

  it('puts backend errors by code next to the right field and keeps the form', async () => {
    await openForm({ connection_add: () => Promise.reject({ code: 'provider_unauthorized', message: 'the admin key is invalid' }) });
    await choose('postmark');
    const secret = screen.getByTestId('connection-admin-secret') as HTMLInputElement;
    await fireEvent.input(secret, { target: { value: 'not-a-real-token' } });
    await fireEvent.click(screen.getByTestId('connection-submit'));
    const error = await screen.findByTestId('connection-admin-secret-error');
    expect(error.textContent).toContain(ERROR_MESSAGES.provider_unauthorized);
    expect(secret.getAttribute('aria-invalid')).toBe('true');
    expect(error.closest('.field')?.contains(secret)).toBe(true);
  });

  it('shows the missing scope by name', async () => {
    await openForm({ connection_add: () => Promise.reject({ code: 'provider_missing_scope', message: "the key lacks the scope 'project:read' for this call (403)" }) });
    await choose('posthog');
    await fireEvent.input(screen.getByTestId('connection-admin-secret'), { target: { value: 'phx_x' } });
    await fireEvent.click(screen.getByTestId('connection-submit'));
    expect((await screen.findByTestId('connection-admin-secret-error')).textContent).toContain('“project:read”');
  });

  it('puts a backend URL refusal under the base URL and a duplicate under the name', async () => {
    let reply: unknown = { code: 'provider_unavailable', message: 'cannot reach the provider: connection refused' };
    await openForm({ connection_add: () => Promise.reject(reply) });
    await choose('postman');
    await fireEvent.click(screen.getByTestId('connection-submit'));
    expect((await screen.findByTestId('connection-base-url-error')).textContent).toContain(ERROR_MESSAGES.provider_unavailable);
    reply = { code: 'duplicate', message: 'exists' };
    await fireEvent.click(screen.getByTestId('connection-submit'));
    const dup = await screen.findByText(ERROR_MESSAGES.duplicate);
    expect(dup.closest('.field')?.contains(screen.getByTestId('connection-name'))).toBe(true);
  });

  it('clears the admin key on cancel', async () => {
    await openForm();
    await choose('sendgrid');
    const secret = screen.getByTestId('connection-admin-secret') as HTMLInputElement;
    await fireEvent.input(secret, { target: { value: 'SG.secret' } });
    await fireEvent.click(screen.getByTestId('connection-cancel'));
    expect(secret.value).toBe('');
    expect(screen.queryByTestId('connection-form')).toBeNull();
  });
});

describe('Providers view: the list', () => {
  const list = [
    connection(),
    connection({ id: 'c-2', name: 'postman-ci', provider: 'postman', base_url: 'https://api.getpostman.com', admin_key_id: null }),
  ];

  function setup(extra: Record<string, Handler> = {}) {
    backend({ connections_list: () => list, keys_list: () => [], ...extra });
    const store = storeWith();
    const onsync = vi.fn();
    render(ProvidersDialog, { props: { store, onclose: vi.fn(), onsync } });
    return { store, onsync };
  }

  const row = async (name: string) =>
    (await screen.findAllByTestId('connection-row')).find((r) => r.getAttribute('data-connection-name') === name)!;

  it('lists each connection with its provider, base URL and admin key', async () => {
    setup();
    const pm = await row('postmark-prod');
    expect(pm.textContent).toContain('Postmark');
    expect(within(pm).getByTestId('connection-url').textContent).toBe('https://api.postmarkapp.com');
    expect(within(pm).getByTestId('connection-admin').getAttribute('data-admin')).toBe('yes');
    const postman = await row('postman-ci');
    expect(within(postman).getByTestId('connection-admin').getAttribute('data-admin')).toBe('no');
    expect((within(postman).getByTestId('connection-test') as HTMLButtonElement).disabled).toBe(true);
    expect((within(postman).getByTestId('connection-sync') as HTMLButtonElement).disabled).toBe(true);
    expect(within(postman).getByTestId('connection-sync').getAttribute('title')).toMatch(/no API that lists keys/);
  });

  it('Test shows the outcome inline', async () => {
    const result: VerifyResultDto = { id: 'admin-1', name: 'postmark-prod (admin)', environment: 'prod', provider: 'postmark', outcome: 'valid', code: null, detail: 'account token: 3 servers' };
    setup({ connection_test: () => result });
    const pm = await row('postmark-prod');
    await fireEvent.click(within(pm).getByTestId('connection-test'));
    const shown = await within(pm).findByTestId('connection-test-result');
    expect(shown.getAttribute('data-outcome')).toBe('valid');
    expect(shown.textContent).toContain('account token: 3 servers');
    expect(calls('connection_test')[0][1]).toEqual({ name: 'postmark-prod' });
  });

  it('Test shows a provider error in plain words, whether it comes as an error result or a rejection', async () => {
    const failed: VerifyResultDto = { id: 'admin-1', name: 'a', environment: 'prod', provider: 'postmark', outcome: 'error', code: 'provider_unavailable', detail: 'the provider did not answer in time' };
    let reply: () => unknown = () => failed;
    setup({ connection_test: () => reply() });
    const pm = await row('postmark-prod');
    await fireEvent.click(within(pm).getByTestId('connection-test'));
    let shown = await within(pm).findByTestId('connection-test-result');
    expect(shown.getAttribute('data-outcome')).toBe('error');
    expect(shown.textContent).toContain(ERROR_MESSAGES.provider_unavailable);
    expect(shown.textContent).toContain('test failed');
    reply = () => Promise.reject({ code: 'provider_rate_limited', message: 'retry after 30 s' });
    await fireEvent.click(within(pm).getByTestId('connection-test'));
    await waitFor(() => expect(within(pm).getByTestId('connection-test-result').textContent).toContain(ERROR_MESSAGES.provider_rate_limited));
    shown = within(pm).getByTestId('connection-test-result');
    expect(shown.getAttribute('data-outcome')).toBe('error');
  });

  it('Import keys hands the connection to the sync view', async () => {
    const { onsync } = setup();
    await fireEvent.click(within(await row('postmark-prod')).getByTestId('connection-sync'));
    expect(onsync).toHaveBeenCalledWith('postmark-prod');
  });

  it('Remove asks for confirmation naming the connection, then removes it', async () => {
    let current = list;
    setup({ connections_list: () => current, connection_remove: () => ((current = list.slice(1)), null) });
    const pm = await row('postmark-prod');
    await fireEvent.click(within(pm).getByTestId('connection-remove'));
    const confirm = within(pm).getByTestId('connection-remove-confirm');
    expect(within(confirm).getByTestId('connection-remove-name').textContent).toBe('“postmark-prod”');
    expect(calls('connection_remove')).toHaveLength(0);
    await fireEvent.click(within(confirm).getByTestId('connection-remove-submit'));
    await waitFor(() => expect(screen.getAllByTestId('connection-row')).toHaveLength(1));
    expect(calls('connection_remove')[0][1]).toEqual({ name: 'postmark-prod' });
  });
});

describe('import from a connection', () => {
  const CANARY = 'Zq9Xw7Vt3Rp5';
  const remote = (id: string, overrides: Partial<RemoteKeyDto> = {}): RemoteKeyDto => ({
    remote_id: id,
    name: `server ${id}`,
    kind: 'server_token',
    scopes: [],
    masked_hint: `…${id.slice(-4)}`,
    has_value: true,
    known_key_id: null,
    environment: 'prod',
    ...overrides,
  });
  const LIST = [
    remote('s-0001'),
    remote('s-0002', { known_key_id: 'k-2', has_value: false, scopes: ['project:read'] }),
    remote('s-0003', { name: '<img src=x onerror=alert(1)>' }),
  ];

  function setup(list: RemoteKeyDto[] = LIST) {
    backend({ sync_preview: () => list, sync_commit: () => ({ imported: [makeKey(), makeKey()], refreshed: [] }) });
    const ondone = vi.fn();
    const result = render(SyncDialog, { props: { store: storeWith([connection()]), connection: 'postmark-prod', onclose: vi.fn(), ondone } });
    return { ondone, ...result };
  }

  it('never renders anything but the masked hint of a remote key', async () => {
    // A backend bug that leaked a value in an extra field must still not reach the screen.
    const leaky = LIST.map((r) => ({ ...r, value: `secret-${CANARY}`, secret: `${CANARY}`, token: CANARY })) as RemoteKeyDto[];
    const { container } = setup(leaky);
    const table = await screen.findByTestId('sync-preview');
    expect(within(table).getAllByTestId('sync-hint').map((h) => h.textContent)).toEqual(['…0001', '…0002', '…0003']);
    expect(document.body.innerHTML).not.toContain(CANARY);
    expect(container.querySelector('img')).toBeNull();
    expect(table.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('shows value/metadata badges and the tracked marker; new keys start checked', async () => {
    setup();
    const rows = await screen.findAllByTestId('sync-row');
    expect(rows.map((r) => r.getAttribute('data-remote-id'))).toEqual(['s-0001', 's-0002', 's-0003']);
    const checked = rows.map((r) => (within(r).getByTestId('sync-check') as HTMLInputElement).checked);
    expect(checked).toEqual([true, false, true]);
    expect(within(rows[0]).getByTestId('sync-value').getAttribute('data-has-value')).toBe('true');
    expect(within(rows[0]).getByTestId('sync-value').textContent).toBe('value included');
    expect(within(rows[1]).getByTestId('sync-value').textContent).toBe('metadata only');
    expect(within(rows[1]).getByTestId('sync-known').textContent).toBe('already tracked');
    expect(within(rows[0]).queryByTestId('sync-known')).toBeNull();
    expect(rows[1].textContent).toContain('project:read');
    expect(screen.getByTestId('sync-commit').textContent?.trim()).toBe('Import 2 keys');
  });

  it('imports the checked keys into the chosen environment', async () => {
    const { ondone } = setup();
    const rows = await screen.findAllByTestId('sync-row');
    await fireEvent.click(within(rows[0]).getByTestId('sync-check'));
    await fireEvent.click(within(rows[1]).getByTestId('sync-check'));
    expect(screen.getByTestId('sync-commit').textContent?.trim()).toBe('Import 1 key, refresh 1');
    await fireEvent.change(screen.getByTestId('sync-environment'), { target: { value: 'staging' } });
    await fireEvent.click(screen.getByTestId('sync-commit'));
    await waitFor(() => expect(ondone).toHaveBeenCalled());
    expect(calls('sync_commit')[0][1]).toEqual({
      connection: 'postmark-prod',
      environment: 'staging',
      only: ['s-0002', 's-0003'],
      environments: { 's-0003': 'staging' },
    });
    expect(ondone.mock.calls[0][1]).toBe('staging');
  });

  it('files each new row under its own environment, proposed from the name (issue 16)', async () => {
    const list = [
      remote('s-0001', { name: 'Acme Production', environment: 'prod' }),
      remote('s-0004', { name: 'Acme Staging', environment: 'staging' }),
      remote('s-0005', { name: 'Acme CI', environment: 'prod' }),
    ];
    const { ondone } = setup(list);
    const rows = await screen.findAllByTestId('sync-row');
    const selects = rows.map((r) => within(r).getByTestId('sync-row-environment') as HTMLSelectElement);
    expect(selects.map((s) => s.value)).toEqual(['prod', 'staging', 'prod']);
    await fireEvent.change(selects[2], { target: { value: 'dev' } });
    await fireEvent.click(screen.getByTestId('sync-commit'));
    await waitFor(() => expect(ondone).toHaveBeenCalled());
    expect(calls('sync_commit')[0][1].environments).toEqual({ 's-0001': 'prod', 's-0004': 'staging', 's-0005': 'dev' });
  });

  it('select all toggles every row; nothing chosen disables the import', async () => {
    setup();
    await screen.findByTestId('sync-preview');
    const all = screen.getByTestId('sync-select-all') as HTMLInputElement;
    expect(all.indeterminate).toBe(true);
    await fireEvent.click(all);
    expect(screen.getAllByTestId('sync-check').every((c) => (c as HTMLInputElement).checked)).toBe(true);
    await fireEvent.click(all);
    expect(screen.getAllByTestId('sync-check').some((c) => (c as HTMLInputElement).checked)).toBe(false);
    expect((screen.getByTestId('sync-commit') as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows a provider error in plain words', async () => {
    backend({ sync_preview: () => Promise.reject({ code: 'manual_only', message: 'postman has no API that lists keys' }) });
    render(SyncDialog, { props: { store: storeWith([connection()]), connection: 'postmark-prod', onclose: vi.fn(), ondone: vi.fn() } });
    expect((await screen.findByTestId('sync-error')).textContent).toContain(ERROR_MESSAGES.manual_only);
    expect(screen.queryByTestId('sync-preview')).toBeNull();
  });
});

describe('verification in the window', () => {
  it('a key row shows a verify badge for an invalid or expired key, none for a valid one', () => {
    const now = Date.now();
    const props = (key: KeyDto) => ({ key, providerName: 'Postmark', kindName: 'Server token', now });
    const invalid = render(KeyRow, { props: props(makeKey({ status: 'invalid', verify_outcome: 'invalid', verify_detail: '401', last_verified_at: new Date(now).toISOString() })) });
    const badge = within(invalid.container).getByTestId('verify-badge');
    expect(badge.getAttribute('data-outcome')).toBe('invalid');
    expect(badge.textContent).toBe('invalid');
    expect(badge.getAttribute('title')).toContain('401');
    expect(invalid.container.querySelector('[data-status="invalid"]')?.classList.contains('bad')).toBe(true);
    const expired = render(KeyRow, { props: props(makeKey({ verify_outcome: 'expired' })) });
    expect(within(expired.container).getByTestId('verify-badge').getAttribute('data-outcome')).toBe('expired');
    const valid = render(KeyRow, { props: props(makeKey({ verify_outcome: 'valid' })) });
    expect(within(valid.container).queryByTestId('verify-badge')).toBeNull();
  });

  function appHandlers(keys: KeyDto[]): Record<string, Handler> {
    return {
      keys_list: () => keys,
      providers_list: () => ALL_PROVIDERS,
      settings_get: () => SETTINGS,
      keychain_status: () => ({ state: 'ok', message: 'fine', fix: '', backend: 'test' }),
      connections_list: () => [connection({ id: 'c-9', name: 'pm-eu' })],
      key_show: ({ id }) => ({ key: keys.find((k) => k.id === id), audit: [], secret_present: true }),
      app_ready: () => null,
    };
  }

  it('Verify in the detail panel updates the key and says when', async () => {
    const key = makeKey({ name: 'Mail', fingerprint: 'f', connection_id: 'c-9' });
    const verified = { ...key, status: 'invalid' as const, verify_outcome: 'invalid' as const, verify_detail: 'the server token was revoked', last_verified_at: new Date().toISOString() };
    const keys = [key];
    // The backend answers the verified key from now on (key_show included).
    backend({ ...appHandlers(keys), key_verify: () => ((keys[0] = verified), verified) });
    render(App);
    await fireEvent.click(await screen.findByTestId('key-row'));
    expect((await screen.findByTestId('verified-at')).textContent?.trim()).toBe('Never verified');
    expect((await screen.findByTestId('detail-connection')).textContent).toBe('pm-eu');
    await fireEvent.click(screen.getByTestId('verify-key'));
    await waitFor(() => expect(screen.getByTestId('verify-status').getAttribute('data-outcome')).toBe('invalid'));
    expect(screen.getByTestId('verified-at').textContent?.trim()).toBe('Verified just now');
    expect(screen.getByTestId('verify-status').querySelector('.pill')?.textContent).toBe('invalid');
    expect(screen.getByTestId('verify-detail').textContent).toBe('the server token was revoked');
    expect(calls('key_verify')[0][1]).toEqual({ id: key.id });
    expect(screen.getByTestId('verify-badge').getAttribute('data-outcome')).toBe('invalid');
  });

  it('a failed Verify says why in plain words and changes nothing', async () => {
    const key = makeKey({ name: 'Mail', fingerprint: 'f', verify_outcome: 'valid', last_verified_at: '2026-01-01T00:00:00Z' });
    backend({ ...appHandlers([key]), key_verify: () => Promise.reject({ code: 'provider_unavailable', message: 'the provider did not answer in time' }) });
    render(App);
    await fireEvent.click(await screen.findByTestId('key-row'));
    await fireEvent.click(await screen.findByTestId('verify-key'));
    const error = await screen.findByTestId('verify-error');
    expect(error.textContent).toContain(ERROR_MESSAGES.provider_unavailable);
    expect(error.textContent).toContain('Nothing was changed.');
    expect(screen.getByTestId('verify-status').getAttribute('data-outcome')).toBe('valid');
  });

  it('Verify is unavailable for a key tracked without its value', async () => {
    const key = makeKey({ name: 'Listed only', fingerprint: null });
    backend(appHandlers([key]));
    render(App);
    await fireEvent.click(await screen.findByTestId('key-row'));
    const button = (await screen.findByTestId('verify-key')) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.title).toMatch(/without its value/);
  });

  it('Verify all streams progress, lists each outcome, counts them, then reloads the list', async () => {
    const keys = [makeKey({ name: 'a' }), makeKey({ name: 'b' }), makeKey({ name: 'c', status: 'revoked' })];
    const result = (key: KeyDto, outcome: VerifyResultDto['outcome'], code: string | null = null): VerifyResultDto => ({
      id: key.id,
      name: key.name,
      environment: key.environment,
      provider: key.provider,
      outcome,
      code,
      detail: outcome === 'error' ? 'the provider did not answer in time' : 'ok',
    });
    let send: ((p: VerifyProgressDto) => void) | null = null;
    let finish: ((r: VerifyResultDto[]) => void) | null = null;
    backend({
      ...appHandlers(keys),
      keys_verify_all: ({ onProgress }) => {
        send = (p) => (onProgress as { onmessage: (p: VerifyProgressDto) => void }).onmessage(p);
        return new Promise((resolve) => (finish = resolve));
      },
    });
    render(App);
    await screen.findAllByTestId('key-row');
    await fireEvent.click(screen.getByTestId('verify-all'));
    const progress = await screen.findByTestId('verify-progress');
    expect(progress.getAttribute('data-total')).toBe('2'); // the revoked key is left out
    expect(calls('keys_verify_all')[0][1].onProgress).toBeInstanceOf(core.Channel);
    const listsBefore = calls('keys_stream').length;

    await waitFor(() => expect(send).not.toBeNull());
    const a = result(keys[0], 'invalid');
    send!({ done: 1, total: 2, result: a });
    await waitFor(() => expect(screen.getByTestId('verify-progress').getAttribute('data-done')).toBe('1'));
    const bar = screen.getByTestId('verify-progress').querySelector('progress')!;
    expect([bar.value, bar.max]).toEqual([1, 2]);
    expect(screen.getByTestId('verify-close').textContent).toContain('Run in background');

    const b = result(keys[1], 'error', 'provider_unavailable');
    send!({ done: 2, total: 2, result: b });
    finish!([a, b]);
    await waitFor(() => expect(screen.getByTestId('verify-progress').getAttribute('data-phase')).toBe('done'));
    const rows = screen.getAllByTestId('verify-result');
    expect(rows.map((r) => r.getAttribute('data-outcome'))).toEqual(['invalid', 'error']);
    expect(rows[1].textContent).toContain(ERROR_MESSAGES.provider_unavailable);
    const counts = Object.fromEntries(screen.getAllByTestId('verify-summary-count').map((c) => [c.getAttribute('data-outcome'), c.getAttribute('data-count')]));
    expect(counts).toMatchObject({ valid: '0', invalid: '1', error: '1' });
    await waitFor(() => expect(calls('keys_stream').length).toBeGreaterThan(listsBefore));
    expect(screen.getByTestId('verify-close').textContent?.trim()).toBe('Close');
    await fireEvent.click(screen.getByTestId('verify-close'));
    await tick();
    expect(screen.queryByTestId('verify-dialog')).toBeNull();
  });
});
