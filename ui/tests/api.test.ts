import { beforeEach, describe, expect, it, vi } from 'vitest';

const core = vi.hoisted(() => {
  /** Stands in for Tauri's Channel: records its handler; the test plays the backend's messages. */
  class Channel<T> {
    static last: Channel<unknown> | null = null;
    onmessage: (message: T) => void = () => undefined;
    constructor() {
      Channel.last = this as Channel<unknown>;
    }
  }
  return { invoke: vi.fn(), isTauri: vi.fn(() => true), Channel };
});
vi.mock('@tauri-apps/api/core', () => core);

import { api, AppError } from '../src/lib/api';
import type { KeyRowDto, KeysChunkDto, NewConnectionInput, NewKeyInput, VerifyProgressDto } from '../src/lib/types';
import { toRow } from '../src/lib/inventory';
import { encodeChunk } from '../src/lib/rowcolumns';
import { makeKey } from './fixtures';

beforeEach(() => {
  core.invoke.mockReset();
  core.isTauri.mockReturnValue(true);
});

const input: NewKeyInput = {
  secret: 'phx_value',
  provider: 'posthog',
  kind: 'personal',
  name: 'n',
  environment: 'dev',
  purpose: '',
  owner: null,
  tags: [],
  scopes: [],
  env_var: null,
};
const options = { environment: null, provider: 'posthog', purpose: null };
const connection: NewConnectionInput = {
  provider: 'postmark',
  name: 'pm',
  base_url: null, region: null,
  project_id: null,
  account_id: null,
  probe_path: null,
  environment: 'prod',
  admin_secret: 'uuid-secret',
  test: true,
};

const shape = { prefix: 'phx_', classes: 'xx00', tail: '' };

const ack = { key_id: 'id-1', kind: 'stale', reason: 'frozen until the migration', until: null };

