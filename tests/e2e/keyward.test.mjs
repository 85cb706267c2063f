// Keyward end to end: the built desktop app in a real window (Xvfb), driven through
// tauri-driver + WebKitWebDriver, with a throwaway gnome-keyring. Run via tests/e2e/run.sh.
// Each test starts its own app session on a fresh data dir; every session's IPC responses are
// recorded and checked for the canary secrets (lib/harness.mjs, withApp).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  APP_LOG,
  NO_KEYCHAIN_BUS,
  SIM,
  SIM_LOG,
  TMP,
  assertPageClean,
  canaries,
  canary,
  cli,
  findCanaries,
  findCanariesInFiles,
  keychainLookup,
  listConnections,
  listKeys,
  newDataDir,
  readClipboard,
  recorded,
  seedKey,
  simControl,
  simSeed,
  tid,
  withApp,
  writeInputFile,
  openDetail,
} from './lib/harness.mjs';

const TIMEOUT = 120_000;

/** The environment and purpose group headers a key row is listed under (nearest above it). */
function groupOf(app, id) {
  return app.browser.execute((id) => {
    const items = [...document.querySelectorAll('[data-testid="key-list"] [data-index]')].sort(
      (a, b) => Number(a.dataset.index) - Number(b.dataset.index),
    );
    const at = items.findIndex((el) => el.dataset.testid === 'key-row' && el.dataset.keyId === id);
    if (at < 0) return null;
    let purpose = null;
    let env = null;
    for (let j = at - 1; j >= 0; j--) {
      const el = items[j];
      if (purpose === null && el.dataset.testid === 'purpose-group') purpose = el.dataset.purpose;
      if (el.dataset.testid === 'env-group') {
        env = el.dataset.env;
        break;
      }
    }
    return { env, purpose };
  }, id);
}

async function keyCount(app) {
  const el = await app.shown('key-count');
  return {
    shown: Number(await el.getAttribute('data-count')),
    total: Number(await el.getAttribute('data-total')),
    text: (await el.getText()).trim(),
  };
}

async function waitForCount(app, shown, total) {
  let last = null;
  await app.browser
    .waitUntil(
      async () => {
        last = await keyCount(app);
        return last.shown === shown && last.total === total;
      },
      { timeout: 5_000 },
    )
    .catch(() => {
      throw new Error(`key-count should say ${shown} of ${total} keys, says ${JSON.stringify(last)}`);
    });
}

async function closeDialogGone(app, testid, why) {
  await app.$(testid).waitForExist({ reverse: true, timeout: 10_000, timeoutMsg: `${testid} should close: ${why}` });
}

/**
 * The suite so far: no IPC response of any session, no file in any data dir (database, WAL,
 * logs), neither the app's log nor the simulator's holds any canary (typed, seeded, imported,
 * or a key value of the simulator's seed).
 */
function assertSuiteClean() {
  assert.ok(recorded.sessions >= 1 && recorded.responses.length > 0, 'the suite-wide recording is empty');
  assert.deepEqual(
    findCanaries({ [`one of ${recorded.responses.length} IPC responses of ${recorded.sessions} sessions`]: recorded.responses.join('\n'), 'a raw IPC body': recorded.raw.join('\n') }),
    [],
    'no IPC response of any test may carry any canary',
  );
  assert.deepEqual(findCanariesInFiles(TMP), [], 'no canary may be written to a data dir (database, logs)');
  if (APP_LOG && existsSync(APP_LOG)) {
    assert.deepEqual(findCanaries({ "the app's log": readFileSync(APP_LOG, 'utf8') }), [], 'no canary may reach the app\'s log');
  }
  if (SIM_LOG && existsSync(SIM_LOG)) {
    assert.deepEqual(findCanaries({ "provider-sim's log": readFileSync(SIM_LOG, 'utf8') }), [], 'provider-sim logs no key value');
  }
}

// ---------------------------------------------------------------------------------------

test('1. a fresh data dir shows the empty state that explains the first step', { timeout: TIMEOUT }, async () => {
  await withApp('empty state', async (app) => {
    const empty = await app.shown('empty-state', 10_000, 'a new user with no keys must see where to start');
    const text = await empty.getText();
    assert.match(text, /No keys yet/, 'the empty state should say there are no keys yet');
    assert.match(text, /Add a key/i, 'the empty state should name the first step (add a key)');
    assert.match(text, /import/i, 'the empty state should mention importing a .env file');
    assert.ok(await app.$('empty-add').isEnabled(), 'the empty state\'s "Add a key" button should be usable with a working keychain');
    assert.equal((await app.rows()).length, 0, 'a fresh data dir must list no key rows');
    const count = await keyCount(app);
    assert.equal(count.total, 0, `key-count should be 0 on a fresh data dir, is ${count.text}`);
    assert.equal(await app.$('keychain-banner').isExisting(), false, 'the keychain works: no keychain banner expected');
    app.screenshot('01-empty.png');
  });
});

