import { describe, expect, it } from 'vitest';
import {
  ACKNOWLEDGED,
  ANY_FINDING,
  checkAck,
  dateInDays,
  findingFilterOptions,
  findingFix,
  findingLabel,
  fixBlocked,
  matchesFinding,
  severityTone,
  sortFindings,
} from '../src/lib/findings';
import { checkKeyDates, dayToRfc3339 } from '../src/lib/forms';
import { filterKeys, indexKeys, NO_FILTERS } from '../src/lib/inventory';
import { parseDays, parsePolicyRows, policyPatch, policyRows } from '../src/lib/policy';
import { dueText, exportFileName, reviewByEnvironment, reviewSummary, trendChart } from '../src/lib/review';
import type { Finding, PolicyDto, ReviewGroupDto } from '../src/lib/types';
import { makeKey } from './fixtures';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const DAY = 86_400_000;

export function finding(code: string, over: Partial<Finding> = {}): Finding {
  return { code, severity: 'medium', attention: 'action', message: `${code} because`, advice: `fix ${code}`, action: '', excess_scopes: [], acknowledged: null, ...over };
}
const ACK = { reason: 'frozen', until: '2026-12-01T00:00:00Z', at: '2026-11-01T00:00:00Z', actor: 'ana' };

describe('finding presentation', () => {
  it('labels known kinds and spells out unknown ones', () => {
    expect(findingLabel('over_privileged')).toBe('Over-privileged');
    expect(findingLabel('some_new_kind')).toBe('some new kind');
  });

  it('maps severities to tones', () => {
    expect([severityTone('critical'), severityTone('medium'), severityTone('info'), severityTone('odd')]).toEqual(['bad', 'warn', 'info', 'info']);
  });

  it('sorts open findings before acknowledged ones, then by severity, else stable', () => {
    const list = [
      finding('unused', { severity: 'info' }),
      finding('expired', { severity: 'critical', acknowledged: ACK }),
      finding('stale', { severity: 'medium' }),
      finding('invalid', { severity: 'critical' }),
      finding('reused', { severity: 'medium' }),
    ];
    expect(sortFindings(list).map((f) => f.code)).toEqual(['invalid', 'stale', 'reused', 'unused', 'expired']);
  });

  it.each([
    ['stale', 'rotate'],
    ['expiring', 'rotate'],
    ['expired', 'rotate'],
    ['invalid', 'rotate'],
    ['reused', 'rotate'],
    ['over_privileged', 'narrow'],
    ['client_exposed', 'narrow'],
    ['unused', 'revoke'],
    ['incomplete', 'edit'],
    ['orphaned', null],
    ['future_kind', null],
  ])('%s offers %s', (code, fix) => {
    expect(findingFix({ code })).toBe(fix);
  });

  it('blocks key-changing fixes on revoked keys and without a keychain, never edit', () => {
    expect(fixBlocked('rotate', { status: 'active' }, true)).toBe('');
    expect(fixBlocked('rotate', { status: 'revoked' }, true)).toMatch(/revoked/);
    expect(fixBlocked('narrow', { status: 'active' }, false)).toMatch(/keychain/);
    expect(fixBlocked('edit', { status: 'revoked' }, false)).toBe('');
  });
});

describe('filter by finding', () => {
  const stale = makeKey({ name: 'a', findings: [finding('stale'), finding('incomplete', { severity: 'info' })] });
  const acked = makeKey({ name: 'b', findings: [finding('stale', { acknowledged: ACK })] });
  const clean = makeKey({ name: 'c' });
  const odd = makeKey({ name: 'd', tags: ['oddtag'], findings: [finding('zzz_new')] });
  const keys = [stale, acked, clean, odd];

  it('matches open findings of a kind, any open finding, or acknowledged ones', () => {
    expect(matchesFinding(stale, 'stale')).toBe(true);
    expect(matchesFinding(acked, 'stale')).toBe(false);
    expect(matchesFinding(acked, ANY_FINDING)).toBe(false);
    expect(matchesFinding(acked, ACKNOWLEDGED)).toBe(true);
    expect(matchesFinding(clean, ANY_FINDING)).toBe(false);
  });

  it('offers only kinds present, with key counts, in severity order, unknown kinds after', () => {
    expect(findingFilterOptions(keys)).toEqual([
      { value: 'any', label: 'Any finding', count: 2 },
      { value: 'stale', label: 'Stale', count: 1 },
      { value: 'incomplete', label: 'Incomplete', count: 1 },
      { value: 'zzz_new', label: 'zzz new', count: 1 },
      { value: 'acknowledged', label: 'Acknowledged', count: 1 },
    ]);
    expect(findingFilterOptions([clean])).toEqual([{ value: 'any', label: 'Any finding', count: 0 }]);
  });

  it('counts a key once per kind even with two findings of it', () => {
    const twice = makeKey({ findings: [finding('reused'), finding('reused')] });
    expect(findingFilterOptions([twice]).find((o) => o.value === 'reused')?.count).toBe(1);
  });

  it('narrows the inventory list together with the other filters', () => {
    const index = indexKeys(keys);
    expect(filterKeys(index, { ...NO_FILTERS, finding: 'stale' }).map((k) => k.name)).toEqual(['a']);
    expect(filterKeys(index, { ...NO_FILTERS, finding: ACKNOWLEDGED }).map((k) => k.name)).toEqual(['b']);
    expect(filterKeys(index, { ...NO_FILTERS, finding: ANY_FINDING, text: 'oddtag' }).map((k) => k.name)).toEqual(['d']);
  });
});

