import { describe, expect, it } from 'vitest';
import { allState, initialSelection, syncButtonLabel, syncCounts, syncOnly, syncResultMessage, toggleAll, toggleSelection } from '../src/lib/sync';
import type { RemoteKeyDto } from '../src/lib/types';
import { makeKey } from './fixtures';

const remote = (remote_id: string, known: string | null = null): RemoteKeyDto => ({
  remote_id,
  name: remote_id,
  kind: 'server_token',
  scopes: [],
  masked_hint: '…abcd',
  has_value: true,
  known_key_id: known,
  environment: 'prod',
});

const list = [remote('a'), remote('b', 'key-b'), remote('c'), remote('d', 'key-d')];

describe('sync selection', () => {
  it('starts with every new key chosen and tracked ones not', () => {
    expect([...initialSelection(list)]).toEqual(['a', 'c']);
  });

  it('toggles one key, or sets it', () => {
    const s = initialSelection(list);
    expect([...toggleSelection(s, 'a')]).toEqual(['c']);
    expect([...toggleSelection(s, 'b')].sort()).toEqual(['a', 'b', 'c']);
    expect([...toggleSelection(s, 'a', true)].sort()).toEqual(['a', 'c']);
    expect([...toggleSelection(s, 'zz', false)].sort()).toEqual(['a', 'c']);
    // The original set is left alone.
    expect([...s]).toEqual(['a', 'c']);
  });

  it('knows the select-all state and toggles all', () => {
    expect(allState(list, new Set())).toBe('none');
    expect(allState(list, new Set(['a']))).toBe('some');
    expect(allState(list, new Set(['a', 'b', 'c', 'd']))).toBe('all');
    expect([...toggleAll(list, new Set(['a']))]).toEqual(['a', 'b', 'c', 'd']);
    expect([...toggleAll(list, new Set(['a', 'b', 'c', 'd']))]).toEqual([]);
    expect(allState([], new Set())).toBe('none');
  });

  it('counts imports and refreshes, and sends the chosen ids in the provider order', () => {
    const s = new Set(['d', 'a', 'b']);
    expect(syncCounts(list, s)).toEqual({ imported: 1, refreshed: 2 });
    expect(syncOnly(list, s)).toEqual(['a', 'b', 'd']);
    // An id no longer listed is not sent.
    expect(syncOnly(list, new Set(['gone', 'c']))).toEqual(['c']);
  });

  it('labels the button by what happens', () => {
    expect(syncButtonLabel({ imported: 3, refreshed: 0 })).toBe('Import 3 keys');
    expect(syncButtonLabel({ imported: 1, refreshed: 0 })).toBe('Import 1 key');
    expect(syncButtonLabel({ imported: 2, refreshed: 1 })).toBe('Import 2 keys, refresh 1');
    expect(syncButtonLabel({ imported: 0, refreshed: 2 })).toBe('Refresh 2 keys');
    expect(syncButtonLabel({ imported: 0, refreshed: 0 })).toBe('Import 0 keys');
  });

  it('reports the counts after a commit', () => {
    const k = () => makeKey();
    expect(syncResultMessage({ imported: [k(), k(), k()], refreshed: [k()] }, 'pm', 'prod')).toBe('Imported 3 keys from pm into prod; refreshed 1 tracked key.');
    expect(syncResultMessage({ imported: [k()], refreshed: [] }, 'pm', 'dev')).toBe('Imported 1 key from pm into dev.');
    expect(syncResultMessage({ imported: [], refreshed: [k(), k()] }, 'pm', 'dev')).toBe('Refreshed 2 tracked keys from pm.');
    expect(syncResultMessage({ imported: [], refreshed: [] }, 'pm', 'dev')).toBe('Nothing imported from pm.');
  });
});

describe('proposeEnvironment (the demo copy of the core rule)', () => {
  it('reads staging, dev and prod words from a remote name, spelled as the inventory has them', async () => {
    const { proposeEnvironment } = await import('../src/lib/sync');
    expect(proposeEnvironment('Acme Staging', ['dev', 'prod'])).toBe('staging');
    expect(proposeEnvironment('acme-stg-deploy', ['staging'])).toBe('staging');
    expect(proposeEnvironment('Test runner', ['development'])).toBe('development');
    expect(proposeEnvironment('LIVE checkout', ['production'])).toBe('production');
    expect(proposeEnvironment('Acme Production', [])).toBe('prod');
    expect(proposeEnvironment('Prodigy mailer', ['prod'])).toBeNull();
    expect(proposeEnvironment('Acme CI', ['prod'])).toBeNull();
  });
});