test('2. add a key by pasting: provider detected, listed under prod → purpose, value in the keychain', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('add');
  // Two neighbours so the inventory screenshot shows the grouping.
  seedKey(dataDir, { value: canary.postman(), name: 'API monitors', env: 'dev', purpose: 'run API tests' });
  seedKey(dataDir, { value: canary.postnomic(), name: 'Blog content', env: 'staging', purpose: 'read blog content' });
  const value = canary.posthogPersonal();
  const name = 'Product analytics admin';
  const typedPurpose = 'ingest events';
  const purpose = 'Ingest events'; // a catalogue purpose is stored under its label

  await withApp('add by pasting', { dataDir }, async (app) => {
    await app.click('new-key'); // the one New key entry (issue 16): its first way
    await app.click('add-key');
    await app.shown('add-dialog', 5_000, 'Add key should open the add dialog');
    await app.type('add-secret', value);

    const provider = await app.shown('detected-provider', 5_000, 'pasting a phx_ value should suggest a provider at once');
    assert.equal(await provider.getAttribute('data-provider'), 'posthog', 'a phx_ value is a PostHog key');
    assert.equal((await provider.getText()).trim(), 'PostHog', 'the detected provider should be shown by its name');
    const kind = await app.shown('detected-kind');
    assert.equal(await kind.getAttribute('data-kind'), 'personal', 'a phx_ value is a PostHog personal API key');
    assert.match(await kind.getText(), /personal/i, 'the detected kind should read "personal"');
    assert.equal(await app.$('add-provider').getValue(), 'posthog', 'detection should preselect the provider field');
    assert.equal(await app.$('add-kind').getValue(), 'personal', 'detection should preselect the kind field');
    const hint = await app.$('detected-hint').getText();
    assert.ok(hint.startsWith('phx_') && hint.length < 14, `the detection should show only a masked hint, shows "${hint}"`);

    await app.type('add-name', name);
    await app.retype('add-environment', 'prod');
    await app.type('add-purpose', typedPurpose);
    await app.type('add-owner', 'growth team');
    const hintText = await (await app.shown('purpose-hint', 5_000, 'a personal key for "Ingest events" is broader than the purpose needs')).getText();
    assert.match(hintText, /Project/i, `the purpose hint should name the minimal kind (project key): "${hintText}"`);
    app.screenshot('02-add-dialog.png');

    await app.click('add-submit');
    await closeDialogGone(app, 'add-dialog', 'a valid key was submitted');
    const row = await app.waitForRow(name);
    assert.equal(row.env, 'prod', 'the new key belongs to prod');
    assert.equal(row.purpose, purpose, 'the typed purpose matches the catalogue and is stored under its label');
    const group = await groupOf(app, row.id);
    assert.deepEqual(
      { env: group?.env, purpose: group?.purpose },
      { env: 'prod', purpose },
      'the row should be listed under the prod environment group, then the "Ingest events" purpose group',
    );
    assert.ok(await app.browser.$(`${tid('env-group')}[data-env="prod"]`).isDisplayed(), 'the prod group header should be visible');
    assert.ok(
      await app.browser.$(`${tid('purpose-group')}[data-env="prod"][data-purpose="${purpose}"]`).isDisplayed(),
      'the purpose group header should be visible',
    );
    assert.match(row.text, /phx_…/, 'the row should show the masked hint');
    await waitForCount(app, 3, 3);

    assert.equal(keychainLookup(row.id), value, 'secret-tool should find the pasted value in the keychain under the key\'s id');
    const stored = listKeys(dataDir).find((k) => k.id === row.id);
    assert.ok(stored, 'the CLI should list the key the window added (same data dir)');
    assert.deepEqual([stored.provider, stored.kind, stored.environment], ['posthog', 'personal', 'prod'], 'stored metadata');
    await assertPageClean(app, 'after adding a key');

    // The inventory view (the detail panel opened on the new key: close it for the overview).
    await app.shown('key-detail');
    await app.click('close-detail');
    await app.$('key-detail').waitForExist({ reverse: true, timeoutMsg: 'the detail panel should close' });
    app.screenshot('03-inventory.png');
  });
});

test('3. search narrows the rows and the count; Ctrl+K focuses the search field', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('search');
  seedKey(dataDir, { value: canary.postman(), name: 'Collection runner', env: 'dev', purpose: 'run API tests' });
  seedKey(dataDir, { value: canary.postnomic(), name: 'Blog reader', env: 'prod', purpose: 'read blog content' });
  seedKey(dataDir, { value: canary.posthogProject(), name: 'Web analytics', env: 'prod', purpose: 'ingest events' });

  await withApp('search', { dataDir }, async (app) => {
    await waitForCount(app, 3, 3);
    assert.equal((await app.rows()).length, 3, 'all three keys should be listed before searching');

    await app.type('search', 'blog');
    await app.browser.waitUntil(async () => (await app.rows()).length === 1, {
      timeout: 5_000,
      timeoutMsg: 'searching "blog" should leave exactly one row',
    });
    assert.equal((await app.rows())[0].name, 'Blog reader', 'the row left should be the one matching "blog"');
    await waitForCount(app, 1, 3);
    assert.match((await keyCount(app)).text, /1 of 3 keys/, 'the count should say how many of the total are shown');

    // A search matching nothing says so.
    await app.$('search').addValue('zzz');
    await app.shown('no-matches', 5_000, 'a search without matches should say so');
    await waitForCount(app, 0, 3);

    // Escape in the search field clears it.
    await app.browser.keys('Escape');
    await app.browser.waitUntil(async () => (await app.rows()).length === 3, {
      timeout: 5_000,
      timeoutMsg: 'Escape in the search field should clear the search and list all keys again',
    });
    await waitForCount(app, 3, 3);

    // Ctrl+K from elsewhere focuses (and selects) the search field.
    await app.$('search').addValue('reader');
    await app.browser.$(`${tid('key-row')}[data-key-name="Web analytics"]`).waitForExist({ reverse: true });
    await app.$('key-list').click();
    const focusedBefore = await app.browser.execute(() => document.activeElement?.dataset?.testid ?? document.activeElement?.tagName);
    assert.notEqual(focusedBefore, 'search', 'the search field should not have focus before Ctrl+K');
    await app.browser.keys(['Control', 'k']);
    await app.browser.waitUntil(() => app.browser.execute(() => document.activeElement?.dataset?.testid === 'search'), {
      timeout: 3_000,
      timeoutMsg: 'Ctrl+K should move the focus to the search field',
    });
    const selection = await app.browser.execute(() => {
      const el = document.activeElement;
      return { start: el.selectionStart, end: el.selectionEnd, length: el.value.length };
    });
    assert.deepEqual([selection.start, selection.end], [0, selection.length], 'Ctrl+K should select the search text so typing replaces it');
    await app.browser.keys('web');
    await app.browser.waitUntil(async () => {
      const rows = await app.rows();
      return rows.length === 1 && rows[0].name === 'Web analytics';
    }, { timeout: 5_000, timeoutMsg: 'typing after Ctrl+K should replace the search ("web" → Web analytics only)' });
  });
});

