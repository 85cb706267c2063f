// @vitest-environment jsdom
// Issue 16, points 9 and 10 in the rendered window: the one "New key" entry, Down from the
// search field into the list, Ctrl+C through the backend's copy, the `?` overlay, sort by due.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const core = vi.hoisted(() => ({ invoke: vi.fn(), isTauri: vi.fn(() => true) }));
vi.mock('@tauri-apps/api/core', () => core);

import App from '../src/App.svelte';
import RotationsJournal from '../src/components/RotationsJournal.svelte';
import { AppStore } from '../src/lib/store.svelte';
import type { KeyDto, PolicyDto, SettingsDto } from '../src/lib/types';
import { listCommandFrom, makeKey, PROVIDERS } from './fixtures';
import { rotation } from './lifecycle-fixtures';

const SETTINGS: SettingsDto = { clipboard_timeout_secs: 30, environments: [{ name: 'prod', position: 0 }], data_dir: '/tmp/keyward' };
const POLICY: PolicyDto = {
  default: { environment: '*', max_age_days: 90, unused_days: 30, expiring_days: 14 },
  environments: [],
  notify_due: false,
};

function backend(keys: KeyDto[]): void {
  const handlers: Record<string, (args: Record<string, unknown>) => unknown> = {
    keys_list: () => keys,
    providers_list: () => PROVIDERS,
    settings_get: () => SETTINGS,
    keychain_status: () => ({ state: 'ok', message: 'fine', fix: '' }),
    key_show: ({ id }) => ({ key: keys.find((k) => k.id === id), audit: [], secret_present: true }),
    key_copy: () => ({ timeout_secs: 30, clears_at: new Date(Date.now() + 30_000).toISOString() }),
    policy_get: () => POLICY,
    rotation_recover: () => [],
    rotation_list: () => [],
    connections_list: () => [],
  };
  core.invoke.mockImplementation(async (cmd: string, args: Record<string, unknown> = {}) => {
    const handler = handlers[cmd] ?? listCommandFrom(handlers, cmd);
    if (!handler) throw { code: 'internal', message: `no handler for ${cmd}` };
    return handler(args);
  });
}

const calls = (cmd: string) => core.invoke.mock.calls.filter(([c]) => c === cmd);
const selected = () => screen.getAllByTestId('key-row').find((r) => r.getAttribute('aria-selected') === 'true');
const order = () => screen.getAllByTestId('key-row').map((r) => r.getAttribute('data-key-name'));

beforeEach(() => {
  core.invoke.mockReset();
  core.isTauri.mockReturnValue(true);
});

describe('keyboard', () => {
  it('Down in the search field moves into the list and selects the first key; Escape goes back', async () => {
    backend([makeKey({ name: 'a', environment: 'prod' }), makeKey({ name: 'b', environment: 'prod' })]);
    render(App);
    await screen.findAllByTestId('key-row');
    const search = screen.getByTestId('search');
    search.focus();
    await fireEvent.keyDown(search, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByTestId('key-list'));
    expect(selected()?.getAttribute('data-key-name')).toBe('a');
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(document.activeElement).toBe(search);
  });

  it('Ctrl+C copies the selected key through the backend, not while a field has the focus', async () => {
    const keys = [makeKey({ name: 'a', environment: 'prod' })];
    backend(keys);
    render(App);
    await screen.findAllByTestId('key-row');
    const search = screen.getByTestId('search');
    search.focus();
    await fireEvent.keyDown(search, { key: 'ArrowDown' });
    await fireEvent.keyDown(search, { key: 'c', ctrlKey: true });
    expect(calls('key_copy')).toHaveLength(0);
    const list = screen.getByTestId('key-list');
    await fireEvent.keyDown(list, { key: 'c', ctrlKey: true });
    await screen.findByTestId('copy-toast');
    expect(calls('key_copy').map(([, args]) => args)).toEqual([{ id: keys[0].id }]);
  });

  it('? shows the shortcuts, as does the toolbar’s help button', async () => {
    backend([makeKey({ environment: 'prod' })]);
    render(App);
    await screen.findAllByTestId('key-row');
    await fireEvent.keyDown(screen.getByTestId('key-list'), { key: '?' });
    const overlay = await screen.findByTestId('shortcuts');
    expect(overlay.textContent).toContain('Ctrl+C');
    await fireEvent.click(screen.getByTestId('shortcuts-close'));
    expect(screen.queryByTestId('shortcuts')).toBeNull();
    await fireEvent.keyDown(screen.getByTestId('search'), { key: '?' });
    expect(screen.queryByTestId('shortcuts')).toBeNull();
    await fireEvent.click(screen.getByTestId('shortcuts-help'));
    await screen.findByTestId('shortcuts');
  });
});

