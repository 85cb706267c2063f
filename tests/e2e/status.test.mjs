// Issue 16, points 2, 3 and 7 in the real window (WebDriver, real keychain, the simulator):
// - one state per key: a token Cloudflare reports disabled shows "Disabled" after Verify, an
//   expired one "Expired" — never "Active" beside a badge;
// - a connect whose keychain stalls (the throwaway gnome-keyring stopped with SIGSTOP for longer
//   than a D-Bus call's 2 s timeout) says the keychain was slow — not "no keychain" — and leaves
//   no keychain entry, no key and no connection; the retry then works;
// - Link / Unlink in a key's detail, without the command line;
// - the sync preview proposes each row's environment from its name ("Acme Staging" -> staging).
// Run via tests/e2e/run.sh (--test-name-pattern='issue 16').

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  KEYCHAIN_BUS,
  SERVICE,
  SIM,
  assertPageClean,
  cli,
  keychainLookup,
  listConnections,
  listKeys,
  newDataDir,
  openDetail,
  seedKey,
  simControl,
  simSeed,
  sleep,
  tid,
  withApp,
} from './lib/harness.mjs';

const TIMEOUT = 180_000;
const CF = `${SIM}/cloudflare/client/v4`;
const cfAdmin = simSeed.cloudflare.tokens[0].value;
const cfDns = simSeed.cloudflare.tokens.find((t) => t.name === 'E2E DNS edit prod');

function connect(dataDir, provider, name, admin) {
  const base = { cloudflare: '/cloudflare/client/v4', postmark: '/postmark' }[provider];
  cli(dataDir, ['connect', provider, '--name', name, '--base-url', `${SIM}${base}`], admin);
}