test('4. settings: the clipboard timeout is changed in the Settings dialog', { timeout: TIMEOUT }, async () => {
  await withApp('settings', async (app) => {
    await app.click('settings');
    await app.shown('settings-dialog', 5_000, 'the gear button should open the settings');
    const field = await app.shown('settings-timeout', 5_000, 'the settings should offer the clipboard timeout');
    assert.equal(await field.getValue(), '30', 'the default clipboard timeout is 30 s');
    const dataDir = await app.$('settings-data-dir').getValue();
    assert.equal(dataDir, app.dataDir, 'the settings should show the data directory in use');
    await field.clearValue();
    await field.addValue('5'); // the lowest value allowed
    await app.click('settings-save');
    await closeDialogGone(app, 'settings-dialog', `Save with a valid timeout (5 s) should save and close the dialog; page errors: ${JSON.stringify(await app.pageErrors())}`);
    assert.equal((await app.invoke('settings_get')).ok?.clipboard_timeout_secs, 5, 'the backend should now hold a 5 s timeout');
    await app.click('settings');
    assert.equal(await (await app.shown('settings-timeout')).getValue(), '5', 'reopening the settings should show the saved timeout');

    // Out of range: refused with a reason, nothing saved.
    const again = await app.$('settings-timeout');
    await again.clearValue();
    await again.addValue('2');
    await app.click('settings-save');
    await app.browser.waitUntil(async () => /between 5 and 600/.test(await app.$('settings-dialog').getText()), {
      timeout: 3_000,
      timeoutMsg: 'a 2 s timeout should be refused with the allowed range',
    });
    assert.equal((await app.invoke('settings_get')).ok?.clipboard_timeout_secs, 5, 'a refused timeout must not be saved');
  });
});

test('5. copy: the system clipboard holds the value, the window counts down, the clipboard is cleared', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('copy');
  const value = canary.posthogPersonal();
  const name = 'Dashboards reader';
  seedKey(dataDir, { value, name, env: 'prod', purpose: 'read dashboards' });

  await withApp('copy', { dataDir }, async (app) => {
    // The shortest timeout allowed, set with the command the Settings dialog uses (test 4
    // covers the dialog; this keeps the clipboard test independent of the form).
    const updated = await app.invoke('settings_update', { patch: { clipboard_timeout_secs: 5 } });
    assert.equal(updated.ok?.clipboard_timeout_secs, 5, `settings_update should accept a 5 s timeout: ${JSON.stringify(updated.err ?? null)}`);

    await openDetail(app, name);
    assert.equal((await app.$('detail-name').getText()).trim(), name, 'the detail panel names the key');

    assert.notEqual(readClipboard(), value, 'the clipboard must not hold the value before copying');
    await app.click('copy-key');
    const copiedAt = Date.now();
    const toast = await app.shown('copy-toast', 5_000, 'copying should confirm with a toast');
    assert.match(await toast.getText(), new RegExp(`Copied “${name}”`), 'the toast names the copied key');
    const countdown = await app.$('copy-countdown').getText();
    const m = countdown.match(/Clipboard clears in (\d+) s/);
    assert.ok(m, `the toast should count down ("Clipboard clears in N s"), says "${countdown}"`);
    assert.ok(Number(m[1]) >= 1 && Number(m[1]) <= 5, `the countdown should start from the 5 s timeout, says ${m[1]}`);
    app.screenshot('04-detail.png'); // the detail panel, with the copy toast counting down

    let held = null;
    await app.browser.waitUntil(() => (held = readClipboard()) === value, {
      timeout: 3_000,
      interval: 100,
      timeoutMsg: `xclip should read the key's value from the clipboard after Copy (read ${held === null ? 'nothing' : `${held.length} other characters`})`,
    });
    await assertPageClean(app, 'after copying');
    assert.ok(await app.browser.$(`${tid('audit-event')}[data-action="copied"]`).waitForExist({ timeout: 5_000 }), 'the audit trail should record the copy');

    // The countdown moves, then the clipboard is cleared after the timeout.
    await app.browser.waitUntil(async () => {
      const n = Number((await app.$('copy-countdown').getText()).match(/(\d+) s/)?.[1] ?? 0);
      return n < Number(m[1]) || n === 0;
    }, { timeout: 3_000, timeoutMsg: 'the countdown should tick down' });
    await app.browser.waitUntil(() => {
      const now = readClipboard();
      return now === null || now === '';
    }, { timeout: 15_000, interval: 200, timeoutMsg: 'the clipboard should be cleared after the 5 s timeout' });
    const clearedAfter = Date.now() - copiedAt;
    assert.ok(clearedAfter >= 3_500, `the clipboard was cleared too early (${clearedAfter} ms after Copy, timeout 5 s)`);
    await app.browser.waitUntil(async () => /Clipboard cleared/.test(await app.$('copy-countdown').getText().catch(() => '')), {
      timeout: 4_000,
      timeoutMsg: 'the toast should end with "Clipboard cleared"',
    });
  });
});

