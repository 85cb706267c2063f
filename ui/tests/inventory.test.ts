import { describe, expect, it } from 'vitest';
import {
  comparePurpose,
  countBy,
  envItemId,
  filterKeys,
  flatten,
  groupKeys,
  indexKeys,
  isFiltered,
  NO_FILTERS,
  orderEnvironments,
  parseQuery,
  purposeItemId,
  purposeLabel,
  searchText,
  toRow,
  toggled,
  type Filters,
} from '../src/lib/inventory';
import { makeKey } from './fixtures';
import type { KeyDto } from '../src/lib/types';

const f = (over: Partial<Filters> = {}): Filters => ({ ...NO_FILTERS, ...over });

describe('search index', () => {
  it('holds name, purpose, owner, provider (id and name), kind and tags in lower case', () => {
    const key = makeKey({ name: 'Mail PROD', purpose: 'Send Email', owner: 'Ops-Team', provider: 'postmark', tags: ['Billing', 'CI'] });
    const text = searchText(key, 'Postmark');
    for (const part of ['mail prod', 'send email', 'ops-team', 'postmark', 'server_token', 'billing', 'ci']) {
      expect(text, `search text should contain ${part}`).toContain(part);
    }
    expect(text).toBe(text.toLowerCase());
  });

  it('sorts once by name, numerically and case-insensitively', () => {
    const keys = ['key 10', 'Key 2', 'alpha', 'key 1'].map((name) => makeKey({ name }));
    expect(indexKeys(keys).map((e) => e.key.name)).toEqual(['alpha', 'key 1', 'Key 2', 'key 10']);
  });

  it('adds the provider display name when known', () => {
    const [entry] = indexKeys([makeKey({ provider: 'posthog' })], new Map([['posthog', 'PostHog Cloud']]));
    expect(entry.haystack).toContain('posthog cloud');
  });
});

describe('filterKeys', () => {
  const keys = [
    makeKey({ name: 'Transactional mail', environment: 'prod', provider: 'postmark', purpose: 'Send transactional email', owner: 'mail-team' }),
    makeKey({ name: 'Web analytics', environment: 'prod', provider: 'posthog', kind: 'project_key', purpose: 'Ingest events', tags: ['frontend'] }),
    makeKey({ name: 'Local mail', environment: 'dev', provider: 'postmark', status: 'revoked', owner: 'Alice' }),
  ];
  const index = indexKeys(keys);
  const names = (filters: Filters) => filterKeys(index, filters).map((k) => k.name);

  it('returns everything without filters', () => {
    expect(names(f())).toHaveLength(3);
  });

  it('matches case-insensitively on name, purpose, owner, provider and tags', () => {
    expect(names(f({ text: 'MAIL' }))).toEqual(['Local mail', 'Transactional mail']);
    expect(names(f({ text: 'ingest' }))).toEqual(['Web analytics']);
    expect(names(f({ text: 'alice' }))).toEqual(['Local mail']);
    expect(names(f({ text: 'PostHog' }))).toEqual(['Web analytics']);
    expect(names(f({ text: 'FrontEnd' }))).toEqual(['Web analytics']);
  });

  it('requires every search term to match (in any field)', () => {
    expect(names(f({ text: 'mail team' }))).toEqual(['Transactional mail']);
    expect(names(f({ text: '  mail   nothing-like-this ' }))).toEqual([]);
  });

  it('filters by environment, provider and status, combined with text', () => {
    expect(names(f({ environment: 'prod' }))).toEqual(['Transactional mail', 'Web analytics']);
    expect(names(f({ provider: 'postmark' }))).toEqual(['Local mail', 'Transactional mail']);
    expect(names(f({ status: 'revoked' }))).toEqual(['Local mail']);
    expect(names(f({ environment: 'prod', text: 'mail' }))).toEqual(['Transactional mail']);
    expect(names(f({ environment: 'staging' }))).toEqual([]);
  });

  it('knows when anything filters', () => {
    expect(isFiltered(f())).toBe(false);
    expect(isFiltered(f({ text: '   ' }))).toBe(false);
    expect(isFiltered(f({ text: 'x' }))).toBe(true);
    expect(isFiltered(f({ status: 'active' }))).toBe(true);
  });

  it('splits queries into lower-case terms', () => {
    expect(parseQuery('  Foo  BAR ')).toEqual(['foo', 'bar']);
    expect(parseQuery('')).toEqual([]);
  });

  it('filters 10,000 keys on precomputed strings', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => makeKey({ name: `key ${i}`, owner: `team-${i % 40}` }));
    const big = indexKeys(many);
    expect(filterKeys(big, f({ text: 'team-12' }))).toHaveLength(250);
  });
});

