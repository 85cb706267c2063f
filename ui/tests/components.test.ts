// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const core = vi.hoisted(() => ({
  invoke: vi.fn(),
  isTauri: vi.fn(() => true),
  // What `inventory_watch` gets: the test calls its `onmessage` as the backend would.
  Channel: class {
    onmessage: (message: unknown) => void = () => undefined;
  },
}));
vi.mock('@tauri-apps/api/core', () => core);

import App from '../src/App.svelte';
import AddKeyDialog from '../src/components/AddKeyDialog.svelte';
import ImportDialog from '../src/components/ImportDialog.svelte';
import KeyRow from '../src/components/KeyRow.svelte';
import Toasts from '../src/components/Toasts.svelte';
import { ERROR_MESSAGES } from '../src/lib/errors';
import { AppStore } from '../src/lib/store.svelte';
import type { DetectionDto, ImportPreviewDto, KeyDto, SettingsDto } from '../src/lib/types';
import { listCommandFrom, makeKey, PROVIDERS } from './fixtures';

const HOSTILE = '<img src=x onerror=alert(1)>';
const SETTINGS: SettingsDto = {
  clipboard_timeout_secs: 30,
  environments: [
    { name: 'dev', position: 0 },
    { name: 'prod', position: 1 },
  ],
  data_dir: '/tmp/keyward',
};

type Handler = (args: Record<string, unknown>) => unknown;

/** A fake backend: each command answers from `handlers` (a thrown value becomes a rejection). */
function backend(handlers: Record<string, Handler>): void {
  core.invoke.mockImplementation(async (cmd: string, args: Record<string, unknown> = {}) => {
    const handler = handlers[cmd] ?? listCommandFrom(handlers, cmd);
    if (!handler) throw { code: 'internal', message: `no handler for ${cmd}` };
    return handler(args);
  });
}

function baseHandlers(keys: KeyDto[], keychainState: 'ok' | 'locked' = 'ok'): Record<string, Handler> {
  return {
    keys_list: () => keys,
    providers_list: () => PROVIDERS,
    settings_get: () => SETTINGS,
    keychain_status: () =>
      keychainState === 'ok'
        ? { state: 'ok', message: 'fine', fix: '' }
        : { state: 'locked', message: 'The login keyring is locked.', fix: 'Unlock it in Passwords and Keys.' },
    key_show: ({ id }) => ({ key: keys.find((k) => k.id === id), audit: [], secret_present: true }),
    rotation_recover: () => [],
    rotation_list: () => [],
  };
}

function storeWith(): AppStore {
  const store = new AppStore();
  store.providers = PROVIDERS;
  store.settings = SETTINGS;
  return store;
}

const calls = (cmd: string) => core.invoke.mock.calls.filter(([c]) => c === cmd);