describe('command wrappers', () => {
  it.each([
    ['keysList', () => api.keysList(), 'keys_list', {}],
    ['keysPage', () => api.keysPage(0, 100), 'keys_page', { offset: 0, limit: 100 }],
    ['keyGet', () => api.keyGet('id-1'), 'key_get', { id: 'id-1' }],
    ['keyShow', () => api.keyShow('id-1'), 'key_show', { id: 'id-1' }],
    ['keyDetect', () => api.keyDetect(shape), 'key_detect', { shape }],
    ['keyAdd', () => api.keyAdd(input), 'key_add', { input }],
    ['keyUpdate', () => api.keyUpdate('id-1', { name: 'x' }), 'key_update', { id: 'id-1', patch: { name: 'x' } }],
    ['keyRemove', () => api.keyRemove('id-1'), 'key_remove', { id: 'id-1' }],
    ['keyCopy', () => api.keyCopy('id-1'), 'key_copy', { id: 'id-1' }],
    ['importFilePick', () => api.importFilePick(), 'import_file_pick', {}],
    ['importPreview', () => api.importPreview('h1', options), 'import_preview', { handle: 'h1', options }],
    ['importCommit', () => api.importCommit('h1', options, [2, 5]), 'import_commit', { handle: 'h1', options, lines: [2, 5] }],
    ['providersList', () => api.providersList(), 'providers_list', {}],
    ['settingsGet', () => api.settingsGet(), 'settings_get', {}],
    ['settingsUpdate', () => api.settingsUpdate({ clipboard_timeout_secs: 20 }), 'settings_update', { patch: { clipboard_timeout_secs: 20 } }],
    ['keychainStatus', () => api.keychainStatus(), 'keychain_status', {}],
    ['auditList', () => api.auditList(null), 'audit_list', { keyId: null }],
    ['auditList with id', () => api.auditList('id-1'), 'audit_list', { keyId: 'id-1' }],
    ['appReady', () => api.appReady(), 'app_ready', {}],
    ['connectionsList', () => api.connectionsList(), 'connections_list', {}],
    ['connectionAdd', () => api.connectionAdd(connection), 'connection_add', { input: connection }],
    ['connectionRemove', () => api.connectionRemove('pm'), 'connection_remove', { name: 'pm' }],
    ['connectionTest', () => api.connectionTest('pm'), 'connection_test', { name: 'pm' }],
    ['keyVerify', () => api.keyVerify('id-1'), 'key_verify', { id: 'id-1' }],
    ['syncPreview', () => api.syncPreview('pm'), 'sync_preview', { connection: 'pm' }],
    ['syncCommit', () => api.syncCommit('pm', 'prod', ['a', 'b']), 'sync_commit', { connection: 'pm', environment: 'prod', only: ['a', 'b'] }],
    ['syncCommit of all', () => api.syncCommit('pm', 'prod', null), 'sync_commit', { connection: 'pm', environment: 'prod', only: null }],
    // findings + team review (issue 6)
    ['findingAcknowledge', () => api.findingAcknowledge(ack), 'finding_acknowledge', { input: ack }],
    ['reviewGet', () => api.reviewGet(), 'review_get', {}],
    ['reviewExport', () => api.reviewExport('csv'), 'review_export', { format: 'csv' }],
    ['providerPageOpen', () => api.providerPageOpen('postmark', 'server_token', 'dashboard'), 'provider_page_open', { provider: 'postmark', kind: 'server_token', page: 'dashboard' }],
    ['policyGet', () => api.policyGet(), 'policy_get', {}],
    ['policyUpdate', () => api.policyUpdate({ notify_due: false }), 'policy_update', { patch: { notify_due: false } }],
    ['syncCommit per row', () => api.syncCommit('pm', 'prod', ['a'], { a: 'staging' }), 'sync_commit', { connection: 'pm', environment: 'prod', only: ['a'], environments: { a: 'staging' } }],
    ['keyLinkCandidates', () => api.keyLinkCandidates('k1', 'pm'), 'key_link_candidates', { id: 'k1', connection: 'pm' }],
    ['keyLink', () => api.keyLink('k1', 'pm', 'r1'), 'key_link', { id: 'k1', connection: 'pm', remoteId: 'r1' }],
    ['keyUnlink', () => api.keyUnlink('k1'), 'key_unlink', { id: 'k1' }],
    ['rotationGraceGet', () => api.rotationGraceGet(), 'rotation_grace_get', {}],
    ['rotationGraceUpdate', () => api.rotationGraceUpdate({ environments: [], default_secs: 0 }), 'rotation_grace_update', { defaults: { environments: [], default_secs: 0 } }],
    // the team on PostgreSQL (issue 15)
    ['teamStatus', () => api.teamStatus(), 'team_status', {}],
    ['teamJoin', () => api.teamJoin({ url: 'postgres://a@h/db', password: 'pw' }), 'team_join', { input: { url: 'postgres://a@h/db', password: 'pw' } }],
    ['teamLeave', () => api.teamLeave(), 'team_leave', {}],
    ['teamSync', () => api.teamSync(), 'team_sync', {}],
    ['teamSharingUpdate', () => api.teamSharingUpdate({ environments: null, hints: false }), 'team_sharing_update', { sharing: { environments: null, hints: false } }],
    ['teamKeys', () => api.teamKeys(), 'team_keys', { filter: null }],
    ['teamReview', () => api.teamReview(), 'team_review', { query: null }],
    ['teamReviewExport', () => api.teamReviewExport('md'), 'team_review_export', { format: 'md', query: null }],
    ['teamEvents', () => api.teamEvents(20), 'team_events', { limit: 20 }],
  ] as const)('%s invokes %s with camelCase args', async (_name, call, command, args) => {
    core.invoke.mockResolvedValueOnce('result');
    await expect(call()).resolves.toBe('result');
    expect(core.invoke).toHaveBeenCalledWith(command, args);
  });

  it('wraps every command of the contract', () => {
    expect(Object.keys(api)).toHaveLength(59);
  });
});

