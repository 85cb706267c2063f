// @vitest-environment jsdom
// The Team view and Team settings (issue 15): grouping and filters of the pulled rows, the
// "as of" line, names shown as text, the join form's password sent once and cleared.
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

import TeamSettings from '../src/components/TeamSettings.svelte';
import TeamView from '../src/components/TeamView.svelte';
import { AppStore } from '../src/lib/store.svelte';
import {
  asOfText,
  filterTeamRows,
  groupTeamRows,
  NO_OWNER,
  NO_TEAM_FILTERS,
  outOfSync,
  sharingFrom,
  teamErrorText,
  tickedFrom,
} from '../src/lib/team';
import type { TeamKeyRowDto, TeamReviewDto, TeamStatusDto } from '../src/lib/types';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

function row(over: Partial<TeamKeyRowDto>): TeamKeyRowDto {
  return {
    member: 'alice',
    key_id: '00000000-0000-0000-0000-000000000001',
    provider: 'postmark',
    kind: 'server_token',
    name: 'mail',
    environment: 'prod',
    purpose: 'send email',
    owner: null,
    tags: [],
    scopes: [],
    status: 'active',
    state: 'active',
    created_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-01T00:00:00Z',
    last_rotated_at: null,
    next_rotation_due: null,
    expires_at: null,
    rotation: null,
    findings: [],
    hint: null,
    ...over,
  };
}

const STATUS: TeamStatusDto = {
  url: 'postgres://alice@127.0.0.1:5432/team',
  member: 'alice',
  schema_version: 1,
  queued: 0,
  last_sync_at: '2026-12-07T06:00:00Z',
  last_error: null,
  sharing: { environments: null, hints: false },
};

