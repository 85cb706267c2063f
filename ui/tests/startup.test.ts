// @vitest-environment jsdom
// Start-up (issue 14): the window paints the first page of rows, tells the backend it is
// ready, and only then asks the keychain's status and the whole inventory, which replaces the
// page; counts, search and filters then work on every key.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const core = vi.hoisted(() => ({
  invoke: vi.fn(),
  isTauri: vi.fn(() => true),
  Channel: class {
    onmessage: (message: unknown) => void = () => undefined;
  },
}));
vi.mock('@tauri-apps/api/core', () => core);

import App from '../src/App.svelte';
import { displayOrder, indexKeys, toRow } from '../src/lib/inventory';
import { encodeChunk } from '../src/lib/rowcolumns';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyUiFont, FIRST_LOAD_ID, takeFirstLoad } from '../src/lib/firstload';
import { FIRST_PAGE } from '../src/lib/store.svelte';
import type { FirstLoadDto, KeyDto } from '../src/lib/types';
import { FAKE_CHUNK, keysStreamFrom, makeKey, PROVIDERS } from './fixtures';

const SETTINGS = { clipboard_timeout_secs: 30, environments: [{ name: 'dev', position: 0 }, { name: 'prod', position: 1 }], data_dir: '/tmp/keyward' };
const KEYS: KeyDto[] = Array.from({ length: FIRST_PAGE + 50 }, (_, i) =>
  makeKey({ name: `key ${String(i).padStart(3, '0')}`, environment: i % 2 ? 'prod' : 'dev', purpose: i === FIRST_PAGE + 49 ? 'the needle' : 'mail' }),
);

const calls = (cmd: string) => core.invoke.mock.calls.filter(([c]) => c === cmd);
const order = () => core.invoke.mock.calls.map(([c]) => c as string);

type Handler = (args: Record<string, unknown>) => unknown;
let handlers: Record<string, Handler> = {};

beforeEach(() => {
  core.invoke.mockReset();
  const base: Record<string, Handler> = {
    keys_page: ({ offset, limit }) => {
      const o = Number(offset);
      return { total: KEYS.length, offset: o, keys: displayOrder(KEYS, ['dev', 'prod']).slice(o, o + Number(limit)) };
    },
    keys_list: () => KEYS,
    keys_stream: keysStreamFrom(() => KEYS)!,
    providers_list: () => PROVIDERS,
    settings_get: () => SETTINGS,
    keychain_status: () => ({ state: 'ok', message: 'fine', fix: '', backend: 'test' }),
    app_ready: () => null,
    connections_list: () => [],
    rotation_recover: () => [],
    rotation_list: () => [],
    inventory_watch: () => null,
    policy_get: () => null,
  };
  handlers = base;
  core.invoke.mockImplementation(async (cmd: string, args: Record<string, unknown> = {}) => {
    const handler = handlers[cmd];
    if (!handler) throw { code: 'internal', message: `no handler for ${cmd}` };
    return handler(args);
  });
});