describe('toolbar', () => {
  it('one "New key" entry opens a menu with both ways; every button has a name and a tooltip', async () => {
    backend([makeKey({ environment: 'prod' })]);
    render(App);
    await screen.findAllByTestId('key-row');
    const menu = screen.getByTestId('new-key-menu');
    expect(menu.hidden).toBe(true);
    await fireEvent.click(screen.getByTestId('new-key'));
    expect(menu.hidden).toBe(false);
    expect(screen.getByTestId('add-key').textContent).toMatch(/existing/);
    expect(screen.getByTestId('create-key').textContent).toMatch(/Create/);
    await fireEvent.keyDown(screen.getByTestId('add-key'), { key: 'Escape' });
    expect(menu.hidden).toBe(true);
    await fireEvent.click(screen.getByTestId('new-key'));
    await fireEvent.click(screen.getByTestId('add-key'));
    await screen.findByTestId('add-dialog');
    for (const button of document.querySelectorAll<HTMLButtonElement>('header.toolbar .bar button:not([role="menuitem"])')) {
      expect(button.getAttribute('aria-label') || button.textContent?.trim(), button.outerHTML).toBeTruthy();
      expect(button.getAttribute('title'), button.outerHTML).toBeTruthy();
    }
  });

  it('sorts by the date keys fall due', async () => {
    backend([
      makeKey({ name: 'alpha', environment: 'prod', last_rotated_at: '2024-06-01T00:00:00Z' }),
      makeKey({ name: 'bravo', environment: 'prod', last_rotated_at: '2024-01-01T00:00:00Z' }),
    ]);
    render(App);
    await screen.findAllByTestId('key-row');
    expect(order()).toEqual(['alpha', 'bravo']);
    await fireEvent.change(screen.getByTestId('sort'), { target: { value: 'due' } });
    await waitFor(() => expect(order()).toEqual(['bravo', 'alpha']));
    expect(calls('policy_get')).toHaveLength(1);
  });
});

describe('rotations journal', () => {
  it('keeps every cell a table cell, so body borders line up with the header (the key cell lays out inside)', async () => {
    backend([]);
    const list = core.invoke.getMockImplementation();
    core.invoke.mockImplementation(async (cmd: string, args: Record<string, unknown> = {}) =>
      cmd === 'rotation_list' ? [rotation({ id: 'r1', key_name: 'a very long key name', state: 'done', last_step: 'done' })] : list?.(cmd, args),
    );
    render(RotationsJournal, { props: { store: new AppStore(), onclose: () => undefined } });
    const row = await screen.findByTestId('rotation-row');
    const header = screen.getByTestId('rotations-list').querySelectorAll('thead th');
    expect([...row.children].map((c) => c.tagName)).toEqual([...header].map(() => 'TD'));
    const key = row.querySelector('.key');
    expect(key?.tagName).toBe('DIV');
    expect(key?.parentElement?.tagName).toBe('TD');
    expect(row.querySelector('.name')?.getAttribute('title')).toBe('a very long key name');
  });
});
