// The browser demo's findings, review and policy (never in a production build: only demo.ts
// imports this). A rough stand-in for the core's rules, enough to look at the window.

import { AppError } from './errors';
import type { AcknowledgementDto, EnvironmentPolicyDto, Finding, KeyDto, PolicyDto, PolicyPatch, ReviewDto, ReviewGroupDto, ReviewItemDto } from './types';

const DAY = 86_400_000;

const DEFAULT_AGE: Record<string, number> = { prod: 90, staging: 180, dev: 365 };

export function demoPolicy(): PolicyDto {
  const line = (environment: string): EnvironmentPolicyDto => ({ environment, max_age_days: DEFAULT_AGE[environment] ?? 365, unused_days: 30, expiring_days: 14 });
  return { default: line('*'), environments: ['prod', 'staging', 'dev'].map(line), notify_due: true };
}

export function applyPolicyPatch(policy: PolicyDto, patch: PolicyPatch): PolicyDto {
  return {
    default: patch.default ?? policy.default,
    environments: patch.environments ?? policy.environments,
    notify_due: patch.notify_due ?? policy.notify_due,
  };
}

function lineFor(policy: PolicyDto, env: string): EnvironmentPolicyDto {
  return policy.environments.find((p) => p.environment === env) ?? policy.default;
}

const finding = (code: string, severity: Finding['severity'], message: string, advice: string, excess: string[] = []): Finding => ({
  code,
  severity,
  attention: code === 'incomplete' ? 'info' : 'action',
  message,
  advice,
  action: '',
  excess_scopes: excess,
  acknowledged: null,
});

/** Due date of a key's rotation under the policy. */
function rotationDue(key: KeyDto, policy: PolicyDto): number {
  return Date.parse(key.last_rotated_at ?? key.created_at) + lineFor(policy, key.environment).max_age_days * DAY;
}

export function demoFindings(key: KeyDto, policy: PolicyDto, acks: ReadonlyMap<string, AcknowledgementDto>, now: number): Finding[] {
  if (key.status === 'revoked') return [];
  const line = lineFor(policy, key.environment);
  const out: Finding[] = [];
  const age = Math.floor((now - Date.parse(key.last_rotated_at ?? key.created_at)) / DAY);
  if (age >= line.max_age_days) out.push(finding('stale', key.environment === 'prod' ? 'high' : 'medium', `Not rotated for ${age} days; ${key.environment} allows ${line.max_age_days}.`, 'Rotate it.'));
  if (key.expires_at) {
    const left = Math.floor((Date.parse(key.expires_at) - now) / DAY);
    if (left < 0) out.push(finding('expired', 'critical', `Expired ${-left} days ago.`, 'Rotate it, or remove it if nothing uses it.'));
    else if (left <= line.expiring_days) out.push(finding('expiring', 'medium', `Expires in ${left} days.`, 'Rotate it before it expires.'));
  }
  if (key.verify_outcome === 'invalid' || key.status === 'invalid') out.push(finding('invalid', 'critical', 'The provider rejected this key (401).', 'Rotate it; if it is no longer needed, remove it.'));
  if (key.kind === 'account_token' && /email|send/i.test(key.purpose)) {
    out.push(finding('over_privileged', 'high', 'An account token can manage every server; sending email needs only a server token.', 'Narrow: create a server token, then retire this key.', ['account:*']));
  }
  if (!key.owner || !key.purpose) out.push(finding('incomplete', 'info', `No ${!key.owner ? 'owner' : 'purpose'} recorded.`, 'Edit the key and fill it in.'));
  for (const f of out) f.acknowledged = acks.get(`${key.id}\u0000${f.code}`) ?? null;
  return out;
}

export function acknowledge(acks: Map<string, AcknowledgementDto>, key: KeyDto, kind: string, reason: string, until: string | null): void {
  if (!reason.trim()) throw new AppError('invalid_input', 'reason: say why the finding is acceptable');
  const end = until ?? new Date(Date.now() + 90 * DAY).toISOString();
  acks.set(`${key.id}\u0000${kind}`, { reason: reason.trim(), until: end, at: new Date().toISOString(), actor: 'demo' });
}

export function demoReview(keys: readonly KeyDto[], policy: PolicyDto, now: number): ReviewDto {
  const groups = new Map<string, ReviewGroupDto>();
  const overdue: ReviewItemDto[] = [];
  const due_soon: ReviewItemDto[] = [];
  const counts: Record<string, number> = {};
  for (const key of keys) {
    const id = `${key.environment}\u0000${key.provider}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { environment: key.environment, provider: key.provider, total: 0, by_status: {}, overdue: 0, due_soon: 0 }));
    g.total++;
    g.by_status[key.status] = (g.by_status[key.status] ?? 0) + 1;
    if (key.status === 'revoked') continue;
    for (const f of key.findings) if (!f.acknowledged) counts[f.code] = (counts[f.code] ?? 0) + 1;
    const due = rotationDue(key, policy);
    const item = { key_id: key.id, name: key.name, environment: key.environment, provider: key.provider, owner: key.owner, due_at: new Date(due).toISOString(), days_left: Math.floor((due - now) / DAY), cause: 'rotation' };
    if (due <= now) {
      overdue.push(item);
      g.overdue++;
    } else if (due - now <= lineFor(policy, key.environment).expiring_days * DAY) {
      due_soon.push(item);
      g.due_soon++;
    }
  }
  const weeks = 12;
  const start = now - weeks * 7 * DAY;
  const rotations = Array.from({ length: weeks }, (_, i) => ({ period: new Date(start + i * 7 * DAY).toISOString().slice(0, 10), rotations: 0 }));
  for (const key of keys) {
    const t = key.last_rotated_at ? Date.parse(key.last_rotated_at) : Number.NaN;
    if (t >= start && t < now) rotations[Math.min(weeks - 1, Math.floor((t - start) / (7 * DAY)))].rotations++;
  }
  overdue.sort((a, b) => a.due_at.localeCompare(b.due_at));
  due_soon.sort((a, b) => a.due_at.localeCompare(b.due_at));
  const open = keys.flatMap((k) => k.findings.filter((f) => !f.acknowledged));
  const action_count = open.filter((f) => f.attention === 'action').length;
  return {
    generated_at: new Date(now).toISOString(),
    total: keys.length,
    groups: [...groups.values()],
    overdue,
    due_soon,
    rotations,
    finding_counts: counts,
    keychain_checked: false,
    action_count,
    quiet_count: open.length - action_count,
    provider_facts: [],
  };
}
