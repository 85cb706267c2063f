// Bulk rotation in the real window is safe by construction (issue 16, point 1): every
// Cloudflare key of a connection to provider-sim selected and rotated at once. The
// connection's admin key is not in the batch with the keys it serves (unticked, with why),
// a key Keyward tracks without its value runs only after its row's "the value in use stops
// working" is ticked, prod and staging get a grace period by default, a key that cannot be
// rotated is unticked and says why in the window's own words, and no call gets a 401.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SIM, assertPageClean, canaries, cli, keychainLookup, listKeys, newDataDir, simControl, simSeed, tid, withApp } from './lib/harness.mjs';

const TIMEOUT = 240_000;
const CF = `${SIM}/cloudflare/client/v4`;
const DNS_WRITE = { id: '4755a26eedb94da69e1066d98aa820be', name: 'DNS Write' };

/** A new token at the simulated Cloudflare (Create Token, POST /user/tokens); its value is a canary. */
async function newToken(admin, name) {
  const response = await fetch(`${CF}/user/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, policies: [{ effect: 'allow', resources: { 'com.cloudflare.api.account.zone.*': '*' }, permission_groups: [DNS_WRITE] }] }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = await response.json();
  assert.ok(body.success, `creating ${name} at the simulator: ${JSON.stringify(body.errors)}`);
  canaries.add(body.result.value);
  return body.result.value;
}

async function simValue(name) {
  return (await simControl('GET', 'keys?provider=cloudflare')).keys.find((k) => k.name === name)?.value ?? null;
}

function keychain(id) {
  const v = keychainLookup(id);
  return v === null ? null : v.replace(/\n$/, '');
}

test('B1. select every Cloudflare key and rotate: admin key apart, value-less keys need per-key acceptance, prod grace by default, unrotatable rows unticked; no 401', { timeout: TIMEOUT }, async () => {
  await simControl('POST', 'reset');
  await simControl('DELETE', 'faults');
  const dataDir = newDataDir('bulk-rotation');
  const admin = simSeed.cloudflare.tokens[0].value;
  cli(dataDir, ['connect', 'cloudflare', '--name', 'cf', '--base-url', CF], admin);
  // Tracked without its value (sync lists metadata only).
  cli(dataDir, ['sync', 'cf', '--env', 'prod']);
  // Held by value and linked: prod and staging.
  const zone = await newToken(admin, 'Zone reader');
  cli(dataDir, ['add', '--name', 'Zone reader', '--env', 'prod', '--connection', 'cf', '--format', 'json'], zone);
  const stagingValue = await newToken(admin, 'Staging deploy');
  cli(dataDir, ['add', '--name', 'Staging deploy', '--env', 'staging', '--connection', 'cf', '--format', 'json'], stagingValue);
  // Held by value but linked to no connection: Keyward cannot ask Cloudflare to replace it.
  const loose = await newToken(admin, 'Loose token');
  cli(dataDir, ['add', '--name', 'Loose token', '--env', 'prod', '--format', 'json'], loose);
  const keys = listKeys(dataDir);
  const byName = (n) => {
    const k = keys.find((x) => x.name === n);
    assert.ok(k, `${n} in the inventory: ${keys.map((x) => x.name)}`);
    return k;
  };
  const adminKey = byName('cf (admin)');
  const dns = byName('E2E DNS edit prod');
  const zoneKey = byName('Zone reader');
  const staging = byName('Staging deploy');
  const looseKey = byName('Loose token');
  assert.equal(keys.length, 5, 'five Cloudflare keys');
  const dnsBefore = await simValue('E2E DNS edit prod');

  await withApp('bulk rotation', { dataDir }, async (app) => {
    // "Select all Cloudflare keys": the search matches the provider.
    await app.type('search', 'cloudflare');
    await app.browser.waitUntil(async () => Number(await app.$('key-count').getAttribute('data-count')) === 5, { timeout: 10_000, timeoutMsg: 'the search shows the five Cloudflare keys' });
    await app.click('rotate-shown');
    await app.shown('rotate-wizard');
    await app.browser.waitUntil(async () => (await app.browser.$$(tid('rotate-plan-row'))).length === 5, { timeout: 15_000, timeoutMsg: 'the plan lists the five keys' });
    const rows = async () =>
      app.browser.execute(() =>
        Object.fromEntries(
          [...document.querySelectorAll('[data-testid="rotate-plan-row"]')].map((r) => {
            const check = r.querySelector('[data-testid="rotate-plan-check"]');
            return [
              r.dataset.keyId,
              {
                blocked: r.dataset.blocked,
                valueUnknown: r.dataset.valueUnknown,
                runnable: r.dataset.runnable,
                flavour: r.dataset.flavour,
                grace: Number(r.dataset.grace),
                ticked: check ? check.checked : null,
                text: r.innerText,
              },
            ];
          }),
        ),
      );
    let plan = await rows();

    // The admin key: refused beside the keys it serves, unticked, with the reason.
    assert.equal(plan[adminKey.id].blocked, 'yes', `admin row: ${JSON.stringify(plan[adminKey.id])}`);
    assert.equal(plan[adminKey.id].ticked, false, 'the admin key comes unticked');
    assert.match(plan[adminKey.id].text, /admin key of the connection .cf./);
    assert.match(plan[adminKey.id].text, /on its own/);
    // A key no connection serves: unticked, said in the window's own words.
    assert.equal(plan[looseKey.id].blocked, 'yes');
    assert.equal(plan[looseKey.id].ticked, false);
    assert.match(plan[looseKey.id].text, /not linked to a connection/);
    for (const id of [adminKey.id, looseKey.id]) assert.doesNotMatch(plan[id].text, /keyward (connect|sync)|`/, 'no command line in the window');

    // prod and staging get a grace period by default (a create + revoke), never "revoke at once".
    for (const k of [dns, zoneKey]) {
      assert.equal(plan[k.id].flavour, 'create_revoke', `${k.name}: ${JSON.stringify(plan[k.id])}`);
      assert.equal(plan[k.id].grace, 86_400, `${k.name}: prod's default grace is 24 h`);
      assert.match(plan[k.id].text, /\(default\)/);
    }
    assert.equal(plan[staging.id].grace, 3600, "staging's default grace is 1 h");

    // The key Keyward holds no value of runs only once its own row is accepted.
    assert.equal(plan[dns.id].valueUnknown, 'yes');
    assert.equal(plan[dns.id].runnable, 'no', 'not without acceptance');
    assert.match(plan[dns.id].text, /stops working/);
    assert.equal(plan[zoneKey.id].valueUnknown, 'no');
    assert.equal(plan[zoneKey.id].runnable, 'yes');
    assert.match(await app.$('rotate-start').getText(), /Rotate 2 keys/);
    app.screenshot('bulk-rotation-01-plan.png');

    await app.browser.$(`${tid('rotate-plan-row')}[data-key-id="${dns.id}"] ${tid('rotate-accept')}`).click();
    await app.browser.waitUntil(async () => (await rows())[dns.id].runnable === 'yes', { timeout: 3_000, timeoutMsg: 'accepting the row makes it run' });
    assert.match(await app.$('rotate-start').getText(), /Rotate 3 keys/);
    plan = await rows();
    assert.equal(plan[adminKey.id].runnable, 'no', 'the admin key stays out');
    app.screenshot('bulk-rotation-02-plan-accepted.png');
    await assertPageClean(app, 'on the plan');

    await simControl('DELETE', 'requests');
    await app.click('rotate-start');
    const run = await app.shown('rotate-run', 10_000);
    await app.browser.waitUntil(async () => (await run.getAttribute('data-phase')) !== 'running', { timeout: 90_000, timeoutMsg: 'the run should end' });
    const res = await app.browser.execute(() =>
      Object.fromEntries([...document.querySelectorAll('[data-testid="rotate-result"]')].map((r) => [r.dataset.keyId, { phase: r.dataset.phase, state: r.dataset.state, text: r.innerText }])),
    );
    for (const k of [dns, zoneKey, staging]) {
      assert.equal(res[k.id]?.state, 'promoted', `${k.name}: the new key is current, the old one in its grace period: ${JSON.stringify(res[k.id])}`);
      assert.notEqual(res[k.id]?.phase, 'failed');
    }
    assert.notEqual(res[adminKey.id]?.state, 'promoted', 'the admin key was not rotated');
    app.screenshot('bulk-rotation-03-done.png');
    await assertPageClean(app, 'after the run');

    // Nothing got a 401: the admin key was not rolled under the others.
    const { log } = await simControl('GET', 'requests');
    const refused = log.filter((r) => r.status === 401);
    assert.deepEqual(refused, [], 'no call of the run got a 401');
    assert.equal(keychain(adminKey.id), admin, 'the admin key is unchanged');
    // Grace: the old values still work at the provider, the new ones are current in the keychain.
    assert.equal(await simValue('E2E DNS edit prod'), dnsBefore, 'the old DNS token stays during its grace period');
    assert.equal(keychain(`${zoneKey.id}.previous`), zone, 'the old value is kept as previous');
    const zoneNew = keychain(zoneKey.id);
    assert.ok(zoneNew && zoneNew !== zone, 'the keychain holds a new value for Zone reader');
    canaries.add(zoneNew);
    for (const k of [dns, staging]) {
      const v = keychain(k.id);
      assert.ok(v, `${k.name} has a value now`);
      canaries.add(v);
    }
    await app.click('rotate-close');
  });
});
