// The list's work per keystroke in the search box, on the window's own code (ui/src/lib), at
// BENCH_N keys: filter, sort, group, flatten and the virtual list's offsets; plus the work
// done once per list (the search index, the first search's haystacks). Run by
// scripts/bench-page-logic.sh in WebKitGTK's engine, JIT on and off.
import { filterKeys, flatten, groupKeys, indexKeys, NO_FILTERS } from '../../ui/src/lib/inventory';
import { sortKeys } from '../../ui/src/lib/sort';
import type { KeyRowDto } from '../../ui/src/lib/types';
import { computeOffsets, visibleRange } from '../../ui/src/lib/virtual';

const N = Number((globalThis as { BENCH_N?: number }).BENCH_N ?? 10_000);
const ROUNDS = 3;
const environments = ['dev', 'staging', 'prod'];
const purposes = ['send transactional email', 'ingest events', 'evaluate feature flags', 'read published blog content', 'purge cache', 'run API tests'];
const providers = ['postmark', 'posthog', 'postman', 'postnomic', 'cloudflare', 'sendgrid'];

const keys: KeyRowDto[] = [];
for (let i = 1; i <= N; i++) {
  keys.push({
    id: `${i.toString(16).padStart(8, '0')}-aaaa-4bbb-8ccc-${i.toString(16).padStart(12, '0')}`,
    provider: providers[i % 6],
    kind: 'api_key',
    name: `bench key ${String(i).padStart(6, '0')} copy ${i % 9}`,
    environment: environments[i % 3],
    purpose: purposes[Math.floor(i / 3) % 6],
    owner: i % 4 ? `owner${i % 50}` : null,
    tags: i % 5 ? [] : ['billing'],
    created_at: '2026-01-01T00:00:00Z',
    last_rotated_at: null,
    last_verified_at: null,
    expires_at: null,
    status: 'active',
    masked_hint: 'abcd…wxyz',
    verify_outcome: null,
    verify_detail: null,
    findings: [],
  });
}
// The backend sends keys in display order (environment, purpose, name), not sorted by name.
for (let i = keys.length - 1; i > 0; i--) {
  const j = (i * 7919) % (i + 1);
  [keys[i], keys[j]] = [keys[j], keys[i]];
}
const providerNames = new Map(providers.map((p) => [p, p.toUpperCase()]));

// Date.now() is the engine's only clock here (no DOM): whole ms. A keystroke is repeated so
// that each sample is at least ~10,000 keys' work, then divided.
const REPEAT = Math.max(1, Math.round(10_000 / N));
const samples = new Map<string, number[]>();
function time(label: string, work: () => unknown, times = 1): void {
  const start = Date.now();
  for (let i = 0; i < times; i++) work();
  const list = samples.get(label) ?? [];
  list.push((Date.now() - start) / times);
  samples.set(label, list);
}

let index: ReturnType<typeof indexKeys> = [];
time('the search index (once per list)', () => (index = indexKeys(keys, providerNames)));
time("the first search (builds each key's text)", () => filterKeys(index, { ...NO_FILTERS, text: 'c' }));
const typed = ['c', 'co', 'cop', 'copy', 'copy 1', 'copy 12', 'key', 'key 0', 'zzz', '', 'e', 'ke', 'owner1', 'bench key 00', ''];
for (let round = 0; round < ROUNDS; round++) {
  for (const text of typed) {
    time('one keystroke: filter, sort, group, flatten, offsets', () => {
      const shown = sortKeys(filterKeys(index, { ...NO_FILTERS, text }), 'name', null);
      const items = flatten(groupKeys(shown, environments), new Set());
      visibleRange(computeOffsets(items, (item) => (item.type === 'key' ? 36 : 30)), 0, 900);
    }, REPEAT);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// One line per measure: label, median ms, max ms, samples (tab-separated).
(globalThis as { RESULT?: string }).RESULT = [...samples]
  .map(([label, ms]) => `${label}\t${median(ms).toFixed(1)}\t${Math.max(...ms).toFixed(1)}\t${ms.length}`)
  .join('\n');
