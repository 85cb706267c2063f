// Logic of "Import from a connection": which remote keys are chosen, what the button says,
// what is sent, and the toast afterwards.

import { groupDigits, plural } from './format';
import type { RemoteKeyDto, SyncResultDto } from './types';

/** New keys start chosen; keys already in the inventory start unchosen (choosing one refreshes it). */
export function initialSelection(remote: readonly RemoteKeyDto[]): Set<string> {
  return new Set(remote.filter((r) => r.known_key_id === null).map((r) => r.remote_id));
}

export function toggleSelection(selected: ReadonlySet<string>, remoteId: string, on?: boolean): Set<string> {
  const next = new Set(selected);
  const want = on ?? !next.has(remoteId);
  if (want) next.add(remoteId);
  else next.delete(remoteId);
  return next;
}

export type AllState = 'all' | 'none' | 'some';

/** The "select all" checkbox: checked, unchecked or mixed. */
export function allState(remote: readonly RemoteKeyDto[], selected: ReadonlySet<string>): AllState {
  const n = remote.filter((r) => selected.has(r.remote_id)).length;
  if (n === 0) return 'none';
  return n === remote.length ? 'all' : 'some';
}

/** Clicking "select all": everything, unless everything is already chosen. */
export function toggleAll(remote: readonly RemoteKeyDto[], selected: ReadonlySet<string>): Set<string> {
  return allState(remote, selected) === 'all' ? new Set() : new Set(remote.map((r) => r.remote_id));
}

export interface SyncCounts {
  /** Chosen keys that are new: imported. */
  imported: number;
  /** Chosen keys already tracked: their metadata is refreshed. */
  refreshed: number;
}

export function syncCounts(remote: readonly RemoteKeyDto[], selected: ReadonlySet<string>): SyncCounts {
  let imported = 0;
  let refreshed = 0;
  for (const r of remote) {
    if (!selected.has(r.remote_id)) continue;
    if (r.known_key_id === null) imported++;
    else refreshed++;
  }
  return { imported, refreshed };
}

/** The `only` list of `sync_commit`: the chosen remote ids, in the provider's order. */
export function syncOnly(remote: readonly RemoteKeyDto[], selected: ReadonlySet<string>): string[] {
  return remote.filter((r) => selected.has(r.remote_id)).map((r) => r.remote_id);
}

/** "Import 3 keys", "Import 2 keys, refresh 1", "Refresh 1 key", "Import 0 keys". */
export function syncButtonLabel(counts: SyncCounts): string {
  if (counts.imported === 0 && counts.refreshed > 0) return `Refresh ${plural(counts.refreshed, 'key')}`;
  const label = `Import ${plural(counts.imported, 'key')}`;
  return counts.refreshed > 0 ? `${label}, refresh ${groupDigits(counts.refreshed)}` : label;
}

/** The toast after a commit: "Imported 3 keys from postmark-prod into prod; refreshed 1." */
export function syncResultMessage(result: SyncResultDto, connection: string, environment: string): string {
  const imported = result.imported.length;
  const refreshed = result.refreshed.length;
  if (imported === 0 && refreshed === 0) return `Nothing imported from ${connection}.`;
  if (imported === 0) return `Refreshed ${plural(refreshed, 'tracked key')} from ${connection}.`;
  const text = `Imported ${plural(imported, 'key')} from ${connection} into ${environment}`;
  return refreshed > 0 ? `${text}; refreshed ${plural(refreshed, 'tracked key')}.` : `${text}.`;
}

const ENVIRONMENT_WORDS: readonly (readonly [string, readonly string[]])[] = [
  ['staging', ['staging', 'stage', 'stg']],
  ['dev', ['dev', 'development', 'test', 'testing']],
  ['prod', ['prod', 'production', 'live']],
];

/** The demo's copy of the core's `propose_environment` (the desktop app asks Rust): the
 *  environment a remote key's name points to, spelled as the inventory has it; `null`: none. */
export function proposeEnvironment(name: string, known: readonly string[]): string | null {
  const words = name.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const hit = ENVIRONMENT_WORDS.find(([, aliases]) => words.some((w) => aliases.includes(w)));
  if (!hit) return null;
  const [canonical, aliases] = hit;
  for (const alias of aliases) {
    const existing = known.find((k) => k.toLowerCase() === alias);
    if (existing) return existing;
  }
  return canonical;
}

/** The `environments` argument of `sync_commit`: each chosen new row's environment. */
export function syncEnvironments(remote: readonly RemoteKeyDto[], selected: ReadonlySet<string>, chosen: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of remote) {
    if (!selected.has(r.remote_id) || r.known_key_id !== null) continue;
    out[r.remote_id] = chosen.get(r.remote_id) ?? r.environment;
  }
  return out;
}