beforeEach(() => {
  core.invoke.mockReset();
  core.isTauri.mockReturnValue(true);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('hostile names render as text', () => {
  it('KeyRow shows the characters of the name and tags and creates no element from them', () => {
    const key = makeKey({ name: HOSTILE, tags: ['<b>bold</b>'], owner: '<script>x()</script>' });
    const { container } = render(KeyRow, { props: { key, providerName: 'Postmark', kindName: 'Server token', now: Date.now() } });
    expect(container.textContent).toContain(HOSTILE);
    expect(container.textContent).toContain('<b>bold</b>');
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
  });

  it('KeyRow marks a connection admin key with an Admin badge, and only such a key', () => {
    const props = { providerName: 'Postmark', kindName: 'Account token', now: Date.now() };
    const admin = render(KeyRow, { props: { ...props, key: makeKey({ name: 'pm (admin)', role: 'connection_admin' }) } });
    expect(admin.getByTestId('admin-badge').textContent).toBe('Admin');
    admin.unmount();
    const service = render(KeyRow, { props: { ...props, key: makeKey({ name: 'mail', role: 'service' }) } });
    expect(service.queryByTestId('admin-badge')).toBeNull();
  });

  it('the inventory lists a hostile key as text, in its group, with data attributes intact', async () => {
    const key = makeKey({ name: HOSTILE, purpose: '<i>purpose</i>', environment: 'dev' });
    backend(baseHandlers([key]));
    const { container } = render(App);
    const row = await screen.findByTestId('key-row');
    expect(row.getAttribute('data-key-name')).toBe(HOSTILE);
    expect(row.textContent).toContain(HOSTILE);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('i')).toBeNull();
    expect(screen.getByTestId('purpose-group').getAttribute('data-purpose')).toBe('<i>purpose</i>');
    expect(screen.getByTestId('env-group').getAttribute('data-env')).toBe('dev');
    expect(screen.getByTestId('key-count').textContent?.trim()).toBe('1 key');
  });
});

describe('the window follows the inventory (issue 16)', () => {
  it('reloads when another process changes the inventory, and on Refresh and F5, keeping the open detail', async () => {
    let keys = [makeKey({ name: 'first' })];
    let onChange: { onmessage: (m: unknown) => void } | null = null;
    const handlers = baseHandlers([]);
    handlers.keys_list = () => keys;
    handlers.key_show = ({ id }) => ({ key: keys.find((k) => k.id === id), audit: [], secret_present: true });
    handlers.inventory_watch = ({ onChange: channel }) => {
      onChange = channel as typeof onChange;
      return null;
    };
    backend(handlers);
    render(App);
    const row = await screen.findByTestId('key-row');
    await waitFor(() => expect(onChange).not.toBeNull());
    await fireEvent.click(row);
    await screen.findByTestId('key-detail');

    // `keyward add` in a terminal: the backend reports a change, the window reloads.
    keys = [...keys, makeKey({ name: 'from the terminal' })];
    const listed = calls('keys_stream').length;
    onChange!.onmessage({ change: 1 });
    onChange!.onmessage({ change: 2 });
    await waitFor(() => expect(screen.getAllByTestId('key-row')).toHaveLength(2));
    expect(calls('keys_stream').length - listed, 'two changes close together: one reload').toBe(1);
    expect(screen.getByTestId('key-detail'), 'the open detail stays open').toBeTruthy();

    keys = [...keys, makeKey({ name: 'third' })];
    await fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(screen.getAllByTestId('key-row')).toHaveLength(3));
    keys = [...keys, makeKey({ name: 'fourth' })];
    await fireEvent.keyDown(window, { key: 'F5' });
    await waitFor(() => expect(screen.getAllByTestId('key-row')).toHaveLength(4));
    // The detail's key removed elsewhere: its panel closes.
    keys = keys.slice(1);
    await fireEvent.keyDown(window, { key: 'r', ctrlKey: true });
    await waitFor(() => expect(screen.queryByTestId('key-detail')).toBeNull());
  });
});

