// Issue 14 (memory at 10,000 keys), in the real window: the list holds compact rows.
// - `keys_page` and `keys_stream` send only what the list renders, sorts, filters, searches and
//   groups by (findings as their codes), not the whole key (no env var, connection, scopes,
//   fingerprint, no finding text);
// - the detail panel and the wizards read the whole key (`key_show`, `key_get`) when they open:
//   a key from the stream's last chunk opens with its connection and env var, and rotates.
// Before this change every row was the whole key (~3× the JSON), and the detail panel rendered
// the list's copy. Run via tests/e2e/run.sh (--test-name-pattern='compact row').

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { APP_LOG, appLogSince, appLogSize, assertPageClean, canaries, cli, copyKeyRows, keychainLookup, newDataDir, openDetail, secretPart, simControl, simSeed, SIM, seedKey, tid, withApp } from './lib/harness.mjs';

const TIMEOUT = 300_000;
/** Three chunks of `keys_stream` (1,000 keys each). */
const KEYS = 2_600;
const NAME = 'zz last chunk mailer';


/**
 * A SendGrid key (value in the keychain, linked to a connection to the simulator) named to come
 * last in the list's order (prod, then by name), so the stream sends it in its last chunk; then
 * copies of its row in `dev` up to `KEYS` (new ids and names, no value), as
 * scripts/bench-desktop.sh makes its large sets.
 */
function seed(dataDir) {
  cli(dataDir, ['connect', 'sendgrid', '--name', 'sg', '--base-url', `${SIM}/sendgrid/v3`], simSeed.sendgrid.keys[0].value);
  const key = seedKey(dataDir, { value: simSeed.sendgrid.keys[1].value, name: NAME, env: 'prod', purpose: 'send email', connection: 'sg' });
  copyKeyRows(join(dataDir, 'keyward.db'), {
    total: KEYS,
    from: `keys.id = '${key.id}'`,
    set: { name: "'copy ' || printf('%05d', c.n)", environment: "'dev'" },
  });
  return key;
}

/**
 * The list answers the window got (the first page, as rows, and every chunk, in columns):
 * `{offset, ids, fields, findings}`: the keys' ids, the field names each row (or the chunk's
 * columns) has, and the findings sent.
 */
function listAnswers(responses) {
  const out = [];
  for (const text of responses) {
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      continue;
    }
    const body = data?.message ?? data;
    if (!body || typeof body !== 'object' || !('total' in body) || !('offset' in body)) continue;
    if (Array.isArray(body.keys)) {
      out.push({ offset: body.offset, ids: body.keys.map((k) => k.id), fields: body.keys.map((k) => Object.keys(k)), findings: body.keys.flatMap((k) => k.findings) });
    } else if (body.columns && Array.isArray(body.columns.id)) {
      out.push({ offset: body.offset, ids: body.columns.id, fields: [Object.keys(body.columns)], findings: body.findings });
    }
  }
  return out;
}

test('issue 14 compact row: the list gets compact rows; a key of the last chunk opens whole and rotates', { timeout: TIMEOUT }, async () => {
  assert.ok(APP_LOG, 'run.sh passes the app log (KEYWARD_E2E_APP_LOG)');
  await simControl('POST', 'reset');
  await simControl('DELETE', 'faults');
  const dataDir = newDataDir('compactrow');
  const key = seed(dataDir);
  const logStart = appLogSize();
  await withApp('issue 14 compact row', { dataDir, env: ['KEYWARD_LOG=info'] }, async (app) => {
    await app.browser.waitUntil(() => appLogSince(logStart).includes(`whole list: ${KEYS} keys in 3 chunks`), {
      timeout: 120_000,
      timeoutMsg: `the whole list did not come in chunks:\n${appLogSince(logStart).slice(0, 4000)}`,
    });
    await app.browser.waitUntil(async () => Number(await app.$('key-count').getAttribute('data-total')) === KEYS, {
      timeout: 30_000,
      timeoutMsg: 'the list should hold every key',
    });

    // The IPC recorder is installed once the list shows, and the start-up stream may be over
    // by then (it was, without JIT): a Refresh streams the whole list again, recorded.
    await app.click('refresh');
    let answers = [];
    await app.browser.waitUntil(
      async () => {
        answers = listAnswers((await app.collect()).responses);
        return answers.filter((a) => a.fields.length === 1).reduce((n, a) => n + a.ids.length, 0) >= KEYS;
      },
      { timeout: 60_000, timeoutMsg: 'the recorder should see every chunk of the refreshed list' },
    );

    // What the list was sent: rows, not whole keys, and the mailer in the last chunk.
    const ids = answers.flatMap((a) => a.ids);
    assert.ok(ids.length >= KEYS, `the recorder saw every chunk (${ids.length} rows)`);
    assert.ok(answers.some((a) => a.fields.length === 1 && a.offset > 0), 'the chunks came in columns');
    for (const fields of answers.flatMap((a) => a.fields)) {
      for (const field of ['env_var', 'connection_id', 'scopes', 'fingerprint', 'remote_id', 'updated_at', 'usage']) {
        assert.ok(!fields.includes(field), `a list row carries ${field}: ${fields.join(', ')}`);
      }
    }
    for (const f of answers.flatMap((a) => a.findings)) assert.ok(!('message' in f) && !('advice' in f), `a row's finding carries its text: ${JSON.stringify(f)}`);
    const last = answers.filter((a) => a.offset >= 2_000);
    assert.ok(last.some((a) => a.ids.includes(key.id)), 'the mailer came in the last chunk');

    // The detail shows the whole key: its connection and env var are not in the row.
    await app.retype('search', NAME);
    await openDetail(app, NAME);
    await app.browser.waitUntil(async () => (await app.$('detail-connection').getText()) === 'sg', {
      timeout: 10_000,
      timeoutMsg: 'the detail shows the key’s connection (from the whole key)',
    });
    assert.equal(await app.$('detail-env-var').getText(), key.env_var, 'the detail shows the key’s env var (from the whole key)');
    app.screenshot('compactrow-01-detail-from-last-chunk.png');

    // And it rotates: SendGrid by create + revoke, with a grace period.
    await app.click('rotate-key');
    await app.shown('rotate-wizard');
    const plan = app.browser.$(`${tid('rotate-plan-row')}[data-key-id="${key.id}"]`);
    await plan.waitForDisplayed({ timeout: 10_000, timeoutMsg: 'the plan lists the key' });
    const grace = await app.shown('rotate-grace');
    await grace.selectByAttribute('value', '3600');
    await app.browser.waitUntil(async () => (await plan.getAttribute('data-flavour')) === 'create_revoke', { timeout: 5_000, timeoutMsg: 'SendGrid rotates by create + revoke' });
    await app.click('rotate-start');
    const run = await app.shown('rotate-run', 10_000, 'starting the rotation should show the live steps');
    await app.browser.waitUntil(async () => (await run.getAttribute('data-phase')) !== 'running', { timeout: 30_000, timeoutMsg: 'the rotation run should end' });
    const state = await app.browser.$(`${tid('rotate-result')}[data-key-id="${key.id}"]`).getAttribute('data-state');
    assert.equal(state, 'promoted', 'the new key is current, the old one in its grace period');
    const now = keychainLookup(key.id)?.replace(/\n$/, '');
    assert.ok(now && now !== simSeed.sendgrid.keys[1].value, 'the keychain holds the new value');
    canaries.add(secretPart(now));
    await app.click('rotate-close');
    await assertPageClean(app, 'after rotating a key of the last chunk');
  });
});