test('6. import a .env: masked preview, commit lands in staging; a malformed file imports nothing', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('import');
  const postman = canary.postman();
  const blog = canary.postnomic();
  const project = canary.posthogProject();
  const good = writeInputFile(
    '.env.staging',
    `# staging keys\nPOSTMAN_API_KEY=${postman}\nBLOG_API_KEY="${blog}"\nexport POSTHOG_PROJECT_KEY=${project}\n`,
  );
  const leak = canary.posthogPersonal(); // inside malformed lines: must not be quoted back
  const bad = writeInputFile('.env.production', `GOOD_KEY=${canary.posthogProject()}\nthis line has no equals sign\n1BAD=${leak}\nOPEN="${leak}\n`);

  // WebDriver cannot click the GTK file dialog: KEYWARD_DIALOG_ANSWER answers it, one file
  // per session (the window itself names no path).
  await withApp('import', { dataDir, env: [`KEYWARD_DIALOG_ANSWER=${bad}`] }, async (app) => {
    // The malformed file first: errors per line, nothing importable, nothing written.
    await app.click('import');
    await app.shown('import-dialog', 5_000, 'Import should open the import dialog');
    assert.equal(await app.browser.execute(() => document.querySelector('[data-testid="import-path"]')), null, 'the window has no path field');
    await app.click('import-browse');
    const badPreview = await app.shown('import-preview', 10_000, 'previewing a malformed file should still show a preview');
    const errors = await app.shown('import-errors', 5_000, 'a malformed file should list its line errors');
    const errorItems = await errors.$$('li');
    assert.ok(errorItems.length >= 2, `each malformed line should get its own error, got ${errorItems.length}`);
    const errorText = await errors.getText();
    assert.match(errorText, /line 2/, 'the error list should name the line without "="');
    assert.equal(await app.$('import-commit').isEnabled(), false, 'commit must be disabled while any line has an error');
    assert.ok(Number(await badPreview.getAttribute('data-errors')) >= 2, 'the preview should count the errors');
    app.screenshot('05b-import-errors.png');
    await assertPageClean(app, 'in the preview of a malformed file');
    assert.equal(listKeys(dataDir).length, 0, 'nothing may be imported from a file with errors');
  });

  await withApp('import', { dataDir, env: [`KEYWARD_DIALOG_ANSWER=${good}`] }, async (app) => {
    // The good file: a preview with masked hints, then the commit.
    await app.click('import');
    await app.shown('import-dialog', 5_000, 'Import should open the import dialog');
    await app.click('import-browse');
    await app.browser.waitUntil(async () => (await app.$('import-preview').getAttribute('data-rows')) === '3' && (await app.$('import-preview').getAttribute('data-errors')) === '0', {
      timeout: 10_000,
      timeoutMsg: 'the preview of the good .env.staging should show 3 rows and no errors',
    });
    const rows = await app.browser.execute(() =>
      [...document.querySelectorAll('[data-testid="import-row"]')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())),
    );
    assert.equal(rows.length, 3, 'one preview row per key in the file');
    for (const cells of rows) {
      // Line, Name, Provider · kind, Environment, Purpose, Value (masked), Env var
      assert.equal(cells[3], 'staging', `.env.staging rows belong to staging: ${JSON.stringify(cells)}`);
      assert.match(cells[5], /^[A-Za-z_-]+…[A-Za-z0-9]{1,4}$/, `the value column must be a masked hint, is "${cells[5]}"`);
    }
    const hints = rows.map((c) => c[5]);
    assert.ok(hints.some((h) => h.startsWith('PMAK-')) && hints.some((h) => h.startsWith('pk_')) && hints.some((h) => h.startsWith('phc_')), `hints for the three kinds of key: ${hints}`);
    await assertPageClean(app, 'in the import preview');
    assert.ok(await app.$('import-commit').isEnabled(), 'commit should be enabled for a clean preview');
    app.screenshot('05-import-preview.png');

    await app.click('import-commit');
    await closeDialogGone(app, 'import-dialog', 'the import was committed');
    await waitForCount(app, 3, 3);
    assert.ok(await app.browser.$(`${tid('env-group')}[data-env="staging"]`).isDisplayed(), 'the staging group should appear');
    const listed = (await app.rows()).filter((r) => r.env === 'staging');
    assert.equal(listed.length, 3, 'all three imported keys are listed under staging');
    for (const r of listed) assert.equal((await groupOf(app, r.id))?.env, 'staging', `"${r.name}" should sit under the staging header`);
    const values = new Set([postman, blog, project]);
    for (const r of listed) {
      const stored = keychainLookup(r.id);
      assert.ok(values.has(stored), `the keychain should hold the imported value of "${r.name}"`);
      values.delete(stored);
    }
    assert.equal(values.size, 0, 'each imported value should be stored exactly once');
  });
});

