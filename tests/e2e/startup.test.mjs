// Issue 14, start-up in the real window (WebDriver, real keychain):
// - nothing before the first paint waits for the keychain: with the throwaway gnome-keyring
//   stopped (SIGSTOP) while the window starts, the app's log says the window was interactive
//   before any keychain call complained of the silence (until this change, `setup()` probed the
//   keychain — three Secret Service calls, each retried after its 2 s D-Bus timeout — first);
// - the first paint gets only the first page of rows (`keys_page`), then the whole inventory
//   follows: the count, search and filters cover every key, not only the first page.
// Run via tests/e2e/run.sh (--test-name-pattern='issue 14').

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { APP_LOG, KEYCHAIN_BUS, appLogSince, appLogSize, assertPageClean, cli, findCanaries, newDataDir, writeInputFile, withApp } from './lib/harness.mjs';

const TIMEOUT = 300_000;
/** More keys than the window's first page (FIRST_PAGE in ui/src/lib/store.svelte.ts). */
const KEYS = 130;

function keyringPid() {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('gnome-keyring')) continue;
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (env.includes(`DBUS_SESSION_BUS_ADDRESS=${KEYCHAIN_BUS}`)) return Number(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  throw new Error('the throwaway gnome-keyring-daemon was not found');
}

/**
 * `KEYS` well-formed Postman keys (fake values: PMAK-, 24 hex digits, -, 34 hex digits) in two
 * environments, imported with the CLI. `hex` (two hex digits) makes each test's values its own.
 */
function seedInventory(dataDir, tag, hex) {
  const values = [];
  const lines = ['name,provider,kind,environment,purpose,secret'];
  for (let i = 1; i <= KEYS; i++) {
    const value = `PMAK-${hex}${i.toString(16).padStart(22, '0')}-${'c'.repeat(30)}${i.toString(16).padStart(4, '0')}`;
    values.push(value);
    lines.push(`${tag} key ${String(i).padStart(3, '0')},postman,api_key,${i % 2 ? 'prod' : 'dev'},run API tests,${value}`);
  }
  // In CSVs of 50 keys: each import stays well inside the CLI helper's timeout on a busy machine.
  for (let start = 1; start < lines.length; start += 50) {
    cli(dataDir, ['import', writeInputFile('keys.csv', `${[lines[0], ...lines.slice(start, start + 50)].join('\n')}\n`)]);
  }
  return values;
}

/**
 * One inventory of `KEYS` keys for both tests, seeded by whichever runs first (importing into
 * the shared e2e keyring gets slower with every item it holds).
 */
let shared = null;
function seededInventory() {
  if (!shared) {
    const dataDir = newDataDir('startup');
    shared = { dataDir, values: seedInventory(dataDir, 'ks', 'a1') };
  }
  return shared;
}


async function shownCount(app) {
  return Number(await app.$('key-count').getAttribute('data-total'));
}

test('issue 14: the window is interactive before anything asks the keychain', { timeout: TIMEOUT }, async () => {
  assert.ok(APP_LOG, 'run.sh passes the app log (KEYWARD_E2E_APP_LOG)');
  const { dataDir, values } = seededInventory();
  const pid = keyringPid();
  const logStart = appLogSize();
  process.kill(pid, 'SIGSTOP');
  let resumed = false;
  const resume = () => {
    if (!resumed) process.kill(pid, 'SIGCONT');
    resumed = true;
  };
  // A window that waits for the keychain would never show while it stays stopped: the
  // keychain comes back after a while in any case, and the log's order tells the two apart.
  const fallback = setTimeout(resume, 45_000);
  try {
    await withApp('issue 14 keychain stopped', { dataDir, env: ['KEYWARD_LOG=info'] }, async (app) => {
      // The page is there and painted while the keychain still says nothing.
      await app.browser.waitUntil(() => appLogSince(logStart).includes('window interactive after'), {
        timeout: 60_000,
        timeoutMsg: 'the app never logged that its window was interactive',
      });
      const log = appLogSince(logStart);
      const interactive = log.indexOf('window interactive after');
      const keychainSilent = log.indexOf('keychain slow to answer');
      assert.ok(
        keychainSilent === -1 || interactive < keychainSilent,
        `the window waited for the keychain before its first paint:\n${log.slice(0, 4000)}`,
      );
      assert.match(log, new RegExp(`first page \\(100 of ${KEYS} keys\\)`), 'the first paint had only the first page');
      assert.ok((await app.$$('key-row')).length > 0, 'rows are shown');
      assert.equal(await shownCount(app), KEYS, 'the count is of every key, not of the first page');
      resume();
      // Once the keychain has answered, the whole inventory follows: search finds the last key.
      await app.type('search', 'ks key 130');
      await app.browser.waitUntil(async () => (await app.$$('key-row')).length === 1, {
        timeout: 60_000,
        timeoutMsg: 'the whole inventory should follow the first page once the keychain answers',
      });
      await app.click('refresh');
      await app.browser.waitUntil(async () => (await app.$$('key-row')).length === 1, { timeout: 30_000 });
      await assertPageClean(app, 'after a start with the keychain stopped');
    });
  } finally {
    clearTimeout(fallback);
    resume();
  }
  assert.deepEqual(findCanaries({ 'the app log': appLogSince(logStart) }, values), [], 'no key value in the app log');
});

test('issue 14: the first page is painted first, then every key is listed, searched and filtered', { timeout: TIMEOUT }, async () => {
  const { dataDir, values } = seededInventory();
  const logStart = appLogSize();
  await withApp('issue 14 first page', { dataDir, env: ['KEYWARD_LOG=info'] }, async (app) => {
    await app.browser.waitUntil(async () => (await shownCount(app)) === KEYS, { timeout: 30_000, timeoutMsg: `the count should reach ${KEYS}` });
    const log = appLogSince(logStart);
    assert.match(log, new RegExp(`keys_page: 100 of ${KEYS} keys`), 'the window asked for the first page');
    assert.match(log, /page phases: .*first page \(100 of \d+ keys\)/, 'the page reported its start-up phases');
    // The first paint's answers came with the document, not over IPC (src-tauri/src/first_load.rs).
    assert.match(log, /first load sent with the document/, 'the backend added the first paint’s answers to the document');
    assert.match(log, /page phases: .*received after \d+ ms \(sent with the document\)/, 'the page painted from them, asking nothing first');
    const page = await app.browser.execute(() => ({
      block: document.querySelectorAll('script[type="application/json"]').length,
      font: document.documentElement.style.getPropertyValue('--font-ui'),
    }));
    assert.equal(page.block, 0, 'the page removed the data block once read');
    assert.match(page.font, /^".+", sans-serif$/, 'the page uses the desktop’s UI font family the backend read');
    // The last key by name is far past the first page: search and the environment filter see it.
    await app.type('search', 'ks key 130');
    await app.browser.waitUntil(async () => (await app.$$('key-row')).length === 1, { timeout: 10_000, timeoutMsg: 'search should find the key past the first page' });
    assert.equal(await (await app.$$('key-row'))[0].getAttribute('data-key-name'), 'ks key 130');
    await app.screenshot('14-startup-search.png');
    await assertPageClean(app, 'after searching past the first page');
  });
  assert.deepEqual(findCanaries({ 'the app log': appLogSince(logStart) }, values), [], 'no key value in the app log');
});
