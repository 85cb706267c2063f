import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withApp, seedKey, newDataDir, canary, listKeys } from './lib/harness.mjs';

test('smoke', { timeout: 120_000 }, async () => {
  const dir = newDataDir('smoke');
  const k = seedKey(dir, { value: canary.posthogPersonal(), name: 'x', env: 'prod', purpose: 'p' });
  console.log(JSON.stringify(k));
  console.log(JSON.stringify(listKeys(dir)).slice(0, 300));
  await withApp('smoke', { dataDir: dir }, async (app) => {
    console.log(JSON.stringify(app.recorderInfo));
    console.log(JSON.stringify(await app.rows()));
    app.screenshot('smoke.png');
  });
});
