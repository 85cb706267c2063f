// The findings policy in Settings: per-environment thresholds (max age before rotation, unused
// for, expiry warning), the defaults for other environments, and the due-key notification.

import type { EnvironmentPolicyDto, PolicyDto, PolicyPatch } from './types';

export const POLICY_FIELDS = ['max_age_days', 'unused_days', 'expiring_days'] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];

export const POLICY_LABELS: Record<PolicyField, string> = {
  max_age_days: 'Rotate after',
  unused_days: 'Unused after',
  expiring_days: 'Warn before expiry',
};

export const POLICY_DAYS_MIN = 1;
export const POLICY_DAYS_MAX = 3650;

/** One row of the form: the numbers as typed. */
export interface PolicyRow {
  environment: string;
  max_age_days: string;
  unused_days: string;
  expiring_days: string;
}

export function rowOf(p: EnvironmentPolicyDto): PolicyRow {
  return {
    environment: p.environment,
    max_age_days: String(p.max_age_days),
    unused_days: String(p.unused_days),
    expiring_days: String(p.expiring_days),
  };
}

/**
 * The form's rows: the default first, then one per environment in `environments` order (an
 * environment without its own line starts from the default's numbers).
 */
export function policyRows(policy: PolicyDto, environments: readonly string[]): PolicyRow[] {
  const own = new Map(policy.environments.map((p) => [p.environment, p]));
  const names = [...environments, ...policy.environments.map((p) => p.environment).filter((e) => !environments.includes(e))];
  return [rowOf(policy.default), ...names.map((env) => rowOf(own.get(env) ?? { ...policy.default, environment: env }))];
}

/** Parses one number; an error sentence for anything but whole days in range. */
export function parseDays(text: string): { ok: true; value: number } | { ok: false; error: string } {
  const t = String(text ?? '').trim();
  if (!/^\d+$/.test(t)) return { ok: false, error: 'Whole days.' };
  const value = Number(t);
  if (value < POLICY_DAYS_MIN || value > POLICY_DAYS_MAX) return { ok: false, error: `${POLICY_DAYS_MIN}–${POLICY_DAYS_MAX} days.` };
  return { ok: true, value };
}

export type PolicyErrors = Record<string, string>;

/** Error key of a cell: `${row index}.${field}`. */
export const cellKey = (row: number, field: PolicyField) => `${row}.${field}`;

/**
 * Checks every cell; returns the rows as numbers, or the errors by cell. The first row is the
 * default (its `environment` is ignored).
 */
export function parsePolicyRows(rows: readonly PolicyRow[]): { ok: true; rows: EnvironmentPolicyDto[] } | { ok: false; errors: PolicyErrors } {
  const errors: PolicyErrors = {};
  const out: EnvironmentPolicyDto[] = [];
  rows.forEach((row, i) => {
    const parsed: EnvironmentPolicyDto = { environment: row.environment, max_age_days: 0, unused_days: 0, expiring_days: 0 };
    for (const field of POLICY_FIELDS) {
      const r = parseDays(row[field]);
      if (r.ok) parsed[field] = r.value;
      else errors[cellKey(i, field)] = r.error;
    }
    out.push(parsed);
  });
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, rows: out };
}

const same = (a: EnvironmentPolicyDto, b: EnvironmentPolicyDto) =>
  a.max_age_days === b.max_age_days && a.unused_days === b.unused_days && a.expiring_days === b.expiring_days;

/**
 * Only what changed; `null` when nothing did. Environment lines equal to the default are not
 * stored (they follow the default when it changes later), unless the policy had its own line.
 */
export function policyPatch(current: PolicyDto, rows: readonly EnvironmentPolicyDto[], notifyDue: boolean): PolicyPatch | null {
  const patch: PolicyPatch = {};
  const [first, ...envRows] = rows;
  const dflt = { ...first, environment: current.default.environment };
  if (!same(dflt, current.default)) patch.default = dflt;
  const had = new Set(current.environments.map((p) => p.environment));
  const environments = envRows.filter((r) => had.has(r.environment) || !same(r, dflt));
  const before = new Map(current.environments.map((p) => [p.environment, p]));
  const changed =
    environments.length !== current.environments.length || environments.some((r) => !before.has(r.environment) || !same(r, before.get(r.environment)!));
  if (changed) patch.environments = environments;
  if (notifyDue !== current.notify_due) patch.notify_due = notifyDue;
  return Object.keys(patch).length ? patch : null;
}
