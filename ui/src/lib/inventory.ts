// The inventory's view logic: search index, filters, grouping (environment → purpose), counts
// and the flattened list the virtual scroller renders. Pure functions over plain data.

import { matchesFinding } from './findings';
import type { KeyDto, KeyRowDto, KeyState } from './types';

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

export function compareText(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

// ---------------------------------------------------------------- list rows

/**
 * A full key as the list keeps it (issue 14): the row's fields only, findings as their codes.
 * The list holds rows so 10,000 keys cost a third of the memory; the detail fetches the key.
 */
export function toRow(key: KeyDto | KeyRowDto): KeyRowDto {
  return {
    id: key.id,
    provider: key.provider,
    kind: key.kind,
    name: key.name,
    environment: key.environment,
    purpose: key.purpose,
    owner: key.owner,
    tags: key.tags,
    created_at: key.created_at,
    last_rotated_at: key.last_rotated_at,
    last_verified_at: key.last_verified_at,
    expires_at: key.expires_at,
    status: key.status,
    masked_hint: key.masked_hint,
    verify_outcome: key.verify_outcome,
    verify_detail: key.verify_detail,
    role: key.role,
    findings: key.findings.map((f) => ({ code: f.code, severity: f.severity, attention: f.attention, action: f.action, acknowledged: Boolean(f.acknowledged) })),
    state: key.state,
  };
}

// ---------------------------------------------------------------- search index

export interface IndexedKey {
  key: KeyRowDto;
  /** Lower-case text that the search box matches against, computed once per key (lazily). */
  readonly haystack: string;
}

/** The searchable text of a key: name, purpose, owner, provider (id and name), kind, tags. */
export function searchText(key: KeyRowDto, providerName?: string): string {
  const parts = [key.name, key.purpose, key.owner ?? '', key.provider, providerName ?? '', key.kind, ...key.tags];
  return parts.join('\n').toLowerCase();
}

/**
 * An index entry whose search text is built on the first search, not before the first paint.
 * A class, so the getter lives once on its prototype (issue 14: a closure per entry cost a
 * function, its scope and an accessor for each of 10,000 keys).
 */
class LazyEntry implements IndexedKey {
  private text: string | undefined = undefined;
  constructor(
    readonly key: KeyRowDto,
    private readonly providerNames?: ReadonlyMap<string, string>,
  ) {}
  get haystack(): string {
    return (this.text ??= searchText(this.key, this.providerNames?.get(this.key.provider)));
  }
}

/**
 * Builds the search index, sorted by key name once here so that filtering and grouping keep
 * that order without sorting again on every keystroke.
 */
export function indexKeys(keys: readonly KeyRowDto[], providerNames?: ReadonlyMap<string, string>): IndexedKey[] {
  const index = keys.map((key) => new LazyEntry(key, providerNames));
  index.sort((a, b) => compareText(a.key.name, b.key.name) || compareText(a.key.id, b.key.id));
  return index;
}

// ---------------------------------------------------------------- filters

export interface Filters {
  text: string;
  environment: string | null;
  provider: string | null;
  /** A key's shown state (`KeyState`), not only its stored status. */
  status: KeyState | null;
  /** A finding kind, `any` or `acknowledged` (see findings.ts). */
  finding: string | null;
}

export const NO_FILTERS: Filters = { text: '', environment: null, provider: null, status: null, finding: null };

/** Lower-case, whitespace-separated search terms; every term must match. */
export function parseQuery(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

export function isFiltered(filters: Filters): boolean {
  return parseQuery(filters.text).length > 0 || filters.environment !== null || filters.provider !== null || filters.status !== null || filters.finding !== null;
}

export function filterKeys(index: readonly IndexedKey[], filters: Filters): KeyRowDto[] {
  const terms = parseQuery(filters.text);
  const { environment, provider, status, finding } = filters;
  const out: KeyRowDto[] = [];
  outer: for (const entry of index) {
    const k = entry.key;
    if (environment !== null && k.environment !== environment) continue;
    if (provider !== null && k.provider !== provider) continue;
    if (status !== null && (k.state ?? k.status) !== status) continue;
    if (finding !== null && !matchesFinding(k, finding)) continue;
    for (const term of terms) {
      if (!entry.haystack.includes(term)) continue outer;
    }
    out.push(k);
  }
  return out;
}

// ---------------------------------------------------------------- grouping

export interface PurposeGroup {
  purpose: string;
  keys: KeyRowDto[];
}

export interface EnvGroup {
  environment: string;
  /** Whether the environment is one of the configured ones (others are listed after them). */
  configured: boolean;
  count: number;
  purposes: PurposeGroup[];
}

/**
 * Environment names in display order: the configured ones in their configured order, then any
 * other names alphabetically.
 */
export function orderEnvironments(names: Iterable<string>, configured: readonly string[]): string[] {
  const present = new Set(names);
  const ordered = configured.filter((name) => present.has(name));
  const known = new Set(configured);
  const others = [...present].filter((name) => !known.has(name)).sort(compareText);
  return [...ordered, ...others];
}

/** Purposes alphabetically; the empty purpose ("no purpose") last. */
export function comparePurpose(a: string, b: string): number {
  if (a === '' || b === '') return a === b ? 0 : a === '' ? 1 : -1;
  return compareText(a, b);
}

/** Groups keys by environment, then purpose. Keys keep their incoming order within a group. */
export function groupKeys(keys: readonly KeyRowDto[], configured: readonly string[]): EnvGroup[] {
  const byEnv = new Map<string, Map<string, KeyRowDto[]>>();
  for (const key of keys) {
    let byPurpose = byEnv.get(key.environment);
    if (!byPurpose) byEnv.set(key.environment, (byPurpose = new Map()));
    const list = byPurpose.get(key.purpose);
    if (list) list.push(key);
    else byPurpose.set(key.purpose, [key]);
  }
  const known = new Set(configured);
  return orderEnvironments(byEnv.keys(), configured).map((environment) => {
    const byPurpose = byEnv.get(environment)!;
    const purposes = [...byPurpose.keys()].sort(comparePurpose).map((purpose) => ({ purpose, keys: byPurpose.get(purpose)! }));
    const count = purposes.reduce((n, g) => n + g.keys.length, 0);
    return { environment, configured: known.has(environment), count, purposes };
  });
}

/** Keys in the list's display order (environment, purpose, name): what `keys_page` pages. */
export function displayOrder(keys: readonly KeyRowDto[], configured: readonly string[]): KeyRowDto[] {
  const byName = indexKeys(keys).map((entry) => entry.key);
  return groupKeys(byName, configured).flatMap((g) => g.purposes.flatMap((p) => p.keys));
}

/** Number of keys in each environment (for filter menus). */
export function countBy<K extends 'environment' | 'provider' | 'status'>(keys: readonly KeyRowDto[], field: K): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key[field], (counts.get(key[field]) ?? 0) + 1);
  return counts;
}

