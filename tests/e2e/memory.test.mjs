// The memory test of the desktop app (issue 13): the real app in the real window goes through
// copy, verify (reveal-free) and a rotation with "Show once"; after each operation has finished,
// `memory-scan` reads the app process's memory (/proc/PID/mem, as root) and counts each key value
// in every encoding. The Keyward process must hold no copy. One copy is kept on purpose and must
// be found, so the test cannot pass by reading the wrong memory: the value while the app serves
// it on the clipboard.
// WebKit's processes are counted too and reported (not asserted): the page shows what "Show once"
// reveals, and the JavaScript heap frees it when WebKit's collector decides.
// The counts go to artifacts/memory/desktop.json (docs/security.md shows them).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { APP, ARTIFACTS, SIM, canaries, cli, listKeys, newDataDir, processesUsing, seedKey, simControl, simSeed, sleep, withApp, openDetail } from './lib/harness.mjs';

const TIMEOUT = 240_000;
const SCAN = process.env.KEYWARD_MEMORY_SCAN;

/** The app process and its WebKit helpers for a data dir: {app, webkit: [{pid, name}]}. */
function processes(dataDir) {
  const app = realpathSync(APP);
  const out = { app: null, webkit: [] };
  for (const pid of processesUsing(dataDir)) {
    let exe = '';
    let comm = '';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (exe === app) out.app = pid;
    else if (/^WebKit/.test(comm)) out.webkit.push({ pid, name: comm });
  }
  assert.ok(out.app, `no process runs ${app} for ${dataDir}`);
  return out;
}

