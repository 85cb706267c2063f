// @vitest-environment node
// The first bundle (issue 14): the window's entry chunk holds what the first paint needs (the
// toolbar, the list, its rows), in one chunk; dialogs, wizards, the detail panel and the Team view are chunks
// of their own, fetched on demand (and preloaded once the list is painted).
import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';

/** Components the first paint never shows: each must be left out of the entry chunk. */
const ON_DEMAND = [
  'AboutDialog',
  'AddKeyDialog',
  'CreateWizard',
  'ImportDialog',
  'KeyDetail',
  'ProvidersDialog',
  'ReviewDialog',
  'RevokeWizard',
  'RotateWizard',
  'RotationsJournal',
  'SettingsDialog',
  'ShortcutsDialog',
  'SyncDialog',
  'TeamView',
  'VerifyAllDialog',
];
const FIRST_PAINT = ['App', 'Toolbar', 'InventoryList', 'KeyRow', 'EmptyState', 'Toasts', 'WizardHost'];

const component = (id: string) => /[\\/]components[\\/]([A-Za-z]+)\.svelte$/.exec(id)?.[1] ?? (/[\\/]src[\\/]App\.svelte$/.test(id) ? 'App' : null);

describe('the production bundle', () => {
  it('leaves dialogs, wizards, the detail panel and the Team view out of the entry chunk', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const result = (await build({ root, mode: 'production', logLevel: 'silent', build: { write: false } })) as Rollup.RollupOutput;
    const chunks = result.output.filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
    const byName = new Map(chunks.map((c) => [c.fileName, c]));
    // What the page loads before its first paint: the script index.html names and what it imports
    // statically. (With no preload polyfill the entry module sits in the first-paint group's
    // chunk, which Rolldown does not mark as an entry.)
    const html = result.output.find((o): o is Rollup.OutputAsset => o.type === 'asset' && o.fileName === 'index.html');
    const scripts = [...String(html?.source ?? '').matchAll(/<script type="module"[^>]* src="\/([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    const firstLoad = new Set<Rollup.OutputChunk>();
    const stack = scripts.map((name) => byName.get(name) as Rollup.OutputChunk);
    expect(stack[0], `index.html loads ${scripts[0]}`).toBeDefined();
    while (stack.length) {
      const chunk = stack.pop() as Rollup.OutputChunk;
      if (firstLoad.has(chunk)) continue;
      firstLoad.add(chunk);
      for (const name of chunk.imports) stack.push(byName.get(name) as Rollup.OutputChunk);
    }
    const first = new Set([...firstLoad].flatMap((c) => c.moduleIds.map(component)));
    for (const name of FIRST_PAINT) expect(first, `${name} is painted first`).toContain(name);
    expect(ON_DEMAND.filter((name) => first.has(name)), 'on-demand components loaded before the first paint').toEqual([]);
    // Each is still in the build, in a chunk loaded on demand.
    const lazy = new Set(chunks.filter((c) => !firstLoad.has(c)).flatMap((c) => c.moduleIds.map(component)));
    for (const name of ON_DEMAND) expect(lazy, `${name} in a chunk of its own`).toContain(name);
    // One request for the code of the first paint, not a waterfall.
    expect(firstLoad.size).toBe(1);
  }, 120_000);
});
