// The Team view's pure logic (issue 15): filtering the pulled team rows, grouping them by
// environment and purpose into a flat list for the virtual list, the "as of" line, and the
// team errors in the window's own words. Nothing here talks to the backend.

import { errorMessage, toAppError } from './errors';
import type { Finding, FindingSeverity, SharingDto, TeamFindingDto, TeamKeyRowDto, TeamStatusDto } from './types';
import { formatDateTime, formatRelative, plural } from './format';

export interface TeamFilters {
  member: string | null;
  owner: string | null;
  environment: string | null;
  text: string;
}

export const NO_TEAM_FILTERS: TeamFilters = { member: null, owner: null, environment: null, text: '' };

/** The value the owner filter uses for keys without an owner. */
export const NO_OWNER = '\u0000none';

export function isTeamFiltered(f: TeamFilters): boolean {
  return f.member !== null || f.owner !== null || f.environment !== null || f.text.trim() !== '';
}

/** Rows matching every filter; the text matches name, purpose, owner, provider, member and tags. */
export function filterTeamRows(rows: readonly TeamKeyRowDto[], f: TeamFilters): TeamKeyRowDto[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((r) => {
    if (f.member !== null && r.member !== f.member) return false;
    if (f.owner !== null && (f.owner === NO_OWNER ? r.owner !== null && r.owner !== '' : r.owner !== f.owner)) return false;
    if (f.environment !== null && r.environment !== f.environment) return false;
    if (words.length === 0) return true;
    const hay = [r.name, r.purpose, r.owner ?? '', r.provider, r.member, r.kind, ...r.tags].join('\u0001').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export type TeamItem =
  | { type: 'group'; id: string; environment: string; purpose: string; count: number; attention: number }
  | { type: 'row'; id: string; row: TeamKeyRowDto };

/** Height of each item type in the virtual list, px (kept in step with TeamView's CSS). */
export const TEAM_ITEM_HEIGHT = { group: 30, row: 40 } as const;

/** A group key that cannot collide between ("a", "b c") and ("a b", "c"). */
function groupId(environment: string, purpose: string): string {
  return `g:${JSON.stringify([environment, purpose])}`;
}

/**
 * Groups by environment (in `order` first, then the rest by name) and purpose (by name, "no
 * purpose" last); rows within a group by name, then member. Returns the flat list to render.
 */
export function groupTeamRows(rows: readonly TeamKeyRowDto[], order: readonly string[] = []): TeamItem[] {
  const groups = new Map<string, { environment: string; purpose: string; rows: TeamKeyRowDto[] }>();
  for (const row of rows) {
    const id = groupId(row.environment, row.purpose);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { environment: row.environment, purpose: row.purpose, rows: [] }));
    g.rows.push(row);
  }
  const rank = (env: string) => {
    const i = order.indexOf(env);
    return i === -1 ? order.length : i;
  };
  const sorted = [...groups.values()].sort(
    (a, b) =>
      rank(a.environment) - rank(b.environment) ||
      a.environment.localeCompare(b.environment) ||
      Number(a.purpose === '') - Number(b.purpose === '') ||
      a.purpose.localeCompare(b.purpose),
  );
  const items: TeamItem[] = [];
  for (const g of sorted) {
    g.rows.sort((a, b) => a.name.localeCompare(b.name) || a.member.localeCompare(b.member));
    const attention = g.rows.filter((r) => r.findings.some((f) => f.attention === 'action')).length;
    items.push({ type: 'group', id: groupId(g.environment, g.purpose), environment: g.environment, purpose: g.purpose, count: g.rows.length, attention });
    for (const row of g.rows) items.push({ type: 'row', id: `r:${row.member}:${row.key_id}`, row });
  }
  return items;
}

/** Distinct values of a field, sorted; for the filters' options. */
export function distinct(rows: readonly TeamKeyRowDto[], field: 'member' | 'environment'): string[] {
  return [...new Set(rows.map((r) => r[field]))].sort((a, b) => a.localeCompare(b));
}

export function owners(rows: readonly TeamKeyRowDto[]): string[] {
  return [...new Set(rows.map((r) => r.owner).filter((o): o is string => !!o))].sort((a, b) => a.localeCompare(b));
}

/** A team finding in the shape the list's badges read (the team shares no advice or fix). */
export function asFinding(f: TeamFindingDto): Finding {
  return {
    code: f.kind,
    severity: f.severity as FindingSeverity,
    attention: (['action', 'warning', 'info'].includes(f.attention) ? f.attention : 'action') as Finding['attention'],
    message: f.reason,
    advice: '',
    action: '',
    excess_scopes: [],
    acknowledged: null,
  };
}

/** "Team data as of 7 Dec 2026, 07:12 (3 min ago)", or that nothing was pulled yet. */
export function asOfText(asOf: string | null, now: number): string {
  if (!asOf) return 'No team data yet: the first sync has not finished.';
  return `Team data as of ${formatDateTime(asOf)} (${formatRelative(asOf, now)})`;
}

/** Whether the member is behind: changes are queued or the last sync failed. */
export function outOfSync(status: TeamStatusDto | null): boolean {
  return !!status && (status.queued > 0 || status.last_error !== null);
}

/** The queue line shown while not in sync. */
export function queueText(status: TeamStatusDto): string {
  if (status.queued === 0) return 'Nothing waiting to be published.';
  return `${plural(status.queued, 'change')} waiting to be published.`;
}

/** Team errors in the window's words, chosen by code (the backend's message only as detail). */
export function teamErrorText(code: string, message: string): string {
  return errorMessage(toAppError({ code, message }));
}

/** Sharing as the settings form holds it: every known environment ticked means "all" (`null`). */
export function sharingFrom(ticked: readonly string[], known: readonly string[], hints: boolean): SharingDto {
  const all = known.every((e) => ticked.includes(e));
  return { environments: all ? null : known.filter((e) => ticked.includes(e)), hints };
}

/** The environments the form ticks for a sharing (`null` = all of them). */
export function tickedFrom(sharing: SharingDto, known: readonly string[]): string[] {
  return sharing.environments === null ? [...known] : known.filter((e) => sharing.environments?.includes(e));
}

/** Performance marks (since navigation start) of the first painted inventory list and Team view. */
export const LIST_PAINTED_MARK = 'keyward:list-painted';
export const TEAM_PAINTED_MARK = 'keyward:team-painted';

const VIEW_KEY = 'keyward.view';

/** The view the window showed last in this session ("Mine" when unknown): a reload keeps it. */
export function loadView(): 'mine' | 'team' {
  try {
    return globalThis.sessionStorage?.getItem(VIEW_KEY) === 'team' ? 'team' : 'mine';
  } catch {
    return 'mine';
  }
}

export function saveView(view: 'mine' | 'team'): void {
  try {
    globalThis.sessionStorage?.setItem(VIEW_KEY, view);
  } catch {
    // No storage (a locked-down webview): the window starts on "Mine".
  }
}
