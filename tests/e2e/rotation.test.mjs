// Create / rotate / revoke in the real window (Xvfb, tauri-driver), against provider-sim and the
// throwaway gnome-keyring. Each test: a fresh data dir, connections made with the CLI, then the
// wizards driven like a user would. After each, the keychain (secret-tool) and the simulator's
// state must agree with what the window said; the IPC recorder proves no key value crossed IPC
// except the one "Show once" answer.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  APP_LOG,
  SIM,
  SIM_LOG,
  TMP,
  canaries,
  cli,
  findCanaries,
  findCanariesInFiles,
  keychainLookup,
  listKeys,
  newDataDir,
  recorded,
  secretPart,
  seedKey,
  simControl,
  simSeed,
  tid,
  withApp,
  openDetail,
} from './lib/harness.mjs';

const TIMEOUT = 180_000;

/** Every key the simulator holds now for a provider: [{id, name, value, status}]. */
async function simKeys(provider) {
  return (await simControl('GET', `keys?provider=${provider}`)).keys;
}

/** Registers every value the simulator holds now as a canary (new values appear as keys are made). */
async function registerSimValues(except = []) {
  for (const k of (await simControl('GET', 'keys')).keys) if (!except.includes(k.value)) canaries.add(secretPart(k.value));
}

function connect(dataDir, provider, name, { admin = null, project = null, probe = null } = {}) {
  const base = { posthog: '/posthog', cloudflare: '/cloudflare/client/v4', sendgrid: '/sendgrid/v3', postnomic: '/postnomic' }[provider];
  const args = ['connect', provider, '--name', name, '--base-url', `${SIM}${base}`];
  if (project) args.push('--project', project);
  if (probe) args.push('--probe-path', probe);
  if (!admin) args.push('--no-admin-key');
  cli(dataDir, args, admin ?? undefined);
}

function keychain(id) {
  const v = keychainLookup(id);
  return v === null ? null : v.replace(/\n$/, '');
}

async function select(app, testid, value) {
  const el = await app.shown(testid);
  await el.selectByAttribute('value', value);
  await app.browser.waitUntil(async () => (await el.getValue()) === value, { timeout: 3_000, timeoutMsg: `${testid} should select ${value}` });
}

/** Waits for the rotate wizard's run to end and returns {keyId: {phase, state}}. */
async function rotateResults(app, timeout = 30_000) {
  const run = await app.shown('rotate-run', 10_000, 'starting the rotation should show the live steps');
  await app.browser.waitUntil(async () => (await run.getAttribute('data-phase')) !== 'running', { timeout, timeoutMsg: 'the rotation run should end' });
  return app.browser.execute(() =>
    Object.fromEntries([...document.querySelectorAll('[data-testid="rotate-result"]')].map((r) => [r.dataset.keyId, { phase: r.dataset.phase, state: r.dataset.state, text: r.innerText }])),
  );
}

/** IPC responses (and raw bodies) of the session that contain `value`. */
function responsesWith(app, value) {
  const { responses, raw } = app.recording;
  return { responses: responses.filter((r) => r.includes(value)), raw: raw.filter((r) => r.includes(value)) };
}