/** Calls the simulator's Cloudflare API as its admin token (what a user does in the dashboard). */
async function cloudflare(method, path, body) {
  const response = await fetch(`${CF}${path}`, {
    method,
    headers: { authorization: `Bearer ${cfAdmin}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const json = await response.json();
  assert.ok(response.ok && json.success, `Cloudflare ${method} ${path}: ${response.status} ${JSON.stringify(json.errors)}`);
  return json.result;
}

/** The state pills inside the element `selector` matches: [{state, text}]. */
function pills(app, selector) {
  return app.browser.execute(
    (sel) =>
      [...(document.querySelector(sel)?.querySelectorAll('[data-testid="key-state"]') ?? [])].map((p) => ({
        state: p.getAttribute('data-status'),
        text: p.textContent.trim(),
      })),
    selector,
  );
}

async function verifyAndWaitForState(app, keyId, state, label) {
  await app.click('verify-key');
  const detail = tid('key-detail');
  let last = [];
  await app.browser
    .waitUntil(async () => (last = await pills(app, detail)).some((p) => p.state === state), { timeout: 15_000 })
    .catch(() => assert.fail(`after Verify the detail should show "${label}"; it shows ${JSON.stringify(last)}`));
  assert.deepEqual(await pills(app, detail), [{ state, text: label }], 'the detail shows one state, the provider\'s');
  const row = `${tid('key-row')}[data-key-id="${keyId}"]`;
  await app.browser
    .waitUntil(async () => (last = await pills(app, row)).some((p) => p.state === state), { timeout: 5_000 })
    .catch(() => assert.fail(`the row should show "${label}" too; it shows ${JSON.stringify(last)}`));
  assert.deepEqual(await pills(app, row), [{ state, text: label }], 'the row shows one state, not "Active" beside a badge');
}

test('issue 16: a disabled token shows Disabled, an expired one Expired — one state per key', { timeout: TIMEOUT }, async () => {
  await simControl('POST', 'reset');
  const dataDir = newDataDir('status-disabled');
  connect(dataDir, 'cloudflare', 'cf', cfAdmin);
  const key = seedKey(dataDir, { value: cfDns.value, name: 'DNS edit', env: 'prod', purpose: 'DNS updates', connection: 'cf' });
  try {
    // The user pauses the token in Cloudflare's dashboard.
    await cloudflare('PUT', `/user/tokens/${cfDns.id}`, { name: cfDns.name, status: 'disabled' });
    await withApp('issue 16 state', { dataDir }, async (app) => {
      await openDetail(app, 'DNS edit');
      await verifyAndWaitForState(app, key.id, 'disabled', 'Disabled');
      app.screenshot('16-status-disabled.png');
      // Active again, but past its expiry date.
      await cloudflare('PUT', `/user/tokens/${cfDns.id}`, { name: cfDns.name, status: 'active', expires_on: '2020-01-01T00:00:00Z' });
      await verifyAndWaitForState(app, key.id, 'expired', 'Expired');
      await assertPageClean(app, 'after verifying the expired token');
    });
    // The CLI agrees: one state, in its table and its JSON.
    const listed = listKeys(dataDir).find((k) => k.id === key.id);
    assert.equal(listed.state, 'expired', 'keyward list --format json carries the state');
    assert.match(cli(dataDir, ['list']), /DNS edit.*expired/, 'keyward list shows the state');
  } finally {
    await simControl('POST', 'reset');
  }
});

/** The PID of the throwaway gnome-keyring-daemon serving KEYCHAIN_BUS (run.sh started it). */
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

/** Every item Keyward's service holds in the throwaway keychain, as D-Bus object paths.
 *  `SearchItems` matches on attributes and decrypts nothing, so it stays fast however many keys
 *  the earlier tests left there (`secret-tool search` reads every secret and timed out on them). */
function keychainItems() {
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: KEYCHAIN_BUS };
  delete env.DISPLAY;
  const r = spawnSync(
    'dbus-send',
    ['--session', '--print-reply', '--reply-timeout=10000', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets',
      'org.freedesktop.Secret.Service.SearchItems', `dict:string:string:service,${SERVICE}`],
    { env, encoding: 'utf8', timeout: 20_000 },
  );
  if (r.status !== 0) throw new Error(`dbus-send SearchItems failed (${r.status ?? r.signal}): ${r.stderr}`);
  return [...r.stdout.matchAll(/object path "([^"]+)"/g)].map((m) => m[1]).sort();
}

/** An item's attributes as dbus-send prints them (for a failure's message). */
function itemAttributes(path) {
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: KEYCHAIN_BUS };
  delete env.DISPLAY;
  const r = spawnSync(
    'dbus-send',
    ['--session', '--print-reply', '--dest=org.freedesktop.secrets', path, 'org.freedesktop.DBus.Properties.Get',
      'string:org.freedesktop.Secret.Item', 'string:Attributes'],
    { env, encoding: 'utf8', timeout: 10_000 },
  );
  return [...r.stdout.matchAll(/string "([^"]*)"\s+string "([^"]*)"/g)].map((m) => `${m[1]}=${m[2]}`).join(' ');
}

test('issue 16: a connect whose keychain stalls says so truthfully and leaves nothing behind', { timeout: TIMEOUT }, async () => {
  await simControl('POST', 'reset');
  const account = simSeed.postmark.account_tokens[0].value;
  const dataDir = newDataDir('status-keychain-stall');
  const pid = keyringPid();
  await withApp('issue 16 keychain stall', { dataDir }, async (app) => {
    await app.click('providers');
    await app.shown('providers-dialog', 5_000, 'the Providers button should open the Providers view');
    await app.click('connection-add');
    await app.shown('connection-form', 5_000, 'Add connection should open the form');
    await (await app.shown('connection-provider')).selectByAttribute('value', 'postmark');
    await app.browser.waitUntil(async () => (await app.$('connection-provider').getValue()) === 'postmark', { timeout: 3_000 });
    await app.retype('connection-name', 'pm-stall');
    await app.type('connection-base-url', `${SIM}/postmark`);
    await app.type('connection-admin-secret', account);
    const before = keychainItems();
    // The keychain stops answering (a busy or still-opening gnome-keyring) for longer than
    // every D-Bus call's 2 s timeout and Keyward's retries.
    process.kill(pid, 'SIGSTOP');
    let error;
    try {
      await app.click('connection-submit');
      error = await app.shown('connection-error', 40_000, 'a connect the keychain did not answer should fail with a message');
      await app.browser.waitUntil(async () => (await app.$('connection-submit').isEnabled()), { timeout: 30_000, timeoutMsg: 'the form should settle' });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const text = await error.getText();
    assert.doesNotMatch(text, /No system keychain is reachable/, 'a slow keychain is not "no keychain"');
    assert.match(text, /too slow to answer/, `the message should say the keychain was slow: ${text}`);
    app.screenshot('16-keychain-stall.png');
    // Whatever the stopped daemon had queued has run by now.
    await sleep(3_000);
    const left = keychainItems().filter((item) => !before.includes(item));
    assert.deepEqual(left.map((item) => `${item} (${itemAttributes(item)})`), [], 'no keychain entry was left behind');
    assert.deepEqual(listConnections(dataDir), [], 'no connection was saved');
    assert.deepEqual(listKeys(dataDir), [], 'no admin key record was saved');
    // (`keyward doctor`'s orphan count is checked by the CLI test: this keychain is shared by
    // every e2e test's data dir, so its entries are compared directly here.)
    // Retrying with the keychain back works.
    await app.click('connection-submit');
    await app.browser.$(`${tid('connection-row')}[data-connection-name="pm-stall"]`).waitForDisplayed({ timeout: 20_000, timeoutMsg: 'the retry should add the connection' });
    const admin = listKeys(dataDir);
    assert.equal(admin.length, 1, 'one admin key');
    // Keyward's own fingerprint key is made on the first key this keychain ever stores.
    const added = keychainItems()
      .filter((item) => !before.includes(item))
      .filter((item) => !itemAttributes(item).includes('username=keyward.fingerprint-key'));
    assert.equal(added.length, 1, `exactly one keychain entry was added: ${added.map((item) => `${item} (${itemAttributes(item)})`).join(', ')}`);
    assert.equal(keychainLookup(admin[0].id), account, 'and it holds the admin key');
    await assertPageClean(app, 'after the retried connect');
  });
});

test('issue 16: link and unlink a key added by hand, in its detail', { timeout: TIMEOUT }, async () => {
  await simControl('POST', 'reset');
  const dataDir = newDataDir('status-link');
  connect(dataDir, 'postmark', 'pm', simSeed.postmark.account_tokens[0].value);
  const server = simSeed.postmark.servers[0];
  const key = seedKey(dataDir, { value: server.ApiTokens[0], name: 'Mail by hand', env: 'prod', purpose: 'transactional email' });
  assert.equal(key.connection_id, null, 'added by hand: not linked');
  await withApp('issue 16 link', { dataDir }, async (app) => {
    await openDetail(app, 'Mail by hand');
    const section = await app.shown('key-link');
    assert.equal(await section.getAttribute('data-linked'), 'false');
    await app.click('link-key');
    await app.shown('link-candidates', 15_000, 'Link should list the keys the connection holds');
    const match = app.browser.$(`${tid('link-candidate')}[data-matches="true"]`);
    await match.waitForDisplayed({ timeout: 5_000, timeoutMsg: 'the key with the same value should be marked' });
    assert.equal(await match.$('input').isSelected(), true, 'the match is chosen already');
    const text = await section.getText();
    assert.doesNotMatch(text, /keyward /, 'the window never sends the user to the command line');
    await app.click('link-confirm');
    await app.browser.waitUntil(async () => (await app.$('key-link').getAttribute('data-linked')) === 'true', { timeout: 10_000, timeoutMsg: 'Link should link the key' });
    assert.equal((await app.$('link-connection').getText()).trim(), 'pm');
    let stored = listKeys(dataDir).find((k) => k.id === key.id);
    assert.ok(stored.connection_id, 'linked in the inventory');
    assert.ok(stored.remote_id, 'with the provider\'s id of the key');
    app.screenshot('16-linked.png');
    await app.click('unlink-key');
    await app.browser.waitUntil(async () => (await app.$('key-link').getAttribute('data-linked')) === 'false', { timeout: 10_000, timeoutMsg: 'Unlink should unlink the key' });
    stored = listKeys(dataDir).find((k) => k.id === key.id);
    assert.equal(stored.connection_id, null, 'unlinked in the inventory');
    assert.equal(stored.remote_id, null);
    await assertPageClean(app, 'after link and unlink');
  });
});

test('issue 16: the sync preview proposes each row\'s environment ("Acme Staging" -> staging)', { timeout: TIMEOUT }, async () => {
  await simControl('POST', 'reset');
  try {
    // A token the user named for staging, made in Cloudflare's dashboard.
    await cloudflare('POST', '/user/tokens', { name: 'Acme Staging', policies: cfDns.policies.map(({ id: _id, ...p }) => p) });
    const dataDir = newDataDir('status-sync-env');
    connect(dataDir, 'cloudflare', 'cf', cfAdmin);
    await withApp('issue 16 sync environments', { dataDir }, async (app) => {
      await app.click('providers');
      await app.shown('providers-dialog', 5_000);
      const row = app.browser.$(`${tid('connection-row')}[data-connection-name="cf"]`);
      await row.waitForDisplayed({ timeout: 10_000 });
      await row.$(tid('connection-sync')).click();
      await app.shown('sync-preview', 15_000, 'the import dialog should list what Cloudflare holds');
      const rows = await app.browser.execute(() =>
        [...document.querySelectorAll('[data-testid="sync-row"]')].map((r) => ({
          name: r.querySelector('.name')?.textContent?.trim(),
          env: r.querySelector('[data-testid="sync-row-environment"]')?.value ?? null,
        })),
      );
      const env = (name) => rows.find((r) => r.name === name)?.env;
      assert.equal(env('Acme Staging'), 'staging', `"Acme Staging" should be proposed for staging: ${JSON.stringify(rows)}`);
      assert.equal(env('E2E DNS edit prod'), 'prod');
      app.screenshot('16-sync-environments.png');
      await app.click('sync-commit');
      await app.$('sync-dialog').waitForExist({ reverse: true, timeout: 15_000, timeoutMsg: 'the import should finish' });
    });
    const keys = listKeys(dataDir);
    assert.equal(keys.find((k) => k.name === 'Acme Staging')?.environment, 'staging', 'filed under staging, not prod');
    assert.equal(keys.find((k) => k.name === 'E2E DNS edit prod')?.environment, 'prod');
  } finally {
    await simControl('POST', 'reset');
  }
});