describe('acknowledging', () => {
  it('needs a reason', () => {
    expect(checkAck({ reason: '  ', until: '' }, NOW)).toMatchObject({ ok: false, field: 'reason' });
    expect(checkAck({ reason: 'x'.repeat(1001), until: '' }, NOW)).toMatchObject({ ok: false, field: 'reason' });
  });

  it('accepts no date (the core default), today, or a later date (end of that local day)', () => {
    expect(checkAck({ reason: ' frozen ', until: '' }, NOW)).toEqual({ ok: true, reason: 'frozen', until: null });
    const today = dateInDays(NOW, 0);
    const r = checkAck({ reason: 'r', until: today }, NOW);
    expect(r.ok).toBe(true);
    if (r.ok) expect(Date.parse(r.until!)).toBeGreaterThan(NOW);
    const later = checkAck({ reason: 'r', until: dateInDays(NOW, 30) }, NOW);
    expect(later.ok && Date.parse(later.until!) - NOW).toBeGreaterThan(29 * DAY);
  });

  it('refuses past and impossible dates', () => {
    expect(checkAck({ reason: 'r', until: dateInDays(NOW, -1) }, NOW)).toMatchObject({ ok: false, field: 'until', error: 'That date has passed.' });
    expect(checkAck({ reason: 'r', until: '2027-02-30' }, NOW)).toMatchObject({ ok: false, field: 'until' });
    expect(checkAck({ reason: 'r', until: 'soon' }, NOW)).toMatchObject({ ok: false, field: 'until' });
    expect(checkAck({ reason: 'r', until: dateInDays(NOW, 365) }, NOW).ok).toBe(true);
    expect(checkAck({ reason: 'r', until: dateInDays(NOW, 367) }, NOW)).toMatchObject({ ok: false, field: 'until' });
  });
});

describe('key dates in the add form', () => {
  it('accepts empty, past, and rotation after creation', () => {
    expect(checkKeyDates('', '', NOW)).toEqual({});
    expect(checkKeyDates('2024-01-01', '2025-06-30', NOW)).toEqual({});
    expect(dayToRfc3339('2024-01-01')).toBe('2024-01-01T00:00:00Z');
    expect(dayToRfc3339(' ')).toBeNull();
  });

  it('refuses future dates, impossible dates and rotation before creation', () => {
    expect(checkKeyDates('2027-01-01', '', NOW)).toHaveProperty('created');
    expect(checkKeyDates('', '2027-01-01', NOW)).toHaveProperty('rotated');
    expect(checkKeyDates('2024-02-30', '', NOW)).toHaveProperty('created');
    expect(checkKeyDates('2025-01-02', '2025-01-01', NOW)).toEqual({ rotated: 'The last rotation cannot be before the key was created.' });
  });
});