test('R1. create through the PostHog API: least privilege proposed, copy once / show once, value only in the keychain', { timeout: TIMEOUT }, async () => {
  await simControl('POST', 'reset');
  await simControl('DELETE', 'faults');
  const dataDir = newDataDir('create-api');
  const admin = simSeed.posthog.personal_keys[0].value;
  connect(dataDir, 'posthog', 'ph', { admin, project: '1' });
  let created = null;
  let value = null;

  const app = await withApp('create api', { dataDir }, async (app) => {
    await app.click('new-key'); // the one New key entry (issue 16): its second way
    await app.click('create-key');
    await app.shown('create-wizard');
    const source = await app.shown('create-source');
    const options = await app.browser.execute((el) => [...el.options].map((o) => o.value), source);
    const api = options.find((o) => o.startsWith('connection:'));
    assert.ok(api, `the PostHog connection should be offered for API creation: ${options}`);
    await select(app, 'create-source', api);
    await select(app, 'create-purpose', 'evaluate_feature_flags');
    await select(app, 'create-environment', 'prod');
    const scopes = await app.browser.execute(() => [...document.querySelectorAll('[data-testid="create-scope"]')].map((e) => [e.dataset.scope, e.dataset.widened]));
    assert.deepEqual(scopes, [['feature_flag:read', 'no']], 'the least privilege for "evaluate feature flags" is proposed');
    await app.type('create-extra-scopes', 'endpoint:read');
    await app.shown('create-widened', 3_000, 'a scope beyond the purpose must be flagged as a widening');
    await app.type('create-name', 'Flags from the window');
    app.screenshot('rotation-01-create-wizard.png');
    await app.click('create-submit');
    const done = await app.shown('create-done', 20_000, 'creating through the API should end on the copy-once dialog');
    created = await done.getAttribute('data-key-id');
    assert.match(await app.$('create-done-widened').getText(), /endpoint:read/, 'the done dialog repeats the widening');

    const remote = (await simKeys('posthog')).find((k) => k.name.startsWith('Flags from the window'));
    assert.ok(remote, 'the simulator should hold the new phs_ key');
    value = remote.value;
    assert.equal(keychain(created), value, 'the new value is in the system keychain under the key id');

    // Copy: from the keychain, in Rust. Show once: the value appears, once.
    await app.click('reveal-copy');
    await app.shown('copy-toast', 5_000, 'Copy confirms with the countdown toast');
    let html = await app.browser.execute(() => document.documentElement.outerHTML);
    assert.ok(!html.includes(value), 'before "Show once" the value is nowhere in the page');
    await app.click('reveal-show');
    const shown = await app.shown('reveal-value', 5_000, 'Show once shows the value');
    assert.equal(await shown.getText(), value, 'Show once shows the created value');
    assert.equal(await app.$('reveal-show').isEnabled(), false, 'Show once works once');
    app.screenshot('rotation-02-create-reveal-once.png');
    await app.click('create-close');
    await app.$('create-wizard').waitForExist({ reverse: true, timeout: 5_000 });
    html = await app.browser.execute(() => document.documentElement.outerHTML);
    assert.ok(!html.includes(value), 'after closing the dialog the value is gone from the page');
  });
  // Over the whole session (every command, every streamed event, the end-of-session sweep of
  // every key and audit trail) exactly one IPC answer carried the new value: the reveal.
  const hits = responsesWith(app, value);
  assert.equal(hits.responses.length, 1, `exactly one IPC response (the reveal) carries the new value, saw ${hits.responses.length}`);
  assert.deepEqual(Object.keys(JSON.parse(hits.responses[0])), ['value'], 'that response is the RevealDto');
  assert.ok(hits.raw.every((r) => r.includes('key_reveal')), 'no other raw IPC body carries it');
  // From here on (data dirs, logs) the value must not appear anywhere.
  canaries.add(value);
  const trail = cli(dataDir, ['show', created, '--format', 'json']);
  assert.match(trail, /revealed/, 'the reveal is in the audit trail');
  assert.ok(!trail.includes(value), 'the CLI never prints it without --reveal');
});