test('7. remove a key: the confirmation names it; row and keychain entry are gone', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('remove');
  const name = 'Old mail token';
  const key = seedKey(dataDir, { value: canary.postman(), name, env: 'dev', purpose: 'run API tests' });
  const keep = seedKey(dataDir, { value: canary.postnomic(), name: 'Keeper', env: 'dev', purpose: 'read blog content' });
  assert.ok(keychainLookup(key.id), 'precondition: the seeded value is in the keychain');

  await withApp('remove', { dataDir }, async (app) => {
    await openDetail(app, name);
    await app.click('remove-key');
    const dialog = await app.shown('confirm-remove', 5_000, 'Remove should ask for confirmation');
    assert.equal((await app.$('confirm-remove-name').getText()).trim(), `“${name}”`, 'the confirmation should name the key');
    assert.match(await dialog.getText(), /revoke/i, 'the confirmation should say that removing does not revoke the key at the provider');
    await app.click('confirm-remove-submit');
    await closeDialogGone(app, 'confirm-remove', 'the removal was confirmed');
    await app.browser.waitUntil(async () => !(await app.rows()).some((r) => r.id === key.id), {
      timeout: 5_000,
      timeoutMsg: 'the removed key\'s row should disappear',
    });
    assert.equal(await app.$('key-detail').isExisting(), false, 'the detail panel of a removed key should close');
    assert.ok((await app.rows()).some((r) => r.id === keep.id), 'the other key must stay');
    await waitForCount(app, 1, 1);
  });
  assert.equal(keychainLookup(key.id), null, 'secret-tool must find nothing for the removed key');
  assert.ok(keychainLookup(keep.id), 'the other key\'s value must stay in the keychain');
  assert.deepEqual(listKeys(dataDir).map((k) => k.id), [keep.id], 'the inventory keeps only the other key');
});

// The keys exist before the window starts, so their rows reach the page in the document's JSON
// data block (src-tauri/src/first_load.rs), not over IPC: this covers that path too.
test('8. a hostile key name is shown as text and runs nothing', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('hostile');
  const alertName = '<img src=x onerror=alert(1)>';
  const flagName = '<img src=x onerror="window.__xss=1">';
  const purpose = '<svg onload="window.__xss=2"><b>bold</b>';
  const tag = '<script>window.__xss=3</script>';
  const a = seedKey(dataDir, { value: canary.postnomic(), name: alertName, env: 'prod', purpose: 'read blog content' });
  const b = seedKey(dataDir, { value: canary.posthogProject(), name: flagName, env: 'prod', purpose, owner: tag, tags: [tag] });

  await withApp('hostile names', { dataDir }, async (app) => {
    for (const [key, name] of [[a, alertName], [b, flagName]]) {
      await app.waitForRow(name);
      const row = app.browser.$(`${tid('key-row')}[data-key-id="${key.id}"]`);
      const shownName = await app.browser.execute((id) => document.querySelector(`[data-testid="key-row"][data-key-id="${id}"] .name`)?.textContent, key.id);
      assert.equal(shownName, name, 'the row should show the name\'s characters literally');
      const inside = await app.browser.execute((id) => {
        const r = document.querySelector(`[data-testid="key-row"][data-key-id="${id}"]`);
        return { img: r.querySelectorAll('img').length, svg: r.querySelectorAll('svg').length, b: r.querySelectorAll('b, script').length };
      }, key.id);
      assert.deepEqual(inside, { img: 0, svg: 0, b: 0 }, 'no element may be created from the name inside the row');
    }
    const rowB = await app.waitForRow(flagName);
    assert.ok(rowB.text.includes(tag), `the owner and tag should be shown literally in the row: ${JSON.stringify(rowB.text)}`);
    const header = await app.browser.execute(
      (purpose) =>
        [...document.querySelectorAll('[data-testid="purpose-group"]')]
          .filter((h) => h.dataset.purpose === purpose)
          .map((h) => ({ text: h.querySelector('.purpose-name')?.textContent, elements: h.querySelectorAll('svg, b').length })),
      purpose,
    );
    assert.deepEqual(header, [{ text: purpose, elements: 0 }], 'the purpose header should show the purpose literally, creating no element');

    await openDetail(app, flagName);
    assert.equal(await app.$('detail-name').getText(), flagName, 'the detail panel shows the name literally');
    await app.click('remove-key');
    await app.shown('confirm-remove');
    assert.equal(await app.$('confirm-remove-name').getText(), `“${flagName}”`, 'the confirmation shows the name literally');
    await app.click('confirm-remove-cancel');
    await closeDialogGone(app, 'confirm-remove', 'Cancel closes the confirmation');

    const state = await app.browser.execute(() => ({
      xss: typeof window.__xss === 'undefined' ? 'undefined' : String(window.__xss),
      injected: document.querySelectorAll('img[src="x"], [onerror], [onload], script:not([src])').length,
    }));
    assert.equal(state.xss, 'undefined', 'window.__xss must stay undefined: no handler from a name ran');
    assert.equal(state.injected, 0, 'the document must hold no element created from a name');
    const alertText = await app.browser.getAlertText().then((t) => t, () => null);
    assert.equal(alertText, null, 'no alert() may have run');
  });
});