describe('keysVerifyAll', () => {
  const progress = (done: number): VerifyProgressDto => ({
    done,
    total: 2,
    result: { id: `k${done}`, name: 'n', environment: 'dev', provider: 'postmark', outcome: 'valid', code: null, detail: '' },
  });

  it('passes a Tauri Channel as onProgress and hands each message to the callback', async () => {
    const seen: VerifyProgressDto[] = [];
    core.invoke.mockImplementationOnce(async (_cmd: string, args: { onProgress: { onmessage: (p: VerifyProgressDto) => void } }) => {
      args.onProgress.onmessage(progress(1));
      args.onProgress.onmessage(progress(2));
      return [];
    });
    await expect(api.keysVerifyAll((p) => seen.push(p))).resolves.toEqual([]);
    const [command, args] = core.invoke.mock.calls[0];
    expect(command).toBe('keys_verify_all');
    expect(Object.keys(args)).toEqual(['onProgress']);
    expect(args.onProgress).toBeInstanceOf(core.Channel);
    expect(args.onProgress).toBe(core.Channel.last);
    expect(seen.map((p) => p.done)).toEqual([1, 2]);
  });

  it('turns a rejection into an AppError', async () => {
    core.invoke.mockRejectedValueOnce({ code: 'keychain_locked', message: 'locked' });
    await expect(api.keysVerifyAll(() => undefined)).rejects.toMatchObject({ code: 'keychain_locked' });
  });
});

describe('keysAll (issue 14: the whole list in chunks)', () => {
  const key = (id: string) => toRow(makeKey({ id, name: id }));
  const chunk = (total: number, offset: number, rows: KeyRowDto[]) => encodeChunk(rows, total, offset);
  type Sink = { onChunk: { onmessage: (c: KeysChunkDto) => void } };

  it('collects the chunks in order, including those that arrive after the answer', async () => {
    let sink: Sink['onChunk'] | null = null;
    core.invoke.mockImplementationOnce(async (_cmd: string, args: Sink) => {
      sink = args.onChunk;
      args.onChunk.onmessage(chunk(5, 2, [key('c'), key('d')]));
      return 5;
    });
    let done = false;
    const all = api.keysAll().then((keys) => {
      done = true;
      return keys;
    });
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(done, 'two chunks are still on their way').toBe(false);
    sink!.onmessage(chunk(5, 4, [key('e')]));
    sink!.onmessage(chunk(5, 0, [key('a'), key('b')]));
    expect((await all).map((k) => k.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const [command, args] = core.invoke.mock.calls[0];
    expect(command).toBe('keys_stream');
    expect(args.onChunk).toBeInstanceOf(core.Channel);
  });

  it('resolves an empty inventory from its one empty chunk', async () => {
    core.invoke.mockImplementationOnce(async (_cmd: string, args: Sink) => {
      args.onChunk.onmessage(chunk(0, 0, []));
      return 0;
    });
    await expect(api.keysAll()).resolves.toEqual([]);
  });

  it('turns a rejection into an AppError', async () => {
    core.invoke.mockRejectedValueOnce({ code: 'internal', message: 'gone' });
    await expect(api.keysAll()).rejects.toMatchObject({ code: 'internal' });
  });
});

describe('rejections', () => {
  it('become an AppError with the backend code', async () => {
    core.invoke.mockRejectedValueOnce({ code: 'keychain_locked', message: 'collection is locked' });
    const error = await api.keyAdd(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'keychain_locked', message: 'collection is locked' });
  });

  it('become internal for IPC-level string errors', async () => {
    core.invoke.mockRejectedValueOnce('invalid args `id` for command `key_show`');
    await expect(api.keyShow('x')).rejects.toMatchObject({ code: 'internal' });
  });

  it('refuse to run outside the desktop window without the demo', async () => {
    core.isTauri.mockReturnValue(false);
    await expect(api.keysList()).rejects.toMatchObject({ code: 'internal' });
    expect(core.invoke).not.toHaveBeenCalled();
  });
});