// ---------------------------------------------------------------- flattened list

export type ListItem =
  | { type: 'env'; id: string; environment: string; count: number; collapsed: boolean }
  | { type: 'purpose'; id: string; environment: string; purpose: string; count: number; collapsed: boolean }
  | { type: 'key'; id: string; key: KeyRowDto };

export const envItemId = (environment: string) => `env:${environment}`;
export const purposeItemId = (environment: string, purpose: string) => `purpose:${environment}\u0000${purpose}`;
export const keyItemId = (id: string) => `key:${id}`;

/** Headers and rows in display order; collapsed groups contribute only their header. */
export function flatten(groups: readonly EnvGroup[], collapsed: ReadonlySet<string>): ListItem[] {
  const items: ListItem[] = [];
  for (const group of groups) {
    const envId = envItemId(group.environment);
    const envCollapsed = collapsed.has(envId);
    items.push({ type: 'env', id: envId, environment: group.environment, count: group.count, collapsed: envCollapsed });
    if (envCollapsed) continue;
    for (const pg of group.purposes) {
      const pid = purposeItemId(group.environment, pg.purpose);
      const pCollapsed = collapsed.has(pid);
      items.push({
        type: 'purpose',
        id: pid,
        environment: group.environment,
        purpose: pg.purpose,
        count: pg.keys.length,
        collapsed: pCollapsed,
      });
      if (pCollapsed) continue;
      for (const key of pg.keys) items.push({ type: 'key', id: keyItemId(key.id), key });
    }
  }
  return items;
}

/** Label for a purpose group. */
export function purposeLabel(purpose: string): string {
  return purpose === '' ? 'No purpose' : purpose;
}

/** Returns a new set with `id` toggled. */
export function toggled(set: ReadonlySet<string>, id: string, on?: boolean): Set<string> {
  const next = new Set(set);
  const want = on ?? !next.has(id);
  if (want) next.add(id);
  else next.delete(id);
  return next;
}
