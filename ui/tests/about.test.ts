// @vitest-environment jsdom
// The About box: name and version from the running app (Tauri's app plugin, i.e. the Cargo
// workspace version), data directory and keychain backend from what the window already has.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const core = vi.hoisted(() => ({ invoke: vi.fn(), isTauri: vi.fn(() => true) }));
vi.mock('@tauri-apps/api/core', () => core);
// @tauri-apps/api/app calls its own bundled copy of invoke; route it through the fake backend
// with the same command names (tests/version.rs checks those against the real capabilities).
vi.mock('@tauri-apps/api/app', () => ({
  getName: () => core.invoke('plugin:app|name'),
  getVersion: () => core.invoke('plugin:app|version'),
}));

import App from '../src/App.svelte';
import { aboutRows, appIdentity } from '../src/lib/about';
import type { KeychainStatusDto, SettingsDto } from '../src/lib/types';
import { listCommandFrom, PROVIDERS } from './fixtures';

const HOSTILE_DIR = '/home/<img src=x onerror=alert(1)>/.local/share/keyward';
const SETTINGS: SettingsDto = { clipboard_timeout_secs: 30, environments: [{ name: 'dev', position: 0 }], data_dir: HOSTILE_DIR };
const KEYCHAIN_OK: KeychainStatusDto = { state: 'ok', message: 'fine', fix: '', backend: 'Secret Service (service dev.keyward.app)' };

type Handler = (args?: Record<string, unknown>) => unknown;
function backend(handlers: Record<string, Handler>): void {
  core.invoke.mockImplementation(async (cmd: string, args: Record<string, unknown> = {}) => {
    const handler = handlers[cmd] ?? listCommandFrom(handlers, cmd);
    if (!handler) throw { code: 'internal', message: `no handler for ${cmd}` };
    return handler(args);
  });
}
function handlers(extra: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    keys_list: () => [],
    providers_list: () => PROVIDERS,
    settings_get: () => SETTINGS,
    keychain_status: () => KEYCHAIN_OK,
    app_ready: () => null,
    'plugin:app|name': () => 'Keyward',
    'plugin:app|version': () => '9.8.7',
    ...extra,
  };
}

beforeEach(() => {
  core.invoke.mockReset();
  core.isTauri.mockReturnValue(true);
});
afterEach(() => cleanup());

describe('aboutRows', () => {
  it('shows version, data dir and keychain backend with its state', () => {
    const rows = aboutRows({ name: 'Keyward', version: '1.2.3' }, SETTINGS, KEYCHAIN_OK);
    expect(rows.map((r) => [r.testid, r.value])).toEqual([
      ['about-version', '1.2.3'],
      ['about-data-dir', HOSTILE_DIR],
      ['about-keychain', 'Secret Service (service dev.keyward.app) — available'],
    ]);
  });

  it('says what it does not know rather than showing blanks', () => {
    const rows = aboutRows({ name: 'Keyward', version: null }, null, null);
    expect(rows.map((r) => r.value)).toEqual(['unknown', '…', 'not checked yet']);
    expect(aboutRows(null, null, null)[0].value).toBe('…');
    const locked = aboutRows(null, SETTINGS, { ...KEYCHAIN_OK, state: 'locked', backend: '' });
    expect(locked[2].value).toBe('not checked yet — locked');
  });
});

describe('appIdentity', () => {
  it('asks the app plugin for name and version', async () => {
    backend(handlers());
    expect(await appIdentity()).toEqual({ name: 'Keyward', version: '9.8.7' });
    expect(core.invoke.mock.calls.map(([cmd]) => cmd).sort()).toEqual(['plugin:app|name', 'plugin:app|version']);
  });

  it('a refused call becomes an unknown version, not an error', async () => {
    backend(handlers({ 'plugin:app|version': () => Promise.reject({ code: 'internal', message: 'not allowed' }) }));
    expect(await appIdentity()).toEqual({ name: 'Keyward', version: null });
  });

  it('outside the desktop window there is no version to show', async () => {
    core.isTauri.mockReturnValue(false);
    expect(await appIdentity()).toEqual({ name: 'Keyward', version: null });
    expect(core.invoke).not.toHaveBeenCalled();
  });
});

describe('About dialog', () => {
  it('opens from Settings and shows the running version, data dir (as text) and keychain', async () => {
    backend(handlers());
    const { container } = render(App);
    await fireEvent.click(await screen.findByTestId('settings'));
    await fireEvent.click(await screen.findByTestId('settings-about'));
    const dialog = await screen.findByTestId('about-dialog');
    await waitFor(() => expect(screen.getByTestId('about-version').textContent).toBe('9.8.7'));
    expect(screen.getByTestId('about-name').textContent).toBe('Keyward');
    expect(screen.getByTestId('about-data-dir').textContent).toBe(HOSTILE_DIR);
    // The keychain is asked after the first paint (issue 14): "not checked yet" until then.
    await waitFor(() => expect(screen.getByTestId('about-keychain').textContent).toContain('Secret Service (service dev.keyward.app)'));
    expect(dialog.querySelector('img')).toBeNull();
    expect(screen.queryByTestId('settings-dialog')).toBeNull();
    await fireEvent.click(screen.getByTestId('about-close'));
    await waitFor(() => expect(screen.queryByTestId('about-dialog')).toBeNull());
    expect(container.querySelector('img')).toBeNull();
  });
});