describe('start-up (issue 14)', () => {
  it('paints the first page, then asks the keychain, then loads every key', async () => {
    render(App);
    await waitFor(() => expect(calls('keys_stream')).toHaveLength(1));
    expect(calls('keys_page')[0][1]).toEqual({ offset: 0, limit: FIRST_PAGE });
    const seq = order();
    expect(seq.indexOf('keys_page')).toBeLessThan(seq.indexOf('app_ready'));
    expect(seq.indexOf('app_ready'), 'the keychain is asked after the first paint').toBeLessThan(seq.indexOf('keychain_status'));
    expect(seq.indexOf('keychain_status')).toBeLessThan(seq.indexOf('keys_stream'));
    const ready = calls('app_ready')[0][1] as { timings: Record<string, number> };
    expect(ready.timings).toMatchObject({ rows: FIRST_PAGE, total: KEYS.length });
    for (const phase of ['script_ms', 'page_ms', 'render_ms']) expect(ready.timings[phase]).toBeGreaterThanOrEqual(0);
    await waitFor(() => expect(screen.getByTestId('key-count').getAttribute('data-total')).toBe(String(KEYS.length)));
  });

  it('counts every key while only the first page is there, and searches every key after', async () => {
    render(App);
    await waitFor(() => expect(calls('keys_stream')).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId('key-count').textContent?.trim()).toBe(`${KEYS.length} keys`));
    await fireEvent.input(screen.getByTestId('search'), { target: { value: 'needle' } });
    await waitFor(() => expect(screen.getAllByTestId('key-row').map((r) => r.getAttribute('data-key-name'))).toEqual([`key ${FIRST_PAGE + 49}`]));
  });

  it('asks for nothing the first rows do not need before they are painted (perf-firstpaint)', async () => {
    handlers = { ...handlers, team_status: () => null };
    render(App);
    await waitFor(() => expect(calls('app_ready')).toHaveLength(1));
    await waitFor(() => expect(calls('rotation_recover')).toHaveLength(1));
    await waitFor(() => expect(calls('inventory_watch')).toHaveLength(1));
    await waitFor(() => expect(calls('team_status')).toHaveLength(1));
    const seq = order();
    for (const cmd of ['inventory_watch', 'team_status', 'rotation_recover']) {
      expect(seq.indexOf(cmd), `${cmd} after the first paint`).toBeGreaterThan(seq.indexOf('app_ready'));
    }
  });
});

describe('the first paint’s answers sent with the document (issue 14)', () => {
  /** The data block src-tauri/src/first_load.rs adds to the document, as it writes it. */
  function addBlock(json: string): void {
    const block = document.createElement('script');
    block.type = 'application/json';
    block.id = FIRST_LOAD_ID;
    block.textContent = json.replace(/</g, '\\u003c');
    document.body.prepend(block);
  }
  const firstLoad = (): FirstLoadDto => ({
    page: { total: KEYS.length, offset: 0, keys: displayOrder(KEYS, ['dev', 'prod']).slice(0, FIRST_PAGE).map(toRow) },
    providers: PROVIDERS,
    settings: SETTINGS,
    ui_font: 'Cantarell',
  });

  it('paints the rows in the first render, without asking, then goes on as usual', async () => {
    render(App, { props: { firstLoad: firstLoad() } });
    // Rendered before any answer could arrive: the rows come with the first render.
    expect(screen.getAllByTestId('key-row').length).toBeGreaterThan(0);
    await waitFor(() => expect(calls('keys_stream')).toHaveLength(1));
    for (const cmd of ['keys_page', 'providers_list', 'settings_get']) expect(calls(cmd), `${cmd} not asked`).toHaveLength(0);
    const ready = calls('app_ready')[0][1] as { timings: Record<string, unknown> };
    expect(ready.timings).toMatchObject({ rows: FIRST_PAGE, total: KEYS.length, with_document: true });
    await waitFor(() => expect(screen.getByTestId('key-count').getAttribute('data-total')).toBe(String(KEYS.length)));
  });

  it('reads the block once, escaped as the backend writes it, and a hostile name stays text', async () => {
    const name = '</script><img src=x onerror="window.__pwned=1"><!--';
    const sent = firstLoad();
    sent.page.keys[0] = { ...sent.page.keys[0], name };
    addBlock(JSON.stringify(sent));
    const taken = takeFirstLoad();
    expect(taken?.page.keys[0].name).toBe(name);
    expect(document.getElementById(FIRST_LOAD_ID), 'the block is removed once read').toBeNull();
    expect(takeFirstLoad(), 'nothing left to read').toBeNull();
    render(App, { props: { firstLoad: taken } });
    expect(screen.getAllByTestId('key-row').some((r) => r.getAttribute('data-key-name') === name)).toBe(true);
    expect(document.querySelector('img[src="x"]')).toBeNull();
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
    await waitFor(() => expect(calls('app_ready')).toHaveLength(1));
  });

  it('asks over IPC when the block cannot be read', async () => {
    addBlock('{"page": not json');
    const taken = takeFirstLoad();
    expect(taken).toBeNull();
    expect(document.getElementById(FIRST_LOAD_ID)).toBeNull();
    render(App, { props: { firstLoad: taken } });
    await waitFor(() => expect(calls('keys_page')).toHaveLength(1));
    const ready = await waitFor(() => calls('app_ready')[0][1] as { timings: Record<string, unknown> });
    expect(ready.timings.with_document).toBe(false);
  });

  it('sets the desktop’s UI font as a quoted family, or leaves app.css’s stack', () => {
    const root = document.createElement('div');
    applyUiFont('Adwaita Sans, Noto "Sans"\\', root);
    expect(root.style.getPropertyValue('--font-ui')).toBe('"Adwaita Sans", "Noto \\"Sans\\"\\\\", sans-serif');
    const untouched = document.createElement('div');
    applyUiFont(null, untouched);
    applyUiFont(' , ', untouched);
    expect(untouched.style.getPropertyValue('--font-ui')).toBe('');
  });

  it('asks for as many rows as the backend sends with the document', () => {
    // vitest runs in ui/ (jsdom gives this file no file: URL).
    const rust = readFileSync(resolve(process.cwd(), '../src-tauri/src/first_load.rs'), 'utf8');
    expect(rust.match(/pub const FIRST_PAGE: usize = (\d+);/)?.[1]).toBe(String(FIRST_PAGE));
    expect(rust.match(/pub const BLOCK_ID: &str = "([^"]+)";/)?.[1]).toBe(FIRST_LOAD_ID);
  });
});