test('R2. rotate each flavour: native roll (Cloudflare), create + revoke with grace (SendGrid), guided with paste (Postnomic)', { timeout: TIMEOUT }, async () => {
  await simControl('POST', 'reset');
  await simControl('DELETE', 'faults');
  const dataDir = newDataDir('rotate-flavours');
  connect(dataDir, 'cloudflare', 'cf', { admin: simSeed.cloudflare.tokens[0].value });
  cli(dataDir, ['sync', 'cf', '--env', 'prod']);
  connect(dataDir, 'sendgrid', 'sg', { admin: simSeed.sendgrid.keys[0].value });
  const sgOld = simSeed.sendgrid.keys[1];
  const mail = seedKey(dataDir, { value: sgOld.value, name: 'Transactional mail', env: 'prod', purpose: 'send email', connection: 'sg' });
  connect(dataDir, 'postnomic', 'pn', { probe: '/api/v1/posts' });
  const [pnOld, pnNew] = simSeed.postnomic.keys;
  const blog = seedKey(dataDir, { value: pnOld.value, name: 'Blog prod', env: 'prod', purpose: 'read blog content', connection: 'pn' });
  const dns = listKeys(dataDir).find((k) => k.name === 'E2E DNS edit prod');
  assert.ok(dns?.connection_id, 'the Cloudflare token is tracked (synced) and linked to its connection');
  const cfBefore = (await simKeys('cloudflare')).find((k) => k.name === 'E2E DNS edit prod').value;

  await withApp('rotate flavours', { dataDir }, async (app) => {
    // --- native roll ---
    await openDetail(app, 'E2E DNS edit prod');
    await app.click('rotate-key');
    await app.shown('rotate-wizard');
    const plan = app.browser.$(`${tid('rotate-plan-row')}[data-key-id="${dns.id}"]`);
    await plan.waitForDisplayed({ timeout: 10_000, timeoutMsg: 'the plan lists the key' });
    // prod defaults to a grace period (issue 16); "None" rolls it in place. Keyward tracks this
    // synced token without its value: the roll runs once that is accepted.
    await select(app, 'rotate-grace', '0');
    await app.browser.waitUntil(async () => (await plan.getAttribute('data-flavour')) === 'native_roll', { timeout: 5_000, timeoutMsg: 'without a grace period a Cloudflare token is rolled at the provider' });
    await app.click('rotate-accept');
    app.screenshot('rotation-03-rotate-plan.png');
    await app.click('rotate-start');
    const res = await rotateResults(app);
    assert.equal(res[dns.id]?.phase, 'done', `the roll should finish: ${JSON.stringify(res)}`);
    assert.deepEqual(
      await app.browser.execute(() => [...document.querySelectorAll('[data-testid="rotation-step"]')].map((s) => s.dataset.mark)),
      ['done', 'done', 'done', 'done', 'done', 'done'],
      'every step of the journal is ticked',
    );
    app.screenshot('rotation-04-rotate-done.png');
    const cfAfter = (await simKeys('cloudflare')).find((k) => k.name === 'E2E DNS edit prod').value;
    assert.notEqual(cfAfter, cfBefore, 'the simulator rolled the token');
    assert.equal(keychain(dns.id), cfAfter, 'the keychain holds the rolled value');
    await app.click('rotate-close');

    // --- create + revoke with a grace period ---
    await openDetail(app, 'Transactional mail');
    await app.click('rotate-key');
    await app.shown('rotate-plan-row');
    await select(app, 'rotate-grace', '3600');
    const sgPlan = app.browser.$(`${tid('rotate-plan-row')}[data-key-id="${mail.id}"]`);
    await app.browser.waitUntil(async () => (await sgPlan.getAttribute('data-flavour')) === 'create_revoke', { timeout: 5_000, timeoutMsg: 'SendGrid rotates by create + revoke' });
    await app.click('rotate-start');
    const sgRes = await rotateResults(app);
    assert.equal(sgRes[mail.id]?.state, 'promoted', `the new key is current, the old one in grace: ${JSON.stringify(sgRes)}`);
    assert.match(await app.$('rotate-revokes-in').getText(), /Old key revokes in (59 min|1 h)/, 'the wizard says when the old key goes');
    app.screenshot('rotation-05-rotate-grace.png');
    const sgNow = await simKeys('sendgrid');
    assert.ok(sgNow.some((k) => k.value === sgOld.value), 'during the grace period the old key still exists at the provider');
    const sgNew = sgNow.find((k) => k.name.startsWith('Transactional mail') || (k.value !== sgOld.value && k.value !== simSeed.sendgrid.keys[0].value));
    assert.ok(sgNew, 'a new SendGrid key was created');
    assert.equal(keychain(mail.id), sgNew.value, 'the keychain holds the new value as current');
    assert.equal(keychain(`${mail.id}.previous`), sgOld.value, 'the old value stays as previous during the grace period');
    await app.click('rotate-close');
    await app.shown('key-revokes-in', 5_000, 'the key detail shows the pending revocation');
    assert.match(await app.$('key-revokes-in').getText(), /Old key revokes in/);

    // --- guided, with paste ---
    await openDetail(app, 'Blog prod');
    await app.click('rotate-key');
    const pnPlan = app.browser.$(`${tid('rotate-plan-row')}[data-key-id="${blog.id}"]`);
    await pnPlan.waitForDisplayed({ timeout: 10_000 });
    assert.equal(await pnPlan.getAttribute('data-flavour'), 'guided', 'Postnomic keys are rotated in the dashboard');
    await app.click('rotate-start');
    const guided = await app.shown('rotate-guided', 15_000, 'a guided rotation asks for the new key');
    assert.equal(await guided.getAttribute('data-waiting'), 'paste');
    await app.type('rotate-secret', pnNew.value);
    app.screenshot('rotation-06-rotate-guided-paste.png');
    await app.click('rotate-submit-secret');
    await app.browser.waitUntil(async () => (await app.$('rotate-guided').getAttribute('data-waiting').catch(() => null)) === 'revoke_old', {
      timeout: 15_000,
      timeoutMsg: `after verifying the pasted key the wizard should ask to revoke the old one: ${await app.$('rotate-run').getText().catch(() => '')}`,
    });
    assert.equal(keychain(blog.id), pnNew.value, 'the pasted value is current in the keychain');
    // The old key still works: Keyward refuses to call it revoked.
    await app.click('rotate-confirm-revoked');
    const err = await app.shown('rotate-guided-error', 15_000, 'confirming while the old key still works must be refused');
    assert.match(await err.getText(), /still accepts the old key/);
    // "The user revokes it in the dashboard": the next check of the old key gets a 401.
    await simControl('POST', 'faults', [{ route: 'GET /postnomic/api/v1/posts', status: 401, times: 1 }]);
    await app.click('rotate-confirm-revoked');
    await app.browser.waitUntil(async () => (await app.browser.$(`${tid('rotate-result')}[data-key-id="${blog.id}"]`).getAttribute('data-phase')) === 'done', {
      timeout: 15_000,
      timeoutMsg: 'after the provider refuses the old key the guided rotation is done',
    });
    assert.equal(keychain(`${blog.id}.previous`), null, 'the old value is gone from the keychain');
    await app.click('rotate-close');

    // The journal lists all three.
    await app.click('rotations');
    await app.browser.waitUntil(async () => (await app.browser.$$(tid('rotation-row'))).length >= 3, { timeout: 5_000, timeoutMsg: 'the journal lists the three rotations' });
    const states = await app.browser.execute(() => Object.fromEntries([...document.querySelectorAll('[data-testid="rotation-row"]')].map((r) => [r.dataset.keyId, r.dataset.state])));
    assert.deepEqual([states[dns.id], states[mail.id], states[blog.id]], ['done', 'promoted', 'done'], `journal states: ${JSON.stringify(states)}`);
    app.screenshot('rotation-07-journal.png');
    await app.click('rotations-close');
    await registerSimValues();
  });
  await simControl('DELETE', 'faults');
});