describe('review', () => {
  it('says how late or how soon', () => {
    expect(dueText(new Date(NOW - 12 * DAY - 5).toISOString(), NOW)).toBe('overdue 12 d');
    expect(dueText(new Date(NOW - 60_000).toISOString(), NOW)).toBe('overdue 1 d');
    expect(dueText(new Date(NOW + 3 * 3600_000).toISOString(), NOW)).toBe('due today');
    expect(dueText(new Date(NOW + 3 * DAY + 5).toISOString(), NOW)).toBe('due in 3 d');
    expect(dueText('garbage', NOW)).toBe('—');
  });

  it('names export files by date and format', () => {
    expect(exportFileName('md', NOW)).toBe('keyward-review-2026-11-23.md');
    expect(exportFileName('html', NOW)).toBe('keyward-review-2026-11-23.html');
  });

  it('groups rows by environment in configured order, others after, providers A–Z', () => {
    const g = (environment: string, provider: string, total: number, overdue = 0): ReviewGroupDto => ({ environment, provider, total, by_status: { active: total }, overdue, due_soon: 0 });
    const envs = reviewByEnvironment([g('qa', 'x', 1), g('prod', 'sendgrid', 2, 1), g('dev', 'a', 1), g('prod', 'cloudflare', 3, 2)], ['prod', 'dev']);
    expect(envs.map((e) => e.environment)).toEqual(['prod', 'dev', 'qa']);
    expect(envs[0]).toMatchObject({ total: 5, overdue: 3 });
    expect(envs[0].providers.map((p) => p.provider)).toEqual(['cloudflare', 'sendgrid']);
  });

  it('scales trend bars to the tallest week and keeps empty weeks as gaps', () => {
    const chart = trendChart([
      { period: '2026-10-05', rotations: 2 },
      { period: '2026-10-12', rotations: 0 },
      { period: '2026-10-19', rotations: 4 },
    ], 300, 60, 0);
    expect(chart.max).toBe(4);
    expect(chart.total).toBe(6);
    expect(chart.bars.map((b) => b.x)).toEqual([0, 100, 200]);
    expect(chart.bars[1].height).toBe(0);
    expect(chart.bars[2].y).toBeCloseTo(1);
    expect(chart.bars[0].height).toBeCloseTo(29.5);
    expect(trendChart([]).bars).toEqual([]);
    expect(trendChart([{ period: 'p', rotations: 0 }]).bars[0].height).toBe(0);
  });

  it('summarizes', () => {
    expect(reviewSummary({ total: 1, overdue: [], due_soon: [] })).toBe('1 key · 0 overdue · 0 due soon');
  });
});

describe('policy form', () => {
  const policy: PolicyDto = {
    default: { environment: '*', max_age_days: 365, unused_days: 30, expiring_days: 14 },
    environments: [{ environment: 'prod', max_age_days: 90, unused_days: 30, expiring_days: 14 }],
    notify_due: true,
  };

  it('lists the default, then each environment (own line or the default numbers)', () => {
    const rows = policyRows(policy, ['prod', 'dev']);
    expect(rows.map((r) => [r.environment, r.max_age_days])).toEqual([['*', '365'], ['prod', '90'], ['dev', '365']]);
  });

  it('parses whole days in range', () => {
    expect(parseDays('90')).toEqual({ ok: true, value: 90 });
    for (const bad of ['', '0', '3651', '1.5', '-3', 'ten']) expect(parseDays(bad).ok).toBe(false);
    const parsed = parsePolicyRows([{ environment: '*', max_age_days: '0', unused_days: '30', expiring_days: 'x' }]);
    expect(parsed).toEqual({ ok: false, errors: { '0.max_age_days': '1–3650 days.', '0.expiring_days': 'Whole days.' } });
  });

  it('patches only what changed, and does not store lines equal to the default', () => {
    const rows = (dev: number, prod = 90, dflt = 365) => {
      const parsed = parsePolicyRows([
        { environment: '*', max_age_days: String(dflt), unused_days: '30', expiring_days: '14' },
        { environment: 'prod', max_age_days: String(prod), unused_days: '30', expiring_days: '14' },
        { environment: 'dev', max_age_days: String(dev), unused_days: '30', expiring_days: '14' },
      ]);
      if (!parsed.ok) throw new Error('bad rows');
      return parsed.rows;
    };
    expect(policyPatch(policy, rows(365), true)).toBeNull();
    expect(policyPatch(policy, rows(365), false)).toEqual({ notify_due: false });
    expect(policyPatch(policy, rows(200), true)).toEqual({
      environments: [
        { environment: 'prod', max_age_days: 90, unused_days: 30, expiring_days: 14 },
        { environment: 'dev', max_age_days: 200, unused_days: 30, expiring_days: 14 },
      ],
    });
    expect(policyPatch(policy, rows(400, 90, 400), true)).toEqual({ default: { environment: '*', max_age_days: 400, unused_days: 30, expiring_days: 14 } });
  });
});
