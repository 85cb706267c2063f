// @vitest-environment jsdom
// Issue 16: one state per key (the pill shows the provider's answer), and link / unlink in
// the key's detail, without the command line.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const core = vi.hoisted(() => {
  class Channel<T> {
    onmessage: (message: T) => void = () => undefined;
  }
  return { invoke: vi.fn(), isTauri: vi.fn(() => true), Channel };
});
vi.mock('@tauri-apps/api/core', () => core);

import KeyLink from '../src/components/KeyLink.svelte';
import KeyRow from '../src/components/KeyRow.svelte';
import { AppStore } from '../src/lib/store.svelte';
import { filterKeys, indexKeys, NO_FILTERS } from '../src/lib/inventory';
import { KEY_STATES, type ConnectionDto, type KeyDto } from '../src/lib/types';
import { makeKey, PROVIDERS } from './fixtures';

const connection: ConnectionDto = {
  id: 'c-1',
  name: 'postmark-prod',
  provider: 'postmark',
  base_url: 'http://127.0.0.1:9',
  admin_key_id: 'admin-1',
  options: {},
  created_at: '2024-01-01T00:00:00Z',
};

function store(): AppStore {
  const s = new AppStore();
  s.providers = PROVIDERS;
  s.connections = [connection];
  return s;
}

const calls = (cmd: string) => core.invoke.mock.calls.filter(([c]) => c === cmd);

beforeEach(() => {
  core.invoke.mockReset();
  core.isTauri.mockReturnValue(true);
});

describe('one state per key', () => {
  it.each([
    ['disabled', 'Disabled', 'bad'],
    ['expired', 'Expired', 'bad'],
    ['active', 'Active', 'ok'],
  ] as const)('a key whose state is %s shows %s, whatever its stored status', (state, label, tone) => {
    const key: KeyDto = makeKey({ status: 'active', state, verify_outcome: state === 'active' ? 'valid' : state });
    render(KeyRow, { props: { key, providerName: 'Postmark', kindName: 'Server token', now: Date.now() } });
    const pills = screen.getAllByTestId('key-state');
    expect(pills).toHaveLength(1);
    expect(pills[0].textContent).toBe(label);
    expect(pills[0].classList.contains(tone)).toBe(true);
  });
});

describe('the status filter', () => {
  it('offers every shown state and filters by it, not by the stored status', () => {
    expect(KEY_STATES).toEqual(expect.arrayContaining(['disabled', 'expired']));
    const keys = [
      makeKey({ id: 'a', name: 'still-stored-active', status: 'active', state: 'disabled' }),
      makeKey({ id: 'b', name: 'plain', status: 'active', state: 'active' }),
    ];
    const index = indexKeys(keys);
    expect(filterKeys(index, { ...NO_FILTERS, status: 'disabled' }).map((k) => k.id)).toEqual(['a']);
    expect(filterKeys(index, { ...NO_FILTERS, status: 'active' }).map((k) => k.id)).toEqual(['b']);
  });
});

describe('link and unlink in the detail', () => {
  it('lists what the connection holds, preselects the match, and links to it', async () => {
    const key = makeKey({ id: 'k-1', masked_hint: '…9c41' });
    const linked = { ...key, connection_id: 'c-1', remote_id: 'server-1' };
    core.invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'key_link_candidates') {
        return [
          { remote_id: 'server-1', name: 'Transactional', kind: 'server_token', masked_hint: '…9c41', matches: true },
          { remote_id: 'server-2', name: 'Newsletters', kind: 'server_token', masked_hint: '…1111', matches: false },
        ];
      }
      if (cmd === 'key_link') return linked;
      if (cmd === 'key_show') return { key: linked, audit: [], secret_present: true };
      throw { code: 'internal', message: cmd };
    });
    const s = store();
    s.keys = [key];
    render(KeyLink, { props: { store: s, key, providerLabel: 'Postmark' } });
    expect(screen.getByTestId('key-link').getAttribute('data-linked')).toBe('false');
    await fireEvent.click(screen.getByTestId('link-key'));
    await screen.findByTestId('link-candidates');
    const radios = screen.getAllByRole('radio') as HTMLInputElement[];
    expect(radios.map((r) => r.checked)).toEqual([true, false]);
    expect(document.body.textContent).not.toMatch(/keyward (link|connect|sync)/);
    await fireEvent.click(screen.getByTestId('link-confirm'));
    await waitFor(() => expect(calls('key_link')).toHaveLength(1));
    expect(calls('key_link')[0][1]).toEqual({ id: 'k-1', connection: 'postmark-prod', remoteId: 'server-1' });
  });

  it('unlinks a linked key, but never a connection\'s own admin key', async () => {
    const key = makeKey({ id: 'k-2', connection_id: 'c-1', remote_id: 'server-1' });
    core.invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'key_unlink') return { ...key, connection_id: null, remote_id: null };
      if (cmd === 'key_show') return { key, audit: [], secret_present: true };
      throw { code: 'internal', message: cmd };
    });
    const s = store();
    s.keys = [key];
    const { unmount } = render(KeyLink, { props: { store: s, key, providerLabel: 'Postmark' } });
    expect(screen.getByTestId('link-connection').textContent).toBe('postmark-prod');
    await fireEvent.click(screen.getByTestId('unlink-key'));
    await waitFor(() => expect(calls('key_unlink')).toHaveLength(1));
    unmount();
    const admin = makeKey({ id: 'admin-1', connection_id: 'c-1', role: 'connection_admin' });
    render(KeyLink, { props: { store: s, key: admin, providerLabel: 'Postmark' } });
    expect(screen.queryByTestId('unlink-key')).toBeNull();
  });
});
