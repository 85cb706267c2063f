// Findings in the window: labels, tones, the one-click fix each kind offers, the filter by
// finding (with counts) and acknowledgements. The core decides what is a finding; this module
// only presents what the backend sent. Pure functions over plain data.

import { FINDING_KINDS, type AnyFinding, type Finding, type FindingFix, type FindingSeverity, type KeyDto } from './types';

export type { AnyFinding };

export const FINDING_LABELS: Record<string, string> = {
  stale: 'Stale',
  unused: 'Unused',
  expiring: 'Expiring',
  expired: 'Expired',
  invalid: 'Invalid',
  over_privileged: 'Over-privileged',
  client_exposed: 'Client-exposed',
  reused: 'Reused',
  orphaned: 'Orphaned',
  incomplete: 'Incomplete',
};

/**
 * What each kind means, in one line: a list row's badge says this (issue 14: the row carries
 * the finding's kind, the key's own facts come with the full key in its detail).
 */
export const FINDING_SUMMARIES: Record<string, string> = {
  stale: 'Not rotated within its environment’s maximum age.',
  unused: 'The provider reports no use for a long time.',
  expiring: 'Expires soon.',
  expired: 'Past its expiry date.',
  invalid: 'The provider refuses or has disabled it.',
  over_privileged: 'Grants more than its purpose needs.',
  client_exposed: 'A secret key used where clients can read it.',
  reused: 'The same value is stored under another key.',
  orphaned: 'The keychain and the inventory disagree about its value.',
  incomplete: 'No owner or no purpose.',
};

/**
 * A badge's tooltip: the finding's own facts and advice when it carries them (the detail, the
 * Team view), else what its kind means (a list row).
 */
export function findingTitle(f: AnyFinding): string {
  if ('message' in f) {
    if (f.acknowledged) return `${f.message}\nAcknowledged: ${f.acknowledged.reason}`;
    return f.advice ? `${f.message}\n${f.advice}` : f.message;
  }
  const summary = FINDING_SUMMARIES[f.code] ?? findingLabel(f.code);
  return f.acknowledged ? `${summary}\nAcknowledged.` : `${summary}\nOpen the key for details.`;
}

/** A kind's label; an unknown kind (a newer core) shows its code with spaces. */
export function findingLabel(code: string): string {
  return FINDING_LABELS[code] ?? code.replace(/_/g, ' ');
}

/** CSS tone of a severity: the pill classes of app.css. */
export function severityTone(severity: FindingSeverity | string): 'bad' | 'warn' | 'info' {
  return severity === 'critical' || severity === 'high' ? 'bad' : severity === 'medium' || severity === 'low' ? 'warn' : 'info';
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Open findings first, those that need action before quiet ones, then by severity (critical first); stable otherwise. */
export function sortFindings<F extends AnyFinding>(findings: readonly F[]): F[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        Number(isAcknowledged(a.f)) - Number(isAcknowledged(b.f)) ||
        Number(!needsAction(a.f)) - Number(!needsAction(b.f)) ||
        (SEVERITY_RANK[a.f.severity] ?? 5) - (SEVERITY_RANK[b.f.severity] ?? 5) ||
        a.i - b.i,
    )
    .map(({ f }) => f);
}

/** Whether a finding needs action (a badge in the list); a core without attention: every one. */
export function needsAction(finding: Pick<Finding, 'attention'>): boolean {
  return (finding.attention ?? 'action') === 'action';
}

export const ATTENTION_LABELS: Record<string, string> = {
  action: 'needs action',
  warning: 'worth a look',
  info: 'note',
};

/** A row says `true`/`false`; a full finding carries the acknowledgement or `null`. */
export function isAcknowledged(finding: Pick<AnyFinding, 'acknowledged'>): boolean {
  return Boolean(finding.acknowledged);
}

/** Findings that still need attention (not acknowledged). */
export function openFindings(key: Pick<KeyDto, 'findings'>): Finding[] {
  return key.findings.filter((f) => !isAcknowledged(f));
}

const FIXES: readonly string[] = ['rotate', 'narrow', 'revoke', 'edit', 'verify'];

/**
 * The one-click fix a finding offers: the core's `action` when the window has a button for
 * it; otherwise by kind — a key that is old, leaked or broken is rotated, one holding too much
 * is narrowed (a least-privilege replacement, then the old one retired), one nobody uses is
 * revoked, and missing metadata is edited. "Remove" (orphans) has no one-click button: the
 * detail panel's Remove is one click away and asks first.
 */
export function findingFix(finding: Pick<Finding, 'code'> & Partial<Pick<Finding, 'action'>>): FindingFix | null {
  if (finding.action === 'remove') return null;
  if (finding.action && FIXES.includes(finding.action)) return finding.action as FindingFix;
  switch (finding.code) {
    case 'stale':
    case 'expiring':
    case 'expired':
    case 'invalid':
    case 'reused':
      return 'rotate';
    case 'over_privileged':
    case 'client_exposed':
      return 'narrow';
    case 'unused':
      return 'revoke';
    case 'incomplete':
      return 'edit';
    default:
      return null;
  }
}