describe('grouping', () => {
  it('orders environments as configured, then unknown ones alphabetically', () => {
    expect(orderEnvironments(['sandbox', 'prod', 'dev', 'Alpha', 'qa'], ['dev', 'staging', 'prod'])).toEqual(['dev', 'prod', 'Alpha', 'qa', 'sandbox']);
  });

  it('leaves out configured environments without keys', () => {
    expect(orderEnvironments(['prod'], ['dev', 'prod'])).toEqual(['prod']);
  });

  it('sorts purposes alphabetically with "no purpose" last', () => {
    expect(['b', '', 'A', 'c'].sort(comparePurpose)).toEqual(['A', 'b', 'c', '']);
    expect(purposeLabel('')).toBe('No purpose');
    expect(purposeLabel('Send')).toBe('Send');
  });

  it('groups by environment then purpose, with counts, keeping key order', () => {
    const keys = [
      makeKey({ name: 'a', environment: 'prod', purpose: 'Send email' }),
      makeKey({ name: 'b', environment: 'zeta', purpose: '' }),
      makeKey({ name: 'c', environment: 'prod', purpose: 'Ingest events' }),
      makeKey({ name: 'd', environment: 'dev', purpose: 'Send email' }),
      makeKey({ name: 'e', environment: 'prod', purpose: 'Send email' }),
    ];
    const groups = groupKeys(keys, ['dev', 'staging', 'prod']);
    expect(groups.map((g) => [g.environment, g.count, g.configured])).toEqual([
      ['dev', 1, true],
      ['prod', 3, true],
      ['zeta', 1, false],
    ]);
    const prod = groups[1];
    expect(prod.purposes.map((p) => [p.purpose, p.keys.map((k) => k.name)])).toEqual([
      ['Ingest events', ['c']],
      ['Send email', ['a', 'e']],
    ]);
  });

  it('counts keys per field', () => {
    const keys = [makeKey({ environment: 'dev' }), makeKey({ environment: 'dev' }), makeKey({ environment: 'prod' })];
    expect(countBy(keys, 'environment')).toEqual(new Map([['dev', 2], ['prod', 1]]));
  });
});

describe('flatten', () => {
  const keys = [
    makeKey({ name: 'a', environment: 'dev', purpose: 'P1' }),
    makeKey({ name: 'b', environment: 'dev', purpose: 'P2' }),
    makeKey({ name: 'c', environment: 'prod', purpose: 'P1' }),
  ];
  const groups = groupKeys(keys, ['dev', 'prod']);
  const shape = (collapsed: Set<string>) => flatten(groups, collapsed).map((i) => (i.type === 'key' ? i.key.name : `${i.type}:${i.type === 'env' ? i.environment : i.purpose}:${i.count}`));

  it('lists headers and rows in display order', () => {
    expect(shape(new Set())).toEqual(['env:dev:2', 'purpose:P1:1', 'a', 'purpose:P2:1', 'b', 'env:prod:1', 'purpose:P1:1', 'c']);
  });

  it('keeps only the header of a collapsed environment (count still shown)', () => {
    expect(shape(new Set([envItemId('dev')]))).toEqual(['env:dev:2', 'env:prod:1', 'purpose:P1:1', 'c']);
  });

  it('keeps only the header of a collapsed purpose', () => {
    expect(shape(new Set([purposeItemId('dev', 'P1')]))).toEqual(['env:dev:2', 'purpose:P1:1', 'purpose:P2:1', 'b', 'env:prod:1', 'purpose:P1:1', 'c']);
  });

  it('marks collapsed headers and gives every item a unique id', () => {
    const items = flatten(groups, new Set([envItemId('prod')]));
    expect(items.find((i) => i.id === envItemId('prod'))).toMatchObject({ collapsed: true });
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
  });

  it('toggles set membership without mutating', () => {
    const a = new Set(['x']);
    expect(toggled(a, 'x')).toEqual(new Set());
    expect(toggled(a, 'y')).toEqual(new Set(['x', 'y']));
    expect(toggled(a, 'x', true)).toEqual(new Set(['x']));
    expect(a).toEqual(new Set(['x']));
  });
});

describe('list rows (issue 14)', () => {
  it('toRow keeps what the list uses, findings as their codes', () => {
    const key = makeKey({ name: 'a', env_var: 'A', scopes: ['x'] });
    const full = { ...key, findings: [{ code: 'stale', severity: 'medium', attention: 'action', message: 'old', advice: 'rotate', action: 'rotate', excess_scopes: [], acknowledged: null }] } as KeyDto;
    const row = toRow(full);
    expect(row).not.toHaveProperty('env_var');
    expect(row).not.toHaveProperty('scopes');
    expect(row.name).toBe('a');
    expect(row.findings).toEqual([{ code: 'stale', severity: 'medium', attention: 'action', action: 'rotate', acknowledged: false }]);
  });
});