test('R3. bulk rotate 3 keys with one failing: progress bar and one outcome per key', { timeout: TIMEOUT }, async () => {
  await simControl('POST', 'reset');
  const dataDir = newDataDir('rotate-bulk');
  connect(dataDir, 'posthog', 'ph', { admin: simSeed.posthog.personal_keys[0].value, project: '1' });
  // dev: no grace period by default, so each key is rolled in place.
  cli(dataDir, ['sync', 'ph', '--env', 'dev']);
  const bulk = listKeys(dataDir).filter((k) => k.name.startsWith('E2E bulk'));
  assert.equal(bulk.length, 3, 'three PostHog secret keys to rotate');
  const failing = bulk.find((k) => k.name === 'E2E bulk two');
  // The provider refuses to roll "E2E bulk two" (its other routes stay fine).
  await simControl('POST', 'faults', [{ route: `POST /posthog/api/*/project_secret_api_keys/${failing.remote_id}/roll/`, status: 403 }]);

  await withApp('rotate bulk', { dataDir }, async (app) => {
    await app.type('search', 'E2E bulk');
    await app.browser.waitUntil(async () => Number(await app.$('key-count').getAttribute('data-count')) === 3, { timeout: 5_000, timeoutMsg: 'the search shows the three keys' });
    await app.click('rotate-shown');
    await app.shown('rotate-wizard');
    await app.browser.waitUntil(async () => (await app.browser.$$(tid('rotate-plan-row'))).length === 3, { timeout: 10_000, timeoutMsg: 'the plan lists three keys' });
    // Synced without their values: each row's "the value in use stops working" is accepted.
    for (const box of await app.browser.$$(tid('rotate-accept'))) await box.click();
    await app.click('rotate-start');
    const res = await rotateResults(app, 60_000);
    const progress = await app.$('rotate-progress');
    assert.equal(await progress.getAttribute('data-done'), '3', 'the progress bar reaches 3 of 3');
    assert.equal(await progress.getAttribute('data-failed'), '1', 'one key failed');
    for (const k of bulk) {
      assert.equal(res[k.id]?.phase, k.id === failing.id ? 'failed' : 'done', `${k.name}: ${JSON.stringify(res[k.id])}`);
    }
    app.screenshot('rotation-08-bulk.png');
    const sim = await simKeys('posthog');
    for (const k of bulk) {
      const remote = sim.find((s) => s.id === k.remote_id);
      if (k.id === failing.id) assert.equal(keychain(k.id), null, 'the failed key (tracked without a value) got none');
      else assert.equal(keychain(k.id), remote.value, `${k.name}: the keychain holds the rolled value`);
    }
    await app.click('rotate-close');
    await registerSimValues();
  });
  await simControl('DELETE', 'faults');
});

