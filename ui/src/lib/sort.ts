// The list's order within each group: by name (the index's order), or by the date each key
// next falls due (rotation or expiry, whichever is first), as the core's review computes it
// (crates/keyward/src/findings/review.rs: `rotation_due_at`, then the earlier expiry).

import { compareText } from './inventory';
import type { KeyRowDto, PolicyDto } from './types';

export type ListSort = 'name' | 'due';

export const SORT_LABELS: Record<ListSort, string> = {
  name: 'Name',
  due: 'Next rotation due',
};

const DAY_MS = 86_400_000;

function time(at: string | null | undefined): number | null {
  if (!at) return null;
  const t = Date.parse(at);
  return Number.isNaN(t) ? null : t;
}

/**
 * When `key` falls due (ms since the epoch): its last rotation (else creation) plus its
 * environment's max age, or its expiry if that comes first. `null` for revoked keys (never due).
 * Without a policy (not loaded yet), the max age counts as 0: within one environment that keeps
 * the same order.
 */
export function dueAt(key: KeyRowDto, policy: PolicyDto | null): number | null {
  if (key.status === 'revoked') return null;
  const base = time(key.last_rotated_at) ?? time(key.created_at);
  if (base === null) return null;
  const line = policy?.environments.find((e) => e.environment === key.environment) ?? policy?.default;
  const rotation = base + (line?.max_age_days ?? 0) * DAY_MS;
  const expires = time(key.expires_at);
  return expires !== null && expires < rotation ? expires : rotation;
}

/** `keys` in the chosen order (a new array for `due`; the same one for `name`, already sorted). */
export function sortKeys(keys: KeyRowDto[], sort: ListSort, policy: PolicyDto | null): KeyRowDto[] {
  if (sort === 'name') return keys;
  const due = new Map(keys.map((k) => [k.id, dueAt(k, policy)]));
  return [...keys].sort((a, b) => {
    const da = due.get(a.id) ?? null;
    const db = due.get(b.id) ?? null;
    if (da !== db) {
      if (da === null) return 1;
      if (db === null) return -1;
      return da - db;
    }
    return compareText(a.name, b.name);
  });
}