describe('the whole list in chunks (issue 14)', () => {
  it('gets every key in chunks over a channel, never as one answer, and counts them all', async () => {
    expect(KEYS.length).toBeGreaterThan(2 * FAKE_CHUNK);
    render(App);
    await waitFor(() => expect(calls('keys_stream')).toHaveLength(1));
    // The needle is past the first page: found once every chunk is in.
    await fireEvent.input(screen.getByTestId('search'), { target: { value: 'needle' } });
    await waitFor(() => expect(screen.getAllByTestId('key-row').map((r) => r.getAttribute('data-key-name'))).toEqual([`key ${FIRST_PAGE + 49}`]));
    await fireEvent.input(screen.getByTestId('search'), { target: { value: '' } });
    await waitFor(() => expect(screen.getByTestId('key-count').textContent?.trim()).toBe(`${KEYS.length} keys`));
    expect(calls('keys_list'), 'the whole list is not one answer').toHaveLength(0);
  });

  it('waits for chunks that arrive after the command answered', async () => {
    handlers = {
      ...handlers,
      keys_stream: async (args) => {
        const channel = args.onChunk as { onmessage: (chunk: unknown) => void };
        channel.onmessage(encodeChunk(KEYS.slice(0, 100).map(toRow), KEYS.length, 0));
        // The last chunk comes after the answer (channel messages travel on their own).
        setTimeout(() => channel.onmessage(encodeChunk(KEYS.slice(100).map(toRow), KEYS.length, 100)), 50);
        return KEYS.length;
      },
    };
    render(App);
    await waitFor(() => expect(calls('keys_stream')).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId('key-count').getAttribute('data-total')).toBe(String(KEYS.length)));
    await fireEvent.input(screen.getByTestId('search'), { target: { value: 'needle' } });
    await waitFor(() => expect(screen.getAllByTestId('key-row').map((r) => r.getAttribute('data-key-name'))).toEqual([`key ${FIRST_PAGE + 49}`]));
  });
});

describe('the search index', () => {
  it('builds a key’s search text on the first search only', () => {
    const index = indexKeys([makeKey({ name: 'b' }), makeKey({ name: 'a', purpose: 'Mail' })]);
    expect(index.map((e) => e.key.name)).toEqual(['a', 'b']);
    const entry = index[0];
    const descriptor = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(entry), 'haystack');
    expect(descriptor?.get, 'a getter, not text computed up front').toBeTypeOf('function');
    expect(Object.getOwnPropertyDescriptor(entry, 'haystack'), 'one getter for every entry (issue 14), not one per entry').toBeUndefined();
    expect(entry.haystack).toContain('mail');
    expect(entry.haystack).toBe(entry.haystack);
  });
});