export const FIX_LABELS: Record<FindingFix, string> = {
  rotate: 'Rotate',
  narrow: 'Narrow',
  revoke: 'Revoke',
  edit: 'Edit',
  verify: 'Verify',
};

export const FIX_TITLES: Record<FindingFix, string> = {
  rotate: 'Replace this key’s value with a fresh one',
  narrow: 'Create a least-privilege replacement, then retire this key',
  revoke: 'Revoke this key with its provider',
  edit: 'Fill in the missing details',
  verify: 'Ask the provider again whether this key works',
};

/**
 * Whether a fix can run now: rotating, narrowing and revoking need a working keychain and a
 * key that is not already revoked; editing always can.
 */
export function fixBlocked(fix: FindingFix, key: Pick<KeyDto, 'status'>, keychainOk: boolean): string {
  if (fix === 'edit') return '';
  if (fix === 'verify') return keychainOk ? '' : 'Unavailable until the system keychain works again.';
  if (key.status === 'revoked') return 'This key is revoked already.';
  if (!keychainOk) return 'Unavailable until the system keychain works again.';
  return '';
}

// ---------------------------------------------------------------- filter by finding

/** A kind, `any` (any open finding), or `acknowledged` (any acknowledged finding). */
export type FindingFilter = string;

export const ANY_FINDING = 'any';
export const ACKNOWLEDGED = 'acknowledged';

export function matchesFinding(key: { findings: readonly AnyFinding[] }, filter: FindingFilter): boolean {
  if (filter === ANY_FINDING) return key.findings.some((f) => !isAcknowledged(f));
  if (filter === ACKNOWLEDGED) return key.findings.some(isAcknowledged);
  return key.findings.some((f) => f.code === filter && !isAcknowledged(f));
}

export interface FindingFilterOption {
  value: FindingFilter;
  label: string;
  count: number;
}

/**
 * The finding filter's options with the number of keys each would show: "Any finding", each
 * kind present (in severity order of `FINDING_KINDS`, unknown kinds after), "Acknowledged".
 * Kinds no key has are left out, so the menu only offers what narrows the list.
 */
export function findingFilterOptions(keys: readonly { findings: readonly AnyFinding[] }[]): FindingFilterOption[] {
  const perKind = new Map<string, number>();
  let any = 0;
  let acknowledged = 0;
  for (const key of keys) {
    const kinds = new Set<string>();
    let open = false;
    let acked = false;
    for (const f of key.findings) {
      if (isAcknowledged(f)) acked = true;
      else {
        open = true;
        kinds.add(f.code);
      }
    }
    for (const kind of kinds) perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
    if (open) any++;
    if (acked) acknowledged++;
  }
  const known = FINDING_KINDS.filter((k) => perKind.has(k));
  const unknown = [...perKind.keys()].filter((k) => !(FINDING_KINDS as readonly string[]).includes(k)).sort();
  const options: FindingFilterOption[] = [{ value: ANY_FINDING, label: 'Any finding', count: any }];
  for (const kind of [...known, ...unknown]) options.push({ value: kind, label: findingLabel(kind), count: perKind.get(kind) ?? 0 });
  if (acknowledged > 0) options.push({ value: ACKNOWLEDGED, label: 'Acknowledged', count: acknowledged });
  return options;
}

// ---------------------------------------------------------------- acknowledging

export const ACK_REASON_MAX = 1000;
/** The core refuses acknowledgements longer than this (findings come back at least yearly). */
export const ACK_MAX_DAYS = 366;
/** What the core uses when no date is given. */
export const ACK_DEFAULT_DAYS = 90;

export interface AckForm {
  reason: string;
  /** YYYY-MM-DD from a date input, or '' for no expiry. */
  until: string;
}

export type AckCheck = { ok: true; reason: string; until: string | null } | { ok: false; field: 'reason' | 'until'; error: string };

/** Today's date plus `days`, as YYYY-MM-DD in local time (the date input's format). */
export function dateInDays(now: number, days: number): string {
  const d = new Date(now);
  d.setDate(d.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * Checks an acknowledgement: a reason is required (it goes to the audit log); the expiry, if
 * given, must not have passed and be at most a year ahead (empty: the core's 90 days). The
 * expiry is the end of that local day, in UTC.
 */
export function checkAck(form: AckForm, now: number): AckCheck {
  const reason = form.reason.trim();
  if (!reason) return { ok: false, field: 'reason', error: 'Say why this finding is acceptable for now.' };
  if (reason.length > ACK_REASON_MAX) return { ok: false, field: 'reason', error: `Use at most ${ACK_REASON_MAX} characters.` };
  const date = form.until.trim();
  if (!date) return { ok: true, reason, until: null };
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return { ok: false, field: 'until', error: 'Pick a date.' };
  const end = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59);
  if (Number.isNaN(end.getTime()) || end.getMonth() !== Number(m[2]) - 1) return { ok: false, field: 'until', error: 'Pick a real date.' };
  if (end.getTime() <= now) return { ok: false, field: 'until', error: 'That date has passed.' };
  if (end.getTime() > now + ACK_MAX_DAYS * 86_400_000) return { ok: false, field: 'until', error: 'At most a year ahead: findings come back for a fresh look.' };
  return { ok: true, reason, until: end.toISOString() };
}