describe('team rows', () => {
  const rows = [
    row({ name: 'b', member: 'bob', environment: 'dev', purpose: '', key_id: '1' }),
    row({ name: 'a', member: 'alice', environment: 'prod', purpose: 'send email', owner: 'ops', key_id: '2' }),
    row({ name: 'c', member: 'bob', environment: 'prod', purpose: 'send email', key_id: '3', findings: [{ kind: 'stale', attention: 'action', severity: 'high', reason: 'old' }] }),
    row({ name: 'd', member: 'carol', environment: 'staging', purpose: 'ingest', key_id: '4', tags: ['blue'] }),
  ];

  it('groups by environment in the settings order, then purpose, named rows inside', () => {
    const items = groupTeamRows(rows, ['prod', 'dev']);
    expect(items.map((i) => (i.type === 'group' ? `[${i.environment}/${i.purpose}:${i.count}/${i.attention}]` : i.row.name))).toEqual([
      '[prod/send email:2/1]',
      'a',
      'c',
      '[dev/:1/0]',
      'b',
      '[staging/ingest:1/0]',
      'd',
    ]);
    // The same key id under two members is two rows.
    const twice = groupTeamRows([row({ member: 'x' }), row({ member: 'y' })]);
    expect(new Set(twice.map((i) => i.id)).size).toBe(3);
  });

  it('filters by member, owner (or none), environment and words', () => {
    const names = (f: Partial<typeof NO_TEAM_FILTERS>) => filterTeamRows(rows, { ...NO_TEAM_FILTERS, ...f }).map((r) => r.name);
    expect(names({ member: 'bob' })).toEqual(['b', 'c']);
    expect(names({ owner: 'ops' })).toEqual(['a']);
    expect(names({ owner: NO_OWNER })).toEqual(['b', 'c', 'd']);
    expect(names({ environment: 'prod', member: 'bob' })).toEqual(['c']);
    expect(names({ text: 'BLUE carol' })).toEqual(['d']);
    expect(names({ text: 'nobody' })).toEqual([]);
  });

  it('says how fresh the team data is, and when the member is behind', () => {
    expect(asOfText(null, Date.now())).toMatch(/No team data yet/);
    expect(asOfText('2026-12-07T06:00:00Z', Date.parse('2026-12-07T06:05:00Z'))).toMatch(/^Team data as of .+\(5 min/);
    expect(outOfSync(null)).toBe(false);
    expect(outOfSync(STATUS)).toBe(false);
    expect(outOfSync({ ...STATUS, queued: 2 })).toBe(true);
    expect(outOfSync({ ...STATUS, last_error: 'x' })).toBe(true);
  });

  it('keeps "all environments" as null and a choice as the list', () => {
    expect(sharingFrom(['dev', 'prod'], ['dev', 'prod'], false)).toEqual({ environments: null, hints: false });
    expect(sharingFrom(['prod'], ['dev', 'prod'], true)).toEqual({ environments: ['prod'], hints: true });
    expect(tickedFrom({ environments: null, hints: false }, ['dev', 'prod'])).toEqual(['dev', 'prod']);
    expect(tickedFrom({ environments: ['prod'], hints: false }, ['dev', 'prod'])).toEqual(['prod']);
  });

  it('puts team errors in the window words, never naming a command', () => {
    for (const code of ['team_url_invalid', 'team_auth_failed', 'team_tls_required', 'team_schema_outdated', 'team_unreachable', 'team_permission_denied', 'team_not_joined']) {
      const text = teamErrorText(code, '');
      expect(text, code).toMatch(/\w{5,}/);
      expect(text, code).not.toMatch(/keyward team|`/);
    }
  });
});

type Handler = (args: Record<string, unknown>) => unknown;
function backend(handlers: Record<string, Handler>): void {
  core.invoke.mockImplementation(async (cmd: string, args: Record<string, unknown> = {}) => {
    const handler = handlers[cmd];
    if (!handler) throw { code: 'internal', message: `no handler for ${cmd}` };
    return handler(args);
  });
}

const REVIEW: TeamReviewDto = { as_of: '2026-12-07T06:00:00Z', keys: [], overdue: [], due_soon: [], rotations_per_week: [], members: [] };

describe('Team view', () => {
  beforeEach(() => {
    core.invoke.mockReset();
  });

  it('shows every member keys grouped, names as text, and reloads on a team change', async () => {
    let rows = [row({ name: HOSTILE, member: 'bob', key_id: '9' }), row({ name: 'mail', member: 'alice' })];
    backend({
      team_status: () => STATUS,
      team_keys: () => ({ as_of: '2026-12-07T06:00:00Z', rows }),
      team_review: () => ({ ...REVIEW, keys: rows, overdue: ['9'], members: [{ member: 'bob', keys: 1, overdue: 1, needs_action: 0, last_published_at: null }] }),
      team_watch: () => null,
    });
    const store = new AppStore();
    await store.team.load();
    store.team.watch();
    render(TeamView, { store, onsettings: () => undefined });
    await waitFor(() => expect(screen.getAllByTestId('team-row')).toHaveLength(2));
    expect(screen.getByText(HOSTILE, { selector: '[data-testid="team-row-name"]' })).toBeTruthy();
    expect(document.querySelector('img')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    expect(screen.getByTestId('team-as-of').textContent).toMatch(/Team data as of/);
    expect(screen.getByTestId('team-overdue').dataset.count).toBe('1');

    // A team change (NOTIFY, relayed by the backend) reloads the view by itself.
    rows = [...rows, row({ name: 'from carol', member: 'carol', key_id: '7' })];
    const watch = core.invoke.mock.calls.find(([cmd]) => cmd === 'team_watch');
    (watch?.[1] as { onChange: { onmessage: (m: unknown) => void } }).onChange.onmessage({ change: 1 });
    await waitFor(() => expect(screen.getAllByTestId('team-row')).toHaveLength(3));
  });

  it('says when things happened in plain words: "just now", never "just now ago"', async () => {
    const now = new Date().toISOString();
    const rows = [row({ name: 'mail', member: 'bob', key_id: '1' })];
    backend({
      team_status: () => STATUS,
      team_keys: () => ({ as_of: now, rows }),
      team_review: () => ({ ...REVIEW, keys: rows, members: [{ member: 'bob', keys: 1, overdue: 0, needs_action: 0, last_published_at: now }] }),
      team_events: () => [
        { member: 'bob', key_id: '1', key_name: 'mail', action: 'rotated', at: now },
        { member: 'bob', key_id: '1', key_name: 'mail', action: 'created', at: '2026-01-01T00:00:00Z' },
      ],
    });
    const store = new AppStore();
    await store.team.load();
    render(TeamView, { store, onsettings: () => undefined });
    const events = await waitFor(() => {
      const found = screen.getAllByTestId('team-event');
      expect(found).toHaveLength(2);
      return found;
    });
    expect(events[0].textContent).toMatch(/rotated mail just now$/);
    expect(events[1].textContent).toMatch(/created mail \d+ (mo|y) ago$/);
    expect(screen.getByTestId('team-member').textContent).toMatch(/just now$/);
    expect(document.body.textContent).not.toMatch(/just now ago/);
  });

  it('filters by member', async () => {
    const rows = [row({ name: 'x', member: 'bob', key_id: '1' }), row({ name: 'y', member: 'alice', key_id: '2' })];
    backend({ team_status: () => STATUS, team_keys: () => ({ as_of: null, rows }), team_review: () => REVIEW });
    const store = new AppStore();
    await store.team.load();
    render(TeamView, { store, onsettings: () => undefined });
    await fireEvent.change(await screen.findByTestId('team-filter-member'), { target: { value: 'bob' } });
    await waitFor(() => expect(screen.getAllByTestId('team-row').map((r) => r.dataset.keyName)).toEqual(['x']));
  });

  it('offers to join when not in a team', async () => {
    backend({ team_status: () => null });
    const store = new AppStore();
    await store.team.load();
    render(TeamView, { store, onsettings: () => undefined });
    expect(await screen.findByTestId('team-not-joined')).toBeTruthy();
  });
});

describe('Team settings', () => {
  beforeEach(() => {
    core.invoke.mockReset();
  });

  it('sends the password once as the join input and clears the field, also on failure', async () => {
    const joins: unknown[] = [];
    let fail = true;
    backend({
      team_status: () => null,
      team_join: ({ input }) => {
        joins.push(input);
        if (fail) throw { code: 'team_auth_failed', message: 'refused' };
        return STATUS;
      },
      team_keys: () => ({ as_of: null, rows: [] }),
      team_review: () => REVIEW,
    });
    const store = new AppStore();
    await store.team.load();
    render(TeamSettings, { store, environments: ['dev', 'prod'] });
    const url = screen.getByTestId('team-url') as HTMLInputElement;
    const pw = screen.getByTestId('team-password') as HTMLInputElement;
    expect(pw.type).toBe('password');
    await fireEvent.input(url, { target: { value: 'postgres://alice@127.0.0.1:5432/team' } });
    await fireEvent.input(pw, { target: { value: 'pw-canary-1' } });
    await fireEvent.click(screen.getByTestId('team-join'));
    await waitFor(() => expect(screen.getByTestId('team-settings-error').textContent).toMatch(/refused this name and password/));
    expect(pw.value).toBe('');
    fail = false;
    await fireEvent.input(pw, { target: { value: 'pw-canary-2' } });
    await fireEvent.click(screen.getByTestId('team-join'));
    await waitFor(() => expect(screen.getByTestId('team-status-member').textContent).toBe('alice'));
    expect(joins).toEqual([
      { url: 'postgres://alice@127.0.0.1:5432/team', password: 'pw-canary-1' },
      { url: 'postgres://alice@127.0.0.1:5432/team', password: 'pw-canary-2' },
    ]);
    expect(document.body.innerHTML).not.toContain('pw-canary');
  });

  it('shares a subset of environments and the hints as chosen', async () => {
    const updates: unknown[] = [];
    backend({
      team_status: () => STATUS,
      team_keys: () => ({ as_of: null, rows: [] }),
      team_review: () => REVIEW,
      team_sharing_update: ({ sharing }) => {
        updates.push(sharing);
        return { ...STATUS, sharing };
      },
    });
    const store = new AppStore();
    await store.team.load();
    render(TeamSettings, { store, environments: ['dev', 'prod'] });
    const boxes = await screen.findAllByTestId('team-share-env');
    expect(boxes.map((b) => (b as HTMLInputElement).checked)).toEqual([true, true]);
    await fireEvent.click(boxes[0]);
    await waitFor(() => expect(updates).toEqual([{ environments: ['prod'], hints: false }]));
    await fireEvent.click(screen.getByTestId('team-share-hints'));
    await waitFor(() => expect(updates[1]).toEqual({ environments: ['prod'], hints: true }));
  });
});