test('R4. revoke through the API with a named confirmation; the key stays as history under the status filter', { timeout: TIMEOUT }, async () => {
  await simControl('POST', 'reset');
  const dataDir = newDataDir('revoke');
  connect(dataDir, 'sendgrid', 'sg', { admin: simSeed.sendgrid.keys[0].value });
  const old = simSeed.sendgrid.keys[1];
  const key = seedKey(dataDir, { value: old.value, name: '<img src=x onerror=alert(1)> mailer', env: 'prod', purpose: 'send email', connection: 'sg' });

  await withApp('revoke', { dataDir }, async (app) => {
    await openDetail(app, key.name);
    await app.click('revoke-key');
    await app.shown('revoke-wizard');
    assert.equal(await app.$('revoke-name').getText(), `“${key.name}”`, 'the hostile name shows as text');
    assert.equal(await app.browser.execute(() => document.querySelectorAll('[data-testid="revoke-wizard"] img').length), 0, 'and creates no element');
    assert.equal(await app.$('revoke-submit').isEnabled(), false, 'revoking needs the typed name');
    await app.type('revoke-confirm-name', key.name);
    app.screenshot('rotation-09-revoke.png');
    await app.click('revoke-submit');
    const done = await app.shown('revoke-done', 15_000, 'the revocation completes');
    assert.equal(await done.getAttribute('data-confirmed'), 'yes', 'Keyward confirmed the key answers 401');
    await app.click('revoke-close');
    assert.ok(!(await simKeys('sendgrid')).some((k) => k.value === old.value && k.status !== 'revoked'), 'the key is deleted at the provider');
    assert.equal(keychain(key.id), null, 'its value is deleted from the keychain');
    await select(app, 'filter-status', 'revoked');
    const row = await app.waitForRow(key.name);
    assert.ok(row, 'the revoked key stays listed as history under the status filter');
  });
});

test('R5. nothing leaked: no data dir, app log or simulator log holds a key value', { timeout: TIMEOUT }, async () => {
  await registerSimValues();
  assert.ok(recorded.sessions >= 4, 'the rotation sessions ran');
  assert.deepEqual(findCanariesInFiles(TMP), [], 'no key value in any data dir (database, WAL, logs)');
  if (APP_LOG && existsSync(APP_LOG)) assert.deepEqual(findCanaries({ "the app's log": readFileSync(APP_LOG, 'utf8') }), []);
  if (SIM_LOG && existsSync(SIM_LOG)) assert.deepEqual(findCanaries({ "provider-sim's log": readFileSync(SIM_LOG, 'utf8') }), []);
});