test('9. keychain unavailable: a plain-words banner, adding disabled, inventory still listed', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('no-keychain');
  // Seeded while the keychain works; the window then starts on a bus without a Secret Service.
  seedKey(dataDir, { value: canary.postnomic(), name: 'Listed anyway', env: 'prod', purpose: 'read blog content' });

  await withApp('keychain unavailable', { dataDir, bus: NO_KEYCHAIN_BUS }, async (app) => {
    const banner = await app.shown('keychain-banner', 10_000, 'with no Secret Service on the bus the window must say so');
    assert.equal(await banner.getAttribute('data-state'), 'unavailable', 'the banner state should be "unavailable"');
    const text = await banner.getText();
    const title = await banner.$('strong').getText();
    assert.equal(title.trim(), 'No system keychain available.', `the banner should open with a plain sentence saying what is wrong: "${text}"`);
    const fix = await banner.$('.fix').getText().catch(() => '');
    assert.match(fix, /Secret Service|keyring|keychain/i, `the banner should say how to fix it, naming what to start: "${text}"`);
    assert.doesNotMatch(fix, /PlatformFailure|Dbus\(|org\.freedesktop\.DBus\.Error/, `the fix should be in plain words: "${fix}"`);
    assert.doesNotMatch(text, /PlatformFailure|Dbus\(/, `the banner should not show a Rust debug dump: "${text}"`);
    assert.match(text, /Adding and importing keys are off/, 'the banner should say what is disabled');
    assert.equal(await app.$('add-key').isEnabled(), false, 'Add key must be disabled without a keychain');
    assert.equal(await app.$('import').isEnabled(), false, 'Import must be disabled without a keychain');
    await app.waitForRow('Listed anyway');
    app.screenshot('06-keychain-banner.png');

    // "Check again" keeps saying the same while nothing changed.
    await app.click('keychain-retry');
    await app.browser.waitUntil(async () => await app.$('keychain-retry').isEnabled(), { timeout: 10_000, timeoutMsg: 'Check again should finish' });
    assert.ok(await app.$('keychain-banner').isDisplayed(), 'the banner stays while the keychain is still unavailable');
  });
});

test('10. IPC canary: no backend response, page, data file or log ever holds a secret value', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('canary');
  const seeded = canary.postnomic();
  seedKey(dataDir, { value: seeded, name: 'Seeded by the CLI', env: 'dev', purpose: 'read blog content' });
  const typed = canary.posthogPersonal();
  const imported = [canary.postman(), canary.posthogProject()];
  const envFile = writeInputFile('.env.production', `POSTMAN_KEY=${imported[0]}\nPOSTHOG_KEY=${imported[1]}\n`);
  const mine = [seeded, typed, ...imported];

  const app = await withApp('canary sweep', { dataDir, env: [`KEYWARD_DIALOG_ANSWER=${envFile}`] }, async (app) => {
    const baseline = (await app.collect()).responses.length; // the start-up sweep's answers
    // Every path a value takes: typed into the add dialog, detected, stored, imported, copied.
    await app.click('new-key'); // the one New key entry (issue 16): its first way
    await app.click('add-key');
    await app.type('add-secret', typed);
    await app.shown('detected-provider');
    await app.type('add-name', 'Typed in the window');
    await app.type('add-purpose', 'query insights');
    await app.click('add-submit');
    await closeDialogGone(app, 'add-dialog', 'the key was added');
    await assertPageClean(app, 'after adding a key');

    await app.click('import');
    await app.click('import-browse');
    await app.shown('import-preview');
    await app.click('import-commit');
    await closeDialogGone(app, 'import-dialog', 'the import was committed');
    await waitForCount(app, 4, 4);

    await openDetail(app, 'Typed in the window');
    await app.click('copy-key');
    await app.shown('copy-toast');
    await assertPageClean(app, 'after copying');

    const afterUi = (await app.collect()).responses;
    assert.ok(afterUi.length > baseline + 5, `the recorder should see the window's own IPC answers (${afterUi.length - baseline} while adding, importing, copying)`);
    assert.ok(afterUi.slice(baseline).some((r) => r.includes('Typed in the window')), 'the recorder should have seen key_add\'s answer');

    // Ask the backend directly through the page's IPC (recorded like the UI's own calls).
    // Hole 4/5 (issue 13): the backend takes no value to detect and reads no path the page names.
    for (const value of mine) {
      const detected = await app.invoke('key_detect', { value });
      assert.ok(!detected.ok, `key_detect must refuse a value (${value.slice(0, 5)}…)`);
    }
    const byPath = await app.invoke('import_preview', { path: envFile, options: { environment: null, provider: null, purpose: null } });
    assert.ok(!byPath.ok, 'import_preview must refuse a path the page names');
    const opened = await app.invoke('plugin:opener|open_url', { url: 'https://exfil.invalid/', with: null });
    assert.ok(!opened.ok, 'the page may not open a URL of its choosing');
    await app.invoke('providers_list');
    const keys = await app.sweep(); // also keys_list, key_show for each key, audit_list, settings
    assert.equal(keys.length, 4, 'the sweep should see all four keys');
    for (const k of keys) assert.ok(k.masked_hint && k.masked_hint.length <= 12, `a key's masked hint stays short: ${k.masked_hint}`);
  });

  // This session, in detail.
  const { responses, raw } = app.recording;
  assert.ok(responses.length >= 15, `the recorder should have seen every answer of the sweep, saw ${responses.length}`);
  assert.ok(raw.length > 0, 'the raw IPC bodies (fetch on ipc://) should have been recorded too');
  assert.ok(responses.some((r) => r.includes('"masked_hint"')), 'the recording should hold key DTOs (so the check looked at real answers)');
  assert.deepEqual(findCanaries({ 'an IPC response': responses.join('\n'), 'a raw IPC body': raw.join('\n') }, mine), [], 'no IPC response may carry a secret');

  // The whole suite: every session's responses, every data dir, the app's log.
  assert.ok(canaries.size >= mine.length, 'the canary list should hold every value used');
  assertSuiteClean();
});

