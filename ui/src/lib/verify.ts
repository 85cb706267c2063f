// Verification: the "Verify all" run as a reducer over the progress messages, its summary,
// and how a key's last verification is shown.

import { errorMessage } from './errors';
import { formatRelative, groupDigits, plural } from './format';
import type { KeyDto, KeyVerifyOutcome, VerifyOutcome, VerifyProgressDto, VerifyResultDto } from './types';

export const OUTCOME_LABELS: Record<VerifyOutcome, string> = {
  valid: 'valid',
  invalid: 'invalid',
  expired: 'expired',
  disabled: 'disabled',
  error: 'error',
  skipped: 'skipped',
};

/** Pill tone per outcome (classes of app.css). */
export const OUTCOME_TONES: Record<VerifyOutcome, string> = {
  valid: 'ok',
  invalid: 'bad',
  expired: 'bad',
  disabled: 'warn',
  error: 'warn',
  skipped: '',
};

/** Problems first in the result list. */
const RANK: Record<VerifyOutcome, number> = { invalid: 0, expired: 1, disabled: 2, error: 3, skipped: 4, valid: 5 };

export interface VerifySummary {
  total: number;
  valid: number;
  invalid: number;
  expired: number;
  disabled: number;
  skipped: number;
  /** Calls without a definite answer (nothing changed for those keys). */
  errors: number;
}

export function summarize(results: readonly VerifyResultDto[]): VerifySummary {
  const s: VerifySummary = { total: results.length, valid: 0, invalid: 0, expired: 0, disabled: 0, skipped: 0, errors: 0 };
  for (const r of results) {
    switch (r.outcome) {
      case 'valid':
      case 'invalid':
      case 'expired':
      case 'disabled':
      case 'skipped':
        s[r.outcome]++;
        break;
      default:
        // 'error', and anything a newer backend may add, counts as "no definite answer".
        s.errors++;
    }
  }
  return s;
}

/** "12 valid, 2 invalid, 1 skipped" (only the non-zero counts; "nothing verified" for none). */
export function summaryText(s: VerifySummary): string {
  const parts: string[] = [];
  if (s.valid) parts.push(`${groupDigits(s.valid)} valid`);
  if (s.invalid) parts.push(`${groupDigits(s.invalid)} invalid`);
  if (s.expired) parts.push(`${groupDigits(s.expired)} expired`);
  if (s.disabled) parts.push(`${groupDigits(s.disabled)} disabled`);
  if (s.skipped) parts.push(`${groupDigits(s.skipped)} skipped`);
  if (s.errors) parts.push(plural(s.errors, 'error'));
  return parts.length ? parts.join(', ') : 'nothing verified';
}

/** Results with problems first (invalid, expired, disabled, error, skipped, valid), else in arrival order. */
export function orderedResults(results: readonly VerifyResultDto[]): VerifyResultDto[] {
  return results
    .map((r, i) => [r, i] as const)
    .sort(([a, i], [b, j]) => (RANK[a.outcome] ?? 3) - (RANK[b.outcome] ?? 3) || i - j)
    .map(([r]) => r);
}

export type VerifyPhase = 'running' | 'done' | 'failed';

export interface VerifyRun {
  phase: VerifyPhase;
  done: number;
  /** Keys to verify: an estimate until the first message says. */
  total: number;
  /** One per key, in arrival order. */
  results: VerifyResultDto[];
  /** Why the run as a whole failed (plain words). */
  error: string | null;
}

export type VerifyEvent =
  | { type: 'start'; expected: number }
  | { type: 'progress'; progress: VerifyProgressDto }
  | { type: 'finish'; results: VerifyResultDto[] }
  | { type: 'fail'; message: string };

/** Where each key's result sits in a run's list (kept beside the list, not in the state). */
const positions = new WeakMap<VerifyResultDto[], Map<string, number>>();

/**
 * Appends a result, or replaces the key's earlier one. The list grows in place: a run of
 * 10,000 keys stays linear (earlier run objects are never read again once replaced).
 */
function withResult(results: VerifyResultDto[], result: VerifyResultDto): VerifyResultDto[] {
  let index = positions.get(results);
  if (!index) {
    index = new Map(results.map((r, i) => [r.id, i]));
    positions.set(results, index);
  }
  const at = index.get(result.id);
  if (at === undefined) {
    index.set(result.id, results.length);
    results.push(result);
  } else {
    results[at] = result;
  }
  return results;
}

/**
 * The run's state after an event (a new object each time). Progress messages may repeat a key
 * (the last answer wins); `done` never goes backwards; the final answer of the command
 * replaces the streamed list.
 */
export function reduceVerify(run: VerifyRun | null, event: VerifyEvent): VerifyRun {
  switch (event.type) {
    case 'start':
      return { phase: 'running', done: 0, total: Math.max(0, event.expected), results: [], error: null };
    case 'progress': {
      const base = run ?? reduceVerify(null, { type: 'start', expected: 0 });
      if (base.phase !== 'running') return base;
      const { done, total, result } = event.progress;
      const results = withResult(base.results, result);
      const seen = Math.max(base.done, done, results.length);
      return { ...base, done: seen, total: Math.max(total, seen), results };
    }
    case 'finish':
      return { phase: 'done', done: event.results.length, total: event.results.length, results: [...event.results], error: null };
    case 'fail': {
      const base = run ?? reduceVerify(null, { type: 'start', expected: 0 });
      return { ...base, phase: 'failed', error: event.message };
    }
  }
}

/** 0–100 for the bar; an empty run is complete once done. */
export function percent(run: VerifyRun): number {
  if (run.total === 0) return run.phase === 'running' ? 0 : 100;
  return Math.min(100, Math.round((run.done / run.total) * 100));
}

/** The outcome a key row flags: a definite answer other than valid. */
export function verifyBadge(key: Pick<KeyDto, 'verify_outcome'>): Exclude<KeyVerifyOutcome, 'valid'> | null {
  const o = key.verify_outcome;
  return o === 'invalid' || o === 'expired' || o === 'disabled' ? o : null;
}

/**
 * A result's reason for the person at the window: for `error` / `skipped`, the plain words of
 * its code (with the backend's detail where that helps); otherwise the provider's sentence.
 */
export function resultReason(r: Pick<VerifyResultDto, 'outcome' | 'code' | 'detail'>): string {
  if ((r.outcome === 'error' || r.outcome === 'skipped') && r.code) return errorMessage({ code: r.code, message: r.detail });
  return r.detail;
}

/** "Verified 3 h ago" / "Never verified" (the outcome is shown beside it as a pill). */
export function verifiedText(key: Pick<KeyDto, 'last_verified_at'>, now: number): string {
  return key.last_verified_at ? `Verified ${formatRelative(key.last_verified_at, now)}` : 'Never verified';
}

/** How many keys "Verify all" will ask about: every key that is not revoked. */
export function verifiableCount(keys: readonly Pick<KeyDto, 'status'>[]): number {
  return keys.filter((k) => k.status !== 'revoked').length;
}