/** Copies of each value in process `pid`'s memory: {label: {encoding: n}} */
function scan(pid, values) {
  const r = spawnSync(SCAN, [String(pid)], { input: JSON.stringify(values), encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`memory-scan ${pid} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const total = (copies) => Object.values(copies ?? {}).reduce((a, b) => a + b, 0);

test('M1. memory: once an operation has finished, the app process holds no copy of any key value', { timeout: TIMEOUT }, async () => {
  assert.ok(SCAN, 'KEYWARD_MEMORY_SCAN (the memory-scan binary) is set by run.sh');
  await simControl('POST', 'reset');
  await simControl('DELETE', 'faults');
  const dataDir = newDataDir('memory');
  const admin = simSeed.cloudflare.tokens[0].value;
  cli(dataDir, ['connect', 'cloudflare', '--name', 'cf', '--base-url', `${SIM}/cloudflare/client/v4`], admin);
  // A value with characters that JSON, percent and base64 encode differently.
  const copied = `kw-memcanary/${Math.random().toString(36).slice(2)}+${Date.now()}=`;
  canaries.add(copied);
  seedKey(dataDir, { value: copied, name: 'Copied custom key', env: 'dev', purpose: 'test memory' });
  const simKeys = async () => (await simControl('GET', 'keys?provider=cloudflare')).keys;
  const oldToken = (await simKeys()).find((k) => k.name === 'E2E DNS edit prod').value;
  // Added by value and linked to the connection: verified and rolled through its API.
  cli(dataDir, ['add', '--provider', 'cloudflare', '--kind', 'user_token', '--name', 'DNS token', '--env', 'dev', '--purpose', 'edit_dns', '--connection', 'cf'], oldToken);
  assert.ok(listKeys(dataDir).some((k) => k.name === 'DNS token'), 'the Cloudflare token is in the inventory');

  const rows = [];
  const measure = (operation, pids, values) => {
    const app = scan(pids.app, values);
    const webkit = {};
    for (const w of pids.webkit) {
      const counts = scan(w.pid, values);
      for (const [label, copies] of Object.entries(counts)) {
        if (label === '_bytes') continue;
        webkit[label] = (webkit[label] ?? 0) + total(copies);
      }
    }
    const row = { operation, app, webkit };
    rows.push(row);
    return row;
  };
  const leaks = [];
  const expectNone = (row) => {
    for (const [label, copies] of Object.entries(row.app)) {
      if (label !== '_bytes' && total(copies) > 0) leaks.push(`after ${row.operation}: ${label} ${JSON.stringify(copies)}`);
    }
  };

  // Registered as a canary once the session is over: its one IPC answer is the reveal.
  let rolled = null;
  await withApp('memory', { dataDir }, async (app) => {
    const pids = processes(dataDir);
    expectNone(measure('start (inventory listed)', pids, { 'copied key': copied, 'Cloudflare token': oldToken, 'admin key': admin }));

    // Copy: while the app serves the clipboard it holds the value (positive control); once the
    // timeout has cleared the clipboard, it must hold none.
    const updated = await app.invoke('settings_update', { patch: { clipboard_timeout_secs: 5 } });
    assert.equal(updated.ok?.clipboard_timeout_secs, 5, 'a 5 s clipboard timeout');
    await openDetail(app, 'Copied custom key');
    await app.click('copy-key');
    await app.shown('copy-toast', 5_000, 'copying confirms with a toast');
    const during = measure('copy, while the clipboard holds it (kept on purpose)', pids, { 'copied key': copied });
    assert.ok(total(during.app['copied key']) >= 1, `while the app serves the clipboard its memory must hold the value, or the scan reads the wrong memory: ${JSON.stringify(during.app)}`);
    await app.browser.waitUntil(async () => /Clipboard cleared/.test(await app.$('copy-countdown').getText().catch(() => '')), {
      timeout: 15_000,
      timeoutMsg: 'the toast should end with "Clipboard cleared"',
    });
    expectNone(measure('copy, after the clipboard was cleared', pids, { 'copied key': copied }));
    // The copied value was a Secret: its pages were locked in RAM (and stay locked).
    const locked = Number(/^VmLck:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pids.app}/status`, 'utf8'))?.[1] ?? 0);
    assert.ok(locked > 0, `the app locked no memory (VmLck ${locked} kB): secrets' pages must be mlocked`);

    // Verify (reveal-free): the app reads the token and the connection's admin key.
    await openDetail(app, 'DNS token');
    await app.click('verify-key');
    await app.browser.waitUntil(async () => (await app.$('verify-status').getAttribute('data-outcome')) === 'valid', { timeout: 15_000, timeoutMsg: 'the token verifies' });
    expectNone(measure('verify', pids, { 'Cloudflare token': oldToken, 'admin key': admin }));

    // Rotate (native roll), then "Show once".
    await app.click('rotate-key');
    await app.shown('rotate-plan-row', 10_000, 'the plan lists the key');
    await app.click('rotate-start');
    const run = await app.shown('rotate-run', 10_000, 'the rotation runs');
    await app.browser.waitUntil(async () => (await run.getAttribute('data-phase')) !== 'running', { timeout: 30_000, timeoutMsg: 'the rotation ends' });
    const newToken = (await simKeys()).find((k) => k.name === 'E2E DNS edit prod').value;
    assert.notEqual(newToken, oldToken, 'the simulator rolled the token');
    rolled = newToken;
    const values = { 'old token': oldToken, 'new token': newToken, 'admin key': admin };
    // The reveal token is a permission, not a copy: the value stays in the keychain until
    // "Show once" reads it.
    expectNone(measure('rotate (native roll), finished', pids, values));
    await app.click('reveal-show');
    await app.shown('reveal-value', 5_000, 'Show once shows the value');
    // The page holds it now; closing the wizard lets the page drop it.
    await app.click('rotate-close');
    await app.$('rotate-wizard').waitForExist({ reverse: true, timeout: 5_000 });
    await sleep(500);
    expectNone(measure('Show once, wizard closed', pids, values));
  });

  if (rolled) canaries.add(rolled);
  mkdirSync(join(ARTIFACTS, '..', 'memory'), { recursive: true });
  writeFileSync(join(ARTIFACTS, '..', 'memory', 'desktop.json'), JSON.stringify({ binary: realpathSync(APP), operations: rows }, null, 2));
  assert.deepEqual(leaks, [], 'key values left in the memory of the app process once the operation had finished');
});