test('11. provider APIs: connect, import, verify all', { timeout: TIMEOUT }, async () => {
  // The simulator's seed (fixtures/sim-seed.json; every value in it is a canary): a Postmark
  // account with two servers, a live Postman key and one the simulator has revoked.
  const account = simSeed.postmark.account_tokens[0].value;
  const servers = simSeed.postmark.servers.map((s) => ({ name: s.Name, token: s.ApiTokens[0] }));
  const pmLive = simSeed.postman.keys.find((k) => k.status === 'active');
  const pmRevoked = simSeed.postman.keys.find((k) => k.status === 'revoked');
  assert.ok(account && servers.length === 2 && pmLive && pmRevoked, 'the seed should hold an account token, 2 servers, a live and a revoked Postman key');
  await simControl('POST', 'reset'); // back to the seed, whatever ran before

  // The Postman keys through the CLI, linked to a connection without an admin key.
  const dataDir = newDataDir('providers');
  cli(dataDir, ['connect', 'postman', '--name', 'pmn', '--base-url', `${SIM}/postman`, '--no-admin-key']);
  const live = seedKey(dataDir, { value: pmLive.value, name: 'Collection runs', env: 'dev', purpose: 'run API tests', connection: 'pmn' });
  const revoked = seedKey(dataDir, { value: pmRevoked.value, name: 'Old laptop runner', env: 'dev', purpose: 'run API tests', connection: 'pmn' });
  const connectionRow = (name) => `${tid('connection-row')}[data-connection-name="${name}"]`;
  const keyRow = (id) => `${tid('key-row')}[data-key-id="${id}"]`;

  await withApp('provider APIs', { dataDir }, async (app) => {
    await waitForCount(app, 2, 2);

    // --- the Providers view: the CLI's connection is listed; add Postmark in the window ---
    await app.click('providers');
    await app.shown('providers-dialog', 5_000, 'the Providers button should open the Providers view');
    await app.browser.$(connectionRow('pmn')).waitForDisplayed({ timeout: 10_000, timeoutMsg: 'the connection made with the CLI ("pmn") should be listed' });
    await app.click('connection-add');
    await app.shown('connection-form', 5_000, 'Add connection should open the form');
    await (await app.shown('connection-provider')).selectByAttribute('value', 'postmark');
    await app.browser.waitUntil(async () => (await app.$('connection-provider').getValue()) === 'postmark', {
      timeout: 3_000,
      timeoutMsg: 'the provider field should hold Postmark after choosing it',
    });
    await app.retype('connection-name', 'pmk');
    await app.type('connection-base-url', `${SIM}/postmark`);
    const secretField = await app.type('connection-admin-secret', account);
    assert.equal(await secretField.getAttribute('type'), 'password', 'the admin key field should mask what is typed');
    assert.equal(await app.$('connection-test-first').isSelected(), true, 'checking the admin key before saving should be on by default');
    await app.click('connection-submit');
    const row = app.browser.$(connectionRow('pmk'));
    await row.waitForDisplayed({ timeout: 15_000, timeoutMsg: `submitting should list the connection "pmk"; form error: ${await app.$('connection-form').getText().catch(() => '(form gone)')}` });
    await app.$('connection-form').waitForExist({ reverse: true, timeout: 5_000, timeoutMsg: 'the form should close once the connection is added' });
    assert.equal(await row.getAttribute('data-provider'), 'postmark', 'the new connection is a Postmark one');
    const url = row.$(tid('connection-url'));
    assert.ok(await url.isDisplayed(), 'the row should show its base URL');
    assert.equal((await url.getProperty('textContent')).trim(), `${SIM}/postmark`, 'the row should show the simulator base URL');
    assert.equal(await row.$(tid('connection-admin')).getAttribute('data-admin'), 'yes', 'the connection should have an admin key');
    assert.equal(await app.browser.$(connectionRow('pmn')).$(tid('connection-admin')).getAttribute('data-admin'), 'no', 'the CLI connection has no admin key');
    await assertPageClean(app, 'after adding the Postmark connection');

    // Test: the account token is valid.
    await row.$(tid('connection-test')).click();
    const result = row.$(tid('connection-test-result'));
    await result.waitForDisplayed({ timeout: 15_000, timeoutMsg: 'Test should show the outcome of checking the admin key' });
    const outcome = await result.getAttribute('data-outcome');
    assert.equal(outcome, 'valid', `the account token should test valid: ${await result.getText()}`);
    await assertPageClean(app, 'after testing the connection');
    app.screenshot('07-providers.png');

    // --- Import keys: a masked preview, then the commit ---
    await row.$(tid('connection-sync')).click();
    await app.shown('sync-dialog', 5_000, 'Import keys should open the import dialog');
    const preview = await app.shown('sync-preview', 15_000, 'the import dialog should list what the Postmark account holds');
    assert.equal(await preview.getAttribute('data-rows'), String(servers.length), 'one preview row per server token');
    const listed = await app.browser.execute(() =>
      [...document.querySelectorAll('[data-testid="sync-row"]')].map((tr) => ({
        name: tr.querySelector('td.name')?.innerText.trim(),
        hint: tr.querySelector('[data-testid="sync-hint"]')?.innerText.trim(),
        hasValue: tr.querySelector('[data-testid="sync-value"]')?.dataset.hasValue,
        checked: tr.querySelector('[data-testid="sync-check"]')?.checked,
      })),
    );
    assert.deepEqual(listed.map((r) => r.name).sort(), servers.map((s) => s.name).sort(), 'the preview should name each server');
    for (const r of listed) {
      assert.ok(r.hint && r.hint.length <= 12 && r.hint.includes('…'), `a server token must be shown masked, is "${r.hint}"`);
      assert.equal(r.hasValue, 'true', `"${r.name}": Postmark hands the value over`);
      assert.equal(r.checked, true, `"${r.name}": a new key is chosen by default`);
    }
    const previewHtml = await preview.getHTML();
    assert.deepEqual(findCanaries({ 'the sync preview (text)': await preview.getText(), 'the sync preview (HTML)': previewHtml }), [], 'the preview must not show a token');
    await assertPageClean(app, 'in the sync preview');
    app.screenshot('08-sync-preview.png');
    await app.click('sync-commit');
    await closeDialogGone(app, 'sync-dialog', 'the import was committed');
    await waitForCount(app, 5, 5); // 2 Postman keys, the admin key, 2 server tokens

    const imported = [];
    for (const s of servers) {
      const r = await app.waitForRow(s.name);
      imported.push({ ...r, token: s.token });
    }
    for (const r of imported) {
      assert.equal(keychainLookup(r.id), r.token, `secret-tool should find the server token of "${r.name}" in the keychain under the key's id`);
    }
    const pmk = listConnections(dataDir).find((c) => c.name === 'pmk');
    assert.ok(pmk?.admin_key_id, 'the CLI should list the connection added in the window, with its admin key');
    assert.equal(keychainLookup(pmk.admin_key_id), account, "the account token should be in the keychain under the admin key's id");
    const stored = listKeys(dataDir);
    for (const r of imported) {
      const k = stored.find((x) => x.id === r.id);
      assert.deepEqual([k?.provider, k?.kind, k?.connection_id], ['postmark', 'server_token', pmk.id], `"${r.name}" is a Postmark server token of "pmk"`);
    }
    await assertPageClean(app, 'after importing');

    // --- Verify all: progress to the end, the revoked Postman key flagged ---
    await simControl('DELETE', 'requests');
    await app.click('verify-all');
    const progress = await app.shown('verify-progress', 5_000, 'Verify all should show its progress');
    await app.browser
      .waitUntil(async () => (await progress.getAttribute('data-phase')) === 'done', { timeout: 30_000 })
      .catch(async () => {
        throw new Error(`Verify all should finish: ${await progress.getText()}`);
      });
    const [done, total] = [await progress.getAttribute('data-done'), await progress.getAttribute('data-total')];
    assert.equal(total, '5', 'every key in the inventory should be verified (none is revoked in Keyward)');
    assert.equal(done, total, `the progress should reach done = total (${done} / ${total})`);
    assert.match(await app.$('verify-count').getText(), /^5 \/ 5$/, 'the count should read "5 / 5"');
    const outcomes = Object.fromEntries(
      await app.browser.execute(() => [...document.querySelectorAll('[data-testid="verify-result"]')].map((li) => [li.dataset.keyId, li.dataset.outcome])),
    );
    const expected = Object.fromEntries([[live.id, 'valid'], [revoked.id, 'invalid'], [pmk.admin_key_id, 'valid'], ...imported.map((r) => [r.id, 'valid'])]);
    assert.deepEqual(outcomes, expected, 'per-key outcomes: the revoked Postman key invalid, every other key valid');
    const count = async (o) => Number(await app.browser.$(`${tid('verify-summary-count')}[data-outcome="${o}"]`).getAttribute('data-count'));
    assert.deepEqual([await count('valid'), await count('invalid')], [4, 1], 'the summary should count 4 valid and 1 invalid');
    await assertPageClean(app, 'after Verify all');
    app.screenshot('09-verify-all.png');

    // Every call went to the simulator: Postman's /me per Postman key, Postmark's /server per server token.
    const routes = (await simControl('GET', 'requests')).routes;
    assert.ok((routes['GET /postman/me'] ?? 0) >= 2, `the simulator should have been asked about both Postman keys: ${JSON.stringify(routes)}`);
    assert.ok((routes['GET /postmark/server'] ?? 0) >= 2, `the simulator should have been asked about both server tokens: ${JSON.stringify(routes)}`);

    await app.click('verify-close');
    await closeDialogGone(app, 'verify-dialog', 'Close after the run');
    await app.browser
      .waitUntil(async () => (await app.browser.$(`${keyRow(revoked.id)} ${tid('verify-badge')}`).isExisting()), { timeout: 5_000 })
      .catch(() => {
        throw new Error('the revoked Postman key\'s row should carry a verify badge after Verify all');
      });
    assert.equal(await app.browser.$(`${keyRow(revoked.id)} ${tid('verify-badge')}`).getAttribute('data-outcome'), 'invalid', 'the badge should say invalid');
    assert.ok(await app.browser.$(`${keyRow(revoked.id)} ${tid('verify-badge')}`).isDisplayed(), 'the invalid badge should be visible');
    for (const id of [live.id, pmk.admin_key_id, ...imported.map((r) => r.id)]) {
      assert.equal(await app.browser.$(`${keyRow(id)} ${tid('verify-badge')}`).isExisting(), false, `a valid key's row carries no verify badge (${id})`);
    }
    app.screenshot('09b-invalid-flagged.png');
    const after = Object.fromEntries(listKeys(dataDir).map((k) => [k.id, k.verify_outcome]));
    assert.deepEqual(after, expected, 'the outcomes should be stored on the keys (as the CLI lists them)');
  });

  assertSuiteClean();
});