describe('inventory window', () => {
  it('shows the empty state when there are no keys', async () => {
    backend(baseHandlers([]));
    render(App);
    const empty = await screen.findByTestId('empty-state');
    expect(empty.textContent).toMatch(/Add a key/);
    expect(empty.textContent).toMatch(/Import a \.env/);
  });

  // Windows of earlier tests may still have a ready signal waiting for its frame: let them
  // send it before counting.
  const settleEarlierWindows = async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    core.invoke.mockClear();
  };

  it('tells the backend once, after the first inventory is rendered, that it is ready', async () => {
    await settleEarlierWindows();
    const handlers = baseHandlers([makeKey({ name: 'first' })]);
    let rowsWhenReady = -1;
    handlers.app_ready = () => {
      rowsWhenReady = document.querySelectorAll('[data-testid="key-row"]').length;
      return null;
    };
    backend(handlers);
    render(App);
    await waitFor(() => expect(calls('app_ready')).toHaveLength(1));
    expect(rowsWhenReady).toBe(1);
    expect(calls('app_ready')[0][1]).toMatchObject({ timings: { rows: 1, total: 1 } });
  });

  it('a failing ready signal changes nothing in the window', async () => {
    await settleEarlierWindows();
    backend(baseHandlers([makeKey({ name: 'first' })])); // no app_ready handler: it rejects
    render(App);
    await waitFor(() => expect(calls('app_ready')).toHaveLength(1));
    expect(screen.getByTestId('key-row').getAttribute('data-key-name')).toBe('first');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('groups by configured environment order, unknown environments last', async () => {
    backend(baseHandlers([makeKey({ environment: 'zeta' }), makeKey({ environment: 'prod' }), makeKey({ environment: 'dev' })]));
    render(App);
    await screen.findAllByTestId('key-row');
    expect(screen.getAllByTestId('env-group').map((e) => e.getAttribute('data-env'))).toEqual(['dev', 'prod', 'zeta']);
  });

  it('filters live from the search box and updates the count', async () => {
    const purpose = 'Reporting';
    backend(baseHandlers([makeKey({ name: 'Mail sender', purpose }), makeKey({ name: 'Analytics', purpose }), makeKey({ name: 'Other', purpose, owner: 'MAIL-team' })]));
    render(App);
    await screen.findAllByTestId('key-row');
    await fireEvent.input(screen.getByTestId('search'), { target: { value: 'mail' } });
    expect(screen.getAllByTestId('key-row').map((r) => r.getAttribute('data-key-name'))).toEqual(['Mail sender', 'Other']);
    expect(screen.getByTestId('key-count').textContent?.trim()).toBe('2 of 3 keys');
  });

  it('Ctrl+K focuses the search box', async () => {
    backend(baseHandlers([makeKey()]));
    render(App);
    await screen.findByTestId('key-row');
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    expect(document.activeElement).toBe(screen.getByTestId('search'));
  });

  it('arrow keys move the selection, Enter opens the detail, Escape closes it', async () => {
    const keys = [makeKey({ name: 'a' }), makeKey({ name: 'b' })];
    backend(baseHandlers(keys));
    render(App);
    await screen.findAllByTestId('key-row');
    const list = screen.getByTestId('key-list');
    list.focus();
    // env header, purpose header, a, b
    for (let i = 0; i < 4; i++) await fireEvent.keyDown(list, { key: 'ArrowDown' });
    const selected = screen.getAllByTestId('key-row').find((r) => r.getAttribute('aria-selected') === 'true');
    expect(selected?.getAttribute('data-key-name')).toBe('b');
    await fireEvent.keyDown(list, { key: 'Enter' });
    const detail = await screen.findByTestId('key-detail');
    expect(detail.getAttribute('data-key-id')).toBe(keys[1].id);
    expect(calls('key_show')).toHaveLength(1);
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByTestId('key-detail')).toBeNull();
  });

  it('the detail panel shows the whole key as key_show answers it, never the list row (issue 14)', async () => {
    const key = makeKey({ name: 'mail', env_var: 'MAIL_TOKEN' });
    let answer: (value: unknown) => void = () => undefined;
    backend({
      ...baseHandlers([key]),
      // The list's row is compact; the detail fetches the key (here: renamed since the list loaded).
      key_show: () => new Promise((resolve) => (answer = resolve)),
    });
    render(App);
    await fireEvent.click(await screen.findByTestId('key-row'));
    expect(await screen.findByTestId('key-detail-pending')).toBeTruthy();
    expect(screen.queryByTestId('key-detail'), 'nothing is shown from the row meanwhile').toBeNull();
    answer({ key: { ...key, name: 'mail (renamed)' }, audit: [], secret_present: true });
    expect((await screen.findByTestId('detail-name')).textContent).toBe('mail (renamed)');
    expect(screen.getByTestId('key-detail').textContent).toContain('MAIL_TOKEN');
    expect(screen.queryByTestId('key-detail-pending')).toBeNull();
  });

  it('a key that cannot be read shows why, by code, in the detail pane', async () => {
    const key = makeKey({ name: 'mail' });
    backend({ ...baseHandlers([key]), key_show: () => Promise.reject({ code: 'storage', message: 'database is locked' }) });
    render(App);
    await fireEvent.click(await screen.findByTestId('key-row'));
    expect((await screen.findByTestId('detail-error')).textContent).toContain(ERROR_MESSAGES.storage);
    await fireEvent.click(screen.getByTestId('close-detail'));
    expect(screen.queryByTestId('key-detail-pending')).toBeNull();
  });

  it('collapses an environment section from its header', async () => {
    backend(baseHandlers([makeKey({ environment: 'dev' }), makeKey({ environment: 'prod' })]));
    render(App);
    await screen.findAllByTestId('key-row');
    const dev = screen.getAllByTestId('env-group')[0];
    await fireEvent.click(dev);
    expect(screen.getAllByTestId('key-row').map((r) => r.getAttribute('data-env'))).toEqual(['prod']);
    expect(screen.getAllByTestId('env-group')[0].getAttribute('aria-expanded')).toBe('false');
  });

  it('shows the keychain banner and disables Add and Import, but still lists keys', async () => {
    backend(baseHandlers([makeKey({ name: 'still here' })], 'locked'));
    render(App);
    const banner = await screen.findByTestId('keychain-banner');
    expect(banner.textContent).toContain('The login keyring is locked.');
    expect(banner.textContent).toContain('Unlock it in Passwords and Keys.');
    expect((screen.getByTestId('add-key') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('import') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('add-key').parentElement?.getAttribute('title')).toMatch(/keychain/);
    expect(screen.getByTestId('key-row').getAttribute('data-key-name')).toBe('still here');
  });

  it('copy shows a countdown toast from the backend timeout', async () => {
    const key = makeKey({ name: 'Mail' });
    backend({ ...baseHandlers([key]), key_copy: () => ({ timeout_secs: 27, clears_at: new Date(Date.now() + 27_000).toISOString() }) });
    render(App);
    await fireEvent.click(await screen.findByTestId('key-row'));
    await fireEvent.click(await screen.findByTestId('copy-key'));
    const toast = await screen.findByTestId('copy-toast');
    expect(toast.textContent).toMatch(/Clipboard clears in 2[67] s/);
    expect(calls('key_copy')[0][1]).toEqual({ id: key.id });
  });

  it('remove asks for confirmation naming the key, then removes it', async () => {
    const key = makeKey({ name: HOSTILE });
    backend({ ...baseHandlers([key]), key_remove: () => null });
    render(App);
    await fireEvent.click(await screen.findByTestId('key-row'));
    await fireEvent.click(await screen.findByTestId('remove-key'));
    const confirm = await screen.findByTestId('confirm-remove');
    expect(within(confirm).getByTestId('confirm-remove-name').textContent).toBe(`“${HOSTILE}”`);
    expect(calls('key_remove')).toHaveLength(0);
    await fireEvent.click(within(confirm).getByTestId('confirm-remove-submit'));
    await waitFor(() => expect(screen.queryByTestId('key-row')).toBeNull());
    expect(calls('key_remove')[0][1]).toEqual({ id: key.id });
    expect(screen.getByTestId('empty-state')).toBeTruthy();
  });
});

describe('countdown toast', () => {
  it('counts down and then says the clipboard is cleared', async () => {
    vi.useFakeTimers();
    const store = storeWith();
    store.copyToast = { keyName: 'Mail', deadline: Date.now() + 27_000 };
    render(Toasts, { props: { store } });
    expect(screen.getByTestId('copy-toast').textContent).toContain('Clipboard clears in 27 s');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(screen.getByTestId('copy-toast').textContent).toContain('Clipboard clears in 17 s');
    await vi.advanceTimersByTimeAsync(17_000);
    expect(screen.getByTestId('copy-toast').textContent).toContain('Clipboard cleared');
    await vi.advanceTimersByTimeAsync(3_000);
    expect(screen.queryByTestId('copy-toast')).toBeNull();
  });
});

describe('add key dialog', () => {
  const UUID = '1b2c3d4e-aaaa-4bbb-8ccc-0123456789ab';
  const detection: DetectionDto = {
    provider: 'postmark',
    kind: 'server_token',
    confidence: 'medium',
    needs_confirmation: true,
    alternatives: ['account_token'],
    reason: 'a UUID: server and account tokens look alike',
    masked_hint: '…89ab',
  };

  /** What the backend gets instead of UUID: classes of characters and the hint's last four. */
  const UUID_SHAPE = { prefix: '', classes: [...UUID].map((c) => (c === '-' ? '-' : /[0-9]/.test(c) ? '0' : 'a')).join(''), tail: UUID.slice(-4) };

  function setup(extra: Record<string, Handler> = {}) {
    backend({ key_detect: () => detection, ...extra });
    const store = storeWith();
    const onclose = vi.fn();
    const onadded = vi.fn();
    render(AddKeyDialog, { props: { store, onclose, onadded } });
    return { store, onclose, onadded, secret: screen.getByTestId('add-secret') as HTMLInputElement };
  }

  it('is a password field', () => {
    const { secret } = setup();
    expect(secret.type).toBe('password');
  });

  it('detects after a pause and shows provider, kind, hint, reason and the confirmation choice', async () => {
    const { secret } = setup();
    await fireEvent.input(secret, { target: { value: UUID } });
    expect(calls('key_detect')).toHaveLength(0); // debounced
    await waitFor(() => expect(screen.getByTestId('detected-provider').textContent?.trim()).toBe('Postmark'));
    expect(calls('key_detect')).toEqual([['key_detect', { shape: UUID_SHAPE }]]);
    expect(JSON.stringify(calls('key_detect')), 'detection never receives the value').not.toContain(UUID.slice(0, 8));
    expect(screen.getByTestId('detected-kind').textContent?.trim()).toBe('Server token');
    expect(screen.getByTestId('detected-hint').textContent).toBe('…89ab');
    expect(screen.getByTestId('detection').textContent).toContain('server and account tokens look alike');
    const confirm = screen.getByTestId('detected-confirm');
    expect(confirm.textContent).toContain('Server token or Account token?');
    expect(within(confirm).getAllByTestId('detected-choice').map((c) => c.getAttribute('data-kind'))).toEqual(['server_token', 'account_token']);
    expect((screen.getByTestId('add-provider') as HTMLSelectElement).value).toBe('postmark');
    expect((screen.getByTestId('add-kind') as HTMLSelectElement).value).toBe('server_token');
    // Nothing of the value is shown, only the backend's masked hint.
    expect(document.body.textContent).not.toContain(UUID);
  });

  it('detects once per pause, not per keystroke', async () => {
    const { secret } = setup();
    for (const value of ['1b', '1b2c', UUID]) await fireEvent.input(secret, { target: { value } });
    await waitFor(() => expect(screen.getByTestId('detected-provider')).toBeTruthy());
    expect(calls('key_detect')).toEqual([['key_detect', { shape: UUID_SHAPE }]]);
  });

  it('picking the alternative changes the kind', async () => {
    const { secret } = setup();
    await fireEvent.input(secret, { target: { value: UUID } });
    const choices = await screen.findAllByTestId('detected-choice');
    await fireEvent.click(choices[1]);
    expect((screen.getByTestId('add-kind') as HTMLSelectElement).value).toBe('account_token');
  });

  it('submits key_add with the form and clears the value afterwards', async () => {
    const added = makeKey({ name: 'Mail' });
    const { secret, onadded } = setup({ key_add: () => ({ key: added, warning: null }) });
    await fireEvent.input(secret, { target: { value: UUID } });
    await screen.findByTestId('detected-provider');
    await fireEvent.input(screen.getByTestId('add-name'), { target: { value: 'Mail' } });
    await fireEvent.input(screen.getByTestId('add-purpose'), { target: { value: 'send transactional email' } });
    await fireEvent.input(screen.getByTestId('add-owner'), { target: { value: 'ops' } });
    await fireEvent.input(screen.getByTestId('add-tags'), { target: { value: 'email, prod' } });
    await fireEvent.click(screen.getByTestId('add-submit'));
    await waitFor(() => expect(onadded).toHaveBeenCalledWith(added, null));
    expect(calls('key_add')[0][1]).toEqual({
      input: {
        secret: UUID,
        provider: 'postmark',
        kind: 'server_token',
        name: 'Mail',
        environment: 'dev',
        purpose: 'Send transactional email',
        owner: 'ops',
        tags: ['email', 'prod'],
        scopes: [],
        env_var: null,
      },
    });
    expect(secret.value).toBe('');
  });

  it('clears the value on cancel', async () => {
    const { secret, onclose } = setup();
    await fireEvent.input(secret, { target: { value: UUID } });
    await fireEvent.click(screen.getByText('Cancel'));
    expect(onclose).toHaveBeenCalled();
    expect(secret.value).toBe('');
  });

  it('shows a backend error by code next to the right field', async () => {
    const { secret } = setup({ key_add: () => Promise.reject({ code: 'malformed_key', message: 'bad' }) });
    await fireEvent.input(secret, { target: { value: UUID } });
    await screen.findByTestId('detected-provider');
    await fireEvent.input(screen.getByTestId('add-name'), { target: { value: 'Mail' } });
    await fireEvent.click(screen.getByTestId('add-submit'));
    const alert = await screen.findByText(ERROR_MESSAGES.malformed_key);
    expect(alert.closest('.field')?.contains(secret)).toBe(true);
    expect(secret.getAttribute('aria-invalid')).toBe('true');
  });

  it('puts a duplicate-name error under the name field', async () => {
    const { secret } = setup({ key_add: () => Promise.reject({ code: 'duplicate', message: 'exists' }) });
    await fireEvent.input(secret, { target: { value: UUID } });
    await screen.findByTestId('detected-provider');
    await fireEvent.input(screen.getByTestId('add-name'), { target: { value: 'Mail' } });
    await fireEvent.click(screen.getByTestId('add-submit'));
    const alert = await screen.findByText(ERROR_MESSAGES.duplicate);
    expect(alert.closest('.field')?.contains(screen.getByTestId('add-name'))).toBe(true);
  });

  it('validates required fields before calling the backend', async () => {
    setup();
    await fireEvent.click(screen.getByTestId('add-submit'));
    await tick();
    expect(screen.getByText('Paste the key’s value.')).toBeTruthy();
    expect(screen.getByText('Give the key a name.')).toBeTruthy();
    expect(calls('key_add')).toHaveLength(0);
  });
});

describe('import dialog', () => {
  const preview = (errors: number): ImportPreviewDto => ({
    format: 'env',
    rows: [
      { line: 1, name: 'mail', provider: 'postmark', kind: 'server_token', environment: 'dev', purpose: '', masked_hint: '…abcd', env_var: 'POSTMARK_TOKEN', created_at: '2024-01-01T00:00:00Z', last_rotated_at: null, warning: null, suggested: true, reason: 'has the format of a known key' },
      { line: 2, name: HOSTILE, provider: 'posthog', kind: 'personal', environment: 'dev', purpose: '', masked_hint: 'phx_…wxyz', env_var: 'PH', created_at: '2024-01-01T00:00:00Z', last_rotated_at: null, warning: null, suggested: true, reason: 'has the format of a known key' },
    ],
    errors: Array.from({ length: errors }, () => ({ line: 3, message: 'expected NAME=value' })),
  });

  function setup(errors: number) {
    backend({
      import_file_pick: () => ({ handle: 'h1', name: '.env' }),
      import_preview: () => preview(errors),
      import_commit: () => ({ imported: 2, keys: [] }),
    });
    const onimported = vi.fn();
    const { container } = render(ImportDialog, { props: { store: storeWith(), onclose: vi.fn(), onimported } });
    return { onimported, container };
  }

  it('previews the file picked in the backend’s dialog and blocks the import while a line has an error', async () => {
    const { container } = setup(1);
    expect(screen.queryByTestId('import-path'), 'no field for a path').toBeNull();
    await fireEvent.click(screen.getByTestId('import-browse'));
    const table = await screen.findByTestId('import-preview');
    expect(calls('import_file_pick')).toHaveLength(1);
    expect(screen.getByTestId('import-file').textContent).toBe('.env');
    expect(calls('import_preview')[0][1]).toEqual({ handle: 'h1', options: { environment: null, provider: null, purpose: null } });
    expect(within(table).getAllByTestId('import-row')).toHaveLength(2);
    expect(screen.getByTestId('import-errors').textContent).toContain('line 3');
    expect((screen.getByTestId('import-commit') as HTMLButtonElement).disabled).toBe(true);
    expect(container.querySelector('img')).toBeNull();
  });

  it('imports all rows of a clean preview', async () => {
    const { onimported } = setup(0);
    await fireEvent.click(screen.getByTestId('import-browse'));
    await screen.findByTestId('import-preview');
    await fireEvent.input(screen.getByTestId('import-environment'), { target: { value: 'prod' } });
    await fireEvent.click(screen.getByTestId('import-load'));
    await screen.findByTestId('import-preview');
    const commit = screen.getByTestId('import-commit') as HTMLButtonElement;
    expect(commit.disabled).toBe(false);
    expect(commit.textContent?.trim()).toBe('Import 2 keys');
    await fireEvent.click(commit);
    await waitFor(() => expect(onimported).toHaveBeenCalledWith({ imported: 2, keys: [] }));
    expect(calls('import_commit')[0][1]).toEqual({ handle: 'h1', options: { environment: 'prod', provider: null, purpose: null }, lines: [1, 2] });
  });

  it('leaves configuration unticked with its reason and imports exactly the ticked rows (issue 16)', async () => {
    const mixed: ImportPreviewDto = {
      ...preview(0),
      rows: [
        ...preview(0).rows,
        { ...preview(0).rows[0], line: 3, name: 'DEBUG', suggested: false, reason: 'a yes/no setting, not a key' },
        // A clash on a row left out does not block the import.
        { ...preview(0).rows[0], line: 4, name: 'PORT', suggested: false, reason: 'a number (a port, size or duration), not a key' },
      ],
      errors: [{ line: 4, message: "a key named 'PORT' already exists in 'dev'" }],
    };
    backend({
      import_file_pick: () => ({ handle: 'h1', name: '.env' }),
      import_preview: () => mixed,
      import_commit: () => ({ imported: 1, keys: [] }),
    });
    render(ImportDialog, { props: { store: storeWith(), onclose: vi.fn(), onimported: vi.fn() } });
    await fireEvent.click(screen.getByTestId('import-browse'));
    const table = await screen.findByTestId('import-preview');
    const rows = within(table).getAllByTestId('import-row');
    expect(rows.map((r) => r.dataset.chosen)).toEqual(['true', 'true', 'false', 'false']);
    expect(rows[2].textContent).toContain('a yes/no setting, not a key');
    const commit = screen.getByTestId('import-commit') as HTMLButtonElement;
    expect(commit.disabled, 'the error is on a row left out').toBe(false);
    expect(commit.textContent?.trim()).toBe('Import 2 keys');
    // The user unticks the first key.
    await fireEvent.click(within(rows[0]).getByTestId('import-choose'));
    expect(commit.textContent?.trim()).toBe('Import 1 key');
    await fireEvent.click(commit);
    await waitFor(() => expect(calls('import_commit')).toHaveLength(1));
    expect(calls('import_commit')[0][1]).toMatchObject({ lines: [2] });
    // Ticking PORT (whose line has an error) blocks; all/none works.
    await fireEvent.click(screen.getByTestId('import-choose-all'));
    expect(commit.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('import-choose-all'));
    expect(screen.getByTestId('import-chosen-count').textContent).toBe('0');
    expect(commit.disabled).toBe(true);
  });
});

describe('add key dialog without a recognisable value', () => {
  it('says so and leaves provider and kind to the user', async () => {
    backend({ key_detect: () => ({ provider: '', kind: '', confidence: 'low', needs_confirmation: false, alternatives: [], reason: '', masked_hint: '…zzzz' }) });
    render(AddKeyDialog, { props: { store: storeWith(), onclose: vi.fn(), onadded: vi.fn() } });
    await fireEvent.input(screen.getByTestId('add-secret'), { target: { value: 'zzzzzzzzzzzz' } });
    await screen.findByText('Not recognised — choose the provider and kind below.');
    expect(screen.queryByTestId('detected-provider')).toBeNull();
    expect((screen.getByTestId('add-provider') as HTMLSelectElement).value).toBe('');
  });

  it('treats a detection rejection the same way', async () => {
    backend({ key_detect: () => Promise.reject({ code: 'invalid_input', message: 'empty' }) });
    render(AddKeyDialog, { props: { store: storeWith(), onclose: vi.fn(), onadded: vi.fn() } });
    await fireEvent.input(screen.getByTestId('add-secret'), { target: { value: 'x' } });
    await screen.findByText('Not recognised — choose the provider and kind below.');
  });
});
