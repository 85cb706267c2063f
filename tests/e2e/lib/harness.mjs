// Test harness for Keyward's e2e suite: one WebDriver session (= one app process) per test,
// each with its own data dir; helpers for the CLI, the keychain, the clipboard, screenshots,
// and the IPC recorder behind the canary checks. Started by run.sh, which provides the
// display, the buses, the keychain and tauri-driver through the environment.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { remote } from 'webdriverio';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the e2e tests through tests/e2e/run.sh`);
  return value;
}

export const APP = required('KEYWARD_APP');
export const CLI = required('KEYWARD_CLI');
export const DISPLAY = required('DISPLAY');
export const KEYCHAIN_BUS = required('DBUS_SESSION_BUS_ADDRESS');
export const NO_KEYCHAIN_BUS = required('KEYWARD_E2E_NO_KEYCHAIN_BUS');
export const DRIVER_PORT = Number(required('KEYWARD_E2E_DRIVER_PORT'));
export const ARTIFACTS = required('KEYWARD_E2E_ARTIFACTS');
/** Parent of every test's data dir. */
export const TMP = required('KEYWARD_E2E_TMP');
/** Where tests write input files (.env), kept apart from the data dirs (they hold canaries). */
export const FILES = required('KEYWARD_E2E_FILES');
export const APP_LOG = process.env.KEYWARD_E2E_APP_LOG ?? null;
/** provider-sim's base URL (`http://127.0.0.1:PORT`); providers live under `/postmark`, `/postman`, … */
export const SIM = required('KEYWARD_SIM');
/** The seed file provider-sim was started with (its key values are canaries). */
export const SIM_SEED = required('KEYWARD_SIM_SEED');
export const SIM_LOG = process.env.KEYWARD_E2E_SIM_LOG ?? null;
export const SERVICE = 'dev.keyward.app';
/** Extra `NAME=value` words for the app's environment (debugging aid), space-separated. */
const EXTRA_APP_ENV = (process.env.KEYWARD_E2E_APP_ENV ?? '').split(/\s+/).filter(Boolean);

/** `[data-testid="…"]` */
export const tid = (id) => `[data-testid="${id}"]`;

// ---------------------------------------------------------------------------------------
// Canaries: every secret value the suite types or seeds. None may ever come back from the
// backend (IPC responses), nor end up in the page, the data dir or the app's log.

/** Every canary value used by the suite so far. */
export const canaries = new Set();
/** Every IPC response recorded by any session so far (for the suite-wide check). */
export const recorded = { responses: [], raw: [], sessions: 0 };

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomFrom(alphabet, n) {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

/** A fresh, registered canary of the given shape. */
export const canary = {
  posthogPersonal: () => register(`phx_${randomFrom(ALNUM, 43)}`),
  posthogProject: () => register(`phc_${randomFrom(ALNUM, 43)}`),
  postman: () => register(`PMAK-${randomFrom('0123456789abcdef', 24)}-${randomFrom('0123456789abcdef', 34)}`),
  postnomic: () => register(`pk_e2eblog_staging_${randomFrom('0123456789abcdefghijklmnopqrstuvwxyz', 16)}`),
};
function register(value) {
  canaries.add(secretPart(value));
  return value;
}

/**
 * The part of a value that is secret. A SendGrid key is `SG.<key id>.<secret>`: its key id is
 * public (Keyward stores it as the key's remote id, as SendGrid's API lists it), so only the
 * secret after it is a canary; every other value counts whole.
 */
export function secretPart(value) {
  const sendgrid = /^SG\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)$/.exec(value);
  return sendgrid ? sendgrid[1] : value;
}

/**
 * The simulator's seed (tests/e2e/fixtures/sim-seed.json): every key value in it (Postmark
 * account and server tokens, Postman keys, ...) is a canary from the start of the suite, so
 * every session's IPC check and the final data dir/log sweep look for them too.
 */
export const simSeed = JSON.parse(readFileSync(SIM_SEED, 'utf8'));
for (const value of seedValues(simSeed)) register(value);

/** Every secret in a seed: each `value`, and Postmark's server tokens (`ApiTokens`). */
function seedValues(node, out = []) {
  if (Array.isArray(node)) for (const item of node) seedValues(item, out);
  else if (node && typeof node === 'object') {
    for (const [field, v] of Object.entries(node)) {
      if (field === 'value' && typeof v === 'string') out.push(v);
      else if (field === 'ApiTokens' && Array.isArray(v)) out.push(...v.filter((t) => typeof t === 'string'));
      else seedValues(v, out);
    }
  }
  return out;
}

/** What must not appear: the whole value, and a slice of its middle (a partial leak). */
function needles(value) {
  const start = Math.min(8, Math.floor(value.length / 4));
  return [value, value.slice(start, start + 12)];
}

/** Names of the places in `haystacks` ({name: text}) that contain a canary (never the value). */
export function findCanaries(haystacks, values = canaries) {
  const hits = [];
  for (const [where, text] of Object.entries(haystacks)) {
    for (const value of values) {
      for (const needle of needles(value)) {
        if (text.includes(needle)) {
          hits.push(`${where} contains the canary ${value.slice(0, 5)}… (${needle === value ? 'whole value' : 'a 12-character slice of it'})`);
        }
      }
    }
  }
  return hits;
}

/** Same, for binary files (the inventory database). */
export function findCanariesInFiles(dir, values = canaries) {
  const hits = [];
  const walk = (d) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        const bytes = readFileSync(path);
        for (const value of values) {
          for (const needle of needles(value)) {
            if (bytes.includes(Buffer.from(needle))) hits.push(`${path} contains the canary ${value.slice(0, 5)}…`);
          }
        }
      }
    }
  };
  walk(dir);
  return hits;
}

// ---------------------------------------------------------------------------------------
// Processes outside the window: the CLI, the keychain, the clipboard, screenshots.

function run(cmd, args, { input, env, timeout = 30_000 } = {}) {
  const result = spawnSync(cmd, args, { input, env, encoding: 'utf8', timeout, stdio: ['pipe', 'pipe', 'pipe'] });
  if (result.error) throw new Error(`${cmd} ${args.join(' ')}: ${result.error.message}`);
  return result;
}

/** Runs the `keyward` CLI on a data dir; throws with its stderr when it fails. */
export function cli(dataDir, args, input) {
  const r = run(CLI, args, { input, env: { ...process.env, KEYWARD_DATA_DIR: dataDir } });
  if (r.status !== 0) throw new Error(`keyward ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Seeds a key through the CLI (value on stdin); returns its KeyDto-like JSON. */
export function seedKey(dataDir, { value, name, env, purpose = '', owner = null, tags = [], connection = null }) {
  const args = ['add', '--name', name, '--env', env, '--purpose', purpose, '--format', 'json'];
  if (owner !== null) args.push('--owner', owner);
  if (connection !== null) args.push('--connection', connection);
  for (const tag of tags) args.push('--tag', tag);
  const out = cli(dataDir, args, value);
  const key = JSON.parse(out);
  assert.ok(key.id, `keyward add --format json printed no id: ${out}`);
  return key;
}

/** Every connection in a data dir, through the CLI. */
export function listConnections(dataDir) {
  return JSON.parse(cli(dataDir, ['connections', '--format', 'json']));
}

/** Calls one of provider-sim's control endpoints (`/_control/...`); returns the parsed JSON. */
export async function simControl(method, path, body) {
  const response = await fetch(`${SIM}/_control/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`provider-sim ${method} /_control/${path}: ${response.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}

/** Every key in a data dir, through the CLI. */
export function listKeys(dataDir) {
  return JSON.parse(cli(dataDir, ['list', '--format', 'json']));
}

/** `secret-tool lookup service dev.keyward.app username <id>`: the value, or null if none. */
export function keychainLookup(id) {
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: KEYCHAIN_BUS };
  delete env.DISPLAY;
  const r = run('secret-tool', ['lookup', 'service', SERVICE, 'username', id], { env, timeout: 10_000 });
  if (r.status === 0) return r.stdout;
  if (r.status === 1 && r.stdout === '' && r.stderr.trim() === '') return null;
  throw new Error(`secret-tool lookup failed (${r.status}): ${r.stderr.trim()}`);
}

/** The X clipboard as `xclip -selection clipboard -o` sees it: text, or null if it holds nothing. */
export function readClipboard() {
  const r = run('xclip', ['-selection', 'clipboard', '-o'], { env: { ...process.env, DISPLAY }, timeout: 5_000 });
  return r.status === 0 ? r.stdout : null;
}

/** A screenshot of the whole Xvfb screen (the real window's pixels) into the artifacts dir. */
export function screenshot(file) {
  const path = join(ARTIFACTS, file);
  const r = run('import', ['-display', DISPLAY, '-window', 'root', path], { timeout: 20_000 });
  if (r.status !== 0) throw new Error(`import (screenshot ${file}) failed: ${r.stderr.trim()}`);
  return path;
}

/** Writes a file (e.g. a .env to import) into a fresh dir under FILES; returns its path. */
export function writeInputFile(name, content) {
  const dir = mkdtempSync(join(FILES, 'in-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A fresh data dir for one test. */
export function newDataDir(name) {
  return mkdtempSync(join(TMP, `${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}-`));
}

/** Clicks the row of the key named `name` and waits for its detail panel; returns the row. */
export async function openDetail(app, name) {
  const row = await app.waitForRow(name);
  await app.browser.$(`${tid('key-row')}[data-key-id="${row.id}"]`).click();
  const detail = await app.shown('key-detail', 10_000, `clicking the row of "${name}" should open its detail panel`);
  await app.browser.waitUntil(async () => (await detail.getAttribute('data-key-id')) === row.id, {
    timeout: 5_000,
    timeoutMsg: `the detail panel should show "${name}"`,
  });
  return row;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How far the shared app log (run.sh's KEYWARD_E2E_APP_LOG) is written now, in bytes. */
export const appLogSize = () => (APP_LOG ? statSync(APP_LOG).size : 0);

/** What the app processes wrote to the shared app log since `offset` bytes. */
export const appLogSince = (offset) => readFileSync(APP_LOG, 'utf8').slice(offset);

/** One SQL statement on an inventory file through the sqlite3 tool; its output. */
export function sqlite(db, sql) {
  const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}

/** A random v4 uuid's text, in SQLite. */
const SQL_UUID =
  "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";

/**
 * Copies rows of the inventory's `keys` (those matching `from`, each as often as needed) until
 * it holds `total` keys, as scripts/bench-desktop.sh makes its large sets: new ids, no
 * fingerprint and no remote id (no value in the keychain: metadata is what the list shows).
 * `set`: SQL for other columns, by name (`c.n` is the copy's number, e.g. `name`).
 */
export function copyKeyRows(db, { total, from = '1', set = {} }) {
  const have = Number(sqlite(db, 'SELECT count(*) FROM keys'));
  const sources = Number(sqlite(db, `SELECT count(*) FROM keys WHERE ${from}`));
  const cols = sqlite(db, "SELECT group_concat(name, ',') FROM pragma_table_info('keys')").split(',');
  const columns = { id: SQL_UUID, fingerprint: 'NULL', remote_id: 'NULL', ...set };
  const picked = cols.map((c) => columns[c] ?? c);
  const copies = total - have;
  sqlite(
    db,
    `WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${Math.ceil(copies / sources)})
     INSERT INTO keys (${cols.join(',')}) SELECT ${picked.join(',')} FROM keys, c WHERE ${from} LIMIT ${copies}`,
  );
  assert.equal(Number(sqlite(db, 'SELECT count(*) FROM keys')), total);
}

/** PIDs of processes whose environment holds KEYWARD_DATA_DIR=dataDir (the app, its WebKit children). */
export function processesUsing(dataDir) {
  const marker = Buffer.from(`KEYWARD_DATA_DIR=${dataDir}\0`);
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`).includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return pids;
}

// ---------------------------------------------------------------------------------------
// The IPC recorder, injected into the page once it has loaded.
//
// `window.__TAURI_INTERNALS__.invoke` cannot be wrapped: Tauri 2.12 defines it (and
// `__TAURI_INTERNALS__` itself) with Object.defineProperty, non-writable and non-configurable.
// Every answer to an invoke does pass through `__TAURI_INTERNALS__.runCallback(id, data)`,
// which calls the callback registered in the (exposed, mutable) `__TAURI_INTERNALS__.callbacks`
// Map; wrapping that Map's `set` records every response, success or error, as the UI receives
// it. The raw bodies of the IPC custom protocol are recorded too, by wrapping `fetch`.
const RECORDER = `
  const I = window.__TAURI_INTERNALS__;
  if (!I) return { error: 'no __TAURI_INTERNALS__' };
  if (window.__kwRecorder) return { installed: window.__kwRecorder.installed };
  const rec = { responses: [], raw: [], errors: [], installed: [] };
  Object.defineProperty(window, '__kwRecorder', { value: rec });
  window.addEventListener('error', (e) => rec.errors.push('error: ' + (e.message || e.error)));
  window.addEventListener('unhandledrejection', (e) => rec.errors.push('unhandled rejection: ' + String(e.reason) + (e.reason && e.reason.stack ? ' at ' + e.reason.stack.split('\\n')[0] : '')));
  const text = (data) => {
    try {
      const s = JSON.stringify(data);
      return s === undefined ? String(data) : s;
    } catch (e) {
      return '<unserializable: ' + e + '>';
    }
  };
  const invoke = Object.getOwnPropertyDescriptor(I, 'invoke');
  rec.invokeWritable = !!(invoke && (invoke.writable || invoke.configurable));
  const map = I.callbacks;
  if (map instanceof Map) {
    const set = Map.prototype.set;
    Object.defineProperty(map, 'set', {
      value: function (id, fn) {
        return set.call(this, id, function (data) {
          rec.responses.push(text(data));
          return fn.apply(this, arguments);
        });
      },
    });
    rec.installed.push('callbacks');
  }
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const url = String(typeof input === 'string' ? input : (input && input.url) || input);
    const pending = fetch0.apply(this, arguments);
    if (!url.startsWith('ipc:') && !url.startsWith('http://ipc.localhost')) return pending;
    return pending.then((response) => {
      response.clone().text().then((body) => rec.raw.push(url + ' -> ' + body), () => {});
      return response;
    });
  };
  if (window.fetch !== fetch0) rec.installed.push('fetch');
  return { installed: rec.installed, invokeWritable: rec.invokeWritable };
`;

// ---------------------------------------------------------------------------------------
// Sessions.

/**
 * Starts the app in a new WebDriver session with its own data dir and the given bus, waits
 * for the inventory to load, installs the IPC recorder. tauri-driver passes no environment
 * to the app (only `tauri:options.args`), so the session's binary is `/usr/bin/env` with
 * `KEYWARD_DATA_DIR=… DBUS_SESSION_BUS_ADDRESS=… <app>`: one tauri-driver serves every test,
 * each with a fresh data dir, and the keychain-unavailable test with another bus.
 */
export async function startApp(name, { dataDir = newDataDir(name), bus = KEYCHAIN_BUS, env = [], sweepDetails = Infinity } = {}) {
  const browser = await remote({
    hostname: '127.0.0.1',
    port: DRIVER_PORT,
    path: '/',
    logLevel: process.env.KEYWARD_E2E_WDIO_LOG ?? 'silent', // failures surface as test errors
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 0,
    waitforTimeout: 10_000,
    waitforInterval: 50,
    capabilities: {
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': {
        application: '/usr/bin/env',
        args: [`KEYWARD_DATA_DIR=${dataDir}`, `DBUS_SESSION_BUS_ADDRESS=${bus}`, ...EXTRA_APP_ENV, ...env, APP],
      },
    },
  });
  const app = new AppSession(name, browser, dataDir);
  app.sweepDetails = sweepDetails;
  try {
    await browser.$(tid('search')).waitForExist({ timeout: 20_000, timeoutMsg: 'the window never showed the toolbar (is ui/dist embedded in the binary?)' });
    await browser.waitUntil(
      () => browser.execute(() => !!document.querySelector('[data-testid="empty-state"], [data-testid="key-list"], [data-testid="no-matches"]')),
      { timeout: 15_000, timeoutMsg: 'the inventory never finished loading (no empty state, no list)' },
    );
    const installed = await browser.execute(new Function(RECORDER));
    assert.ok(installed?.installed?.includes('callbacks'), `the IPC recorder could not hook __TAURI_INTERNALS__.callbacks: ${JSON.stringify(installed)}`);
    app.recorderInfo = installed;
    await app.sweep();
  } catch (error) {
    await app.close({ failed: true });
    throw error;
  }
  return app;
}

export class AppSession {
  constructor(name, browser, dataDir) {
    this.name = name;
    this.browser = browser;
    this.dataDir = dataDir;
    this.closed = false;
    this.recording = { responses: [], raw: [], errors: [] };
    /** Channels the page holds open for good (inventory_watch; a team member's team_watch too). */
    this.channels = 1;
    /**
     * How many keys' details the sweeps open: all of them, except in a benchmark of 10,000 keys
     * seeded without values, where 10,000 `key_show` calls through WebDriver take minutes.
     */
    this.sweepDetails = Infinity;
  }

  $(testid) {
    return this.browser.$(tid(testid));
  }

  $$(testid) {
    return this.browser.$$(tid(testid));
  }

  /** Waits until a testid is displayed and returns the element. */
  async shown(testid, timeout = 10_000, why = '') {
    const el = this.$(testid);
    await el.waitForDisplayed({ timeout, timeoutMsg: `${testid} was not displayed within ${timeout} ms${why ? `: ${why}` : ''}` });
    return el;
  }

  async click(testid) {
    const el = await this.shown(testid);
    await el.waitForEnabled({ timeoutMsg: `${testid} stayed disabled` });
    await el.click();
    return el;
  }

  /**
   * Types into a field, at the end of its text. (WebDriver "clear" fires no input event, so
   * Svelte's bind:value would keep the old text: fields are only ever typed into. No click
   * first: a click puts the caret where it lands, in the middle of any existing text.)
   */
  async type(testid, text) {
    const el = await this.shown(testid);
    await this.browser.execute((el) => {
      el.focus();
      if (typeof el.setSelectionRange === 'function' && el.type !== 'number') el.setSelectionRange(el.value.length, el.value.length);
    }, el);
    await el.addValue(text);
    return el;
  }

  /** Replaces a text field's value the way a user would: backspaces, then typing. */
  async retype(testid, text) {
    const el = await this.shown(testid);
    const current = await el.getValue();
    await this.type(testid, '\uE003'.repeat(current.length) + text);
    let last = null;
    await this.browser.waitUntil(async () => (last = await el.getValue()) === text, { timeout: 3_000 }).catch(() => {
      throw new Error(`${testid} should hold "${text}" after retyping, holds "${last}"`);
    });
    return el;
  }

  /** Uncaught errors and unhandled rejections in the page since the recorder was installed. */
  async pageErrors() {
    if (this.closed) return this.recording.errors ?? [];
    return this.browser.execute(() => (window.__kwRecorder ? window.__kwRecorder.errors.slice() : []));
  }

  /** Key rows currently rendered: [{id, name, env, purpose, text}] */
  rows() {
    return this.browser.execute(() =>
      [...document.querySelectorAll('[data-testid="key-row"]')].map((r) => ({
        id: r.dataset.keyId,
        name: r.dataset.keyName,
        env: r.dataset.env,
        purpose: r.dataset.purpose,
        text: r.innerText,
        top: r.getBoundingClientRect().top,
      })),
    );
  }

  async waitForRow(name, timeout = 10_000) {
    let found = null;
    await this.browser.waitUntil(
      async () => {
        found = (await this.rows()).find((r) => r.name === name) ?? null;
        return found !== null;
      },
      { timeout, timeoutMsg: `no key row named "${name}" appeared within ${timeout} ms` },
    );
    return found;
  }

  /**
   * Calls a backend command through the page's own IPC (so the recorder sees the answer):
   * `{ ok: result }` or `{ err: error }`.
   */
  invoke(cmd, args = {}) {
    return this.browser.executeAsync(
      (cmd, args, done) => {
        window.__TAURI_INTERNALS__.invoke(cmd, args).then(
          (ok) => done({ ok }),
          (err) => done({ err }),
        );
      },
      cmd,
      args,
    );
  }

  /**
   * Asks the backend everything it would tell the window about the current inventory: keys,
   * every key's detail and audit trail, settings, keychain status. Run right after the recorder
   * is installed (the page's own start-up calls happen before it) and again at the end, so the
   * canary check covers every read command whatever the test did.
   */
  async sweep() {
    await this.ipcIdle();
    const keys = await this.invoke('keys_list');
    for (const key of (keys.ok ?? []).slice(0, this.sweepDetails)) await this.invoke('key_show', { id: key.id });
    await this.invoke('audit_list', { keyId: null });
    await this.invoke('settings_get');
    await this.invoke('keychain_status');
    return keys.ok ?? [];
  }

  /**
   * Waits until no IPC call of the page is in flight (each pending invoke holds two entries in
   * `__TAURI_INTERNALS__.callbacks`; the one permanent entry is the Channel the window gets
   * inventory changes on, see `inventory_watch`: so at most one entry means idle). Used before the
   * sweeps, so that their keychain_status does not run concurrently with the window's own: two
   * concurrent health checks share one probe entry in the keychain and can fail each other
   * (reported to the lead; a core issue, not a test one).
   */
  async ipcIdle(timeout = 10_000) {
    await this.browser.waitUntil(() => this.browser.execute((open) => window.__TAURI_INTERNALS__.callbacks.size <= open, this.channels), {
      timeout,
      interval: 20,
      timeoutMsg: `IPC calls of the window still in flight after ${timeout} ms`,
    });
  }

  /** The IPC responses recorded since the recorder was installed. */
  async collect() {
    if (this.closed) return this.recording;
    const got = await this.browser.execute(() => {
      const r = window.__kwRecorder;
      return r ? { responses: r.responses.slice(), raw: r.raw.slice(), errors: r.errors.slice() } : null;
    });
    if (got) this.recording = got;
    return this.recording;
  }

  /** The whole page as text and HTML, plus every input's current value. */
  pageDump() {
    return this.browser.execute(() => ({
      html: document.documentElement.outerHTML,
      text: document.body.innerText,
      inputs: [...document.querySelectorAll('input, textarea')].map((i) => i.value).join('\n'),
    }));
  }

  screenshot(file) {
    return screenshot(file);
  }

  /**
   * Ends the session: collects the IPC recording (kept for the suite-wide check), ends the
   * WebDriver session and makes sure the app and its WebKit processes are gone.
   */
  async close({ failed = false } = {}) {
    if (this.closed) return this.recording;
    const slug = this.name.replace(/[^a-z0-9]+/gi, '-');
    if (failed) {
      try {
        screenshot(`fail-${slug}.png`);
      } catch {
        // best effort
      }
    }
    try {
      if (!failed) await this.sweep();
      await this.collect();
    } catch {
      // the page may be gone; keep what we have
    }
    if (failed) {
      // What the window was told, for the post-mortem (test values only, never real secrets).
      try {
        const text = await this.browser.execute(() => document.body.innerText).catch(() => null);
        writeFileSync(join(ARTIFACTS, `fail-${slug}.json`), JSON.stringify({ pageText: text, ...this.recording }, null, 2));
      } catch {
        // best effort
      }
    }
    recorded.responses.push(...this.recording.responses);
    recorded.raw.push(...this.recording.raw);
    recorded.sessions++;
    this.closed = true;
    try {
      await this.browser.deleteSession();
    } catch {
      // tauri-driver/WebKitWebDriver may already have dropped it
    }
    // The app (and WebKit's processes, which inherit its environment) must be gone before the
    // next test starts; WebKitWebDriver normally closes it at once.
    for (let i = 0; i < 250; i++) {
      if (processesUsing(this.dataDir).length === 0) return this.recording;
      await sleep(20);
    }
    const left = processesUsing(this.dataDir);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    throw new Error(`the app session "${this.name}" left processes behind after the session ended: ${left.join(', ')}`);
  }
}

/**
 * Runs `body(app)` in a fresh app session and always closes it. Afterwards, asserts that no
 * IPC response of that session carried a canary value (and that the recorder saw something).
 */
export async function withApp(name, options, body) {
  if (typeof options === 'function') [options, body] = [{}, options];
  const app = await startApp(name, options);
  let failed = true;
  try {
    await body(app);
    failed = false;
  } finally {
    await app.close({ failed });
  }
  const { responses, raw, errors } = app.recording;
  assert.deepEqual(errors, [], `the page of "${name}" threw errors`);
  assert.ok(responses.length > 0, `the IPC recorder saw no response in "${name}": the canary check would pass vacuously`);
  const hits = findCanaries({
    [`an IPC response of "${name}"`]: responses.join('\n'),
    [`a raw IPC body of "${name}"`]: raw.join('\n'),
  });
  assert.deepEqual(hits, [], 'a secret value came back from the backend');
  return app;
}

/** Asserts that the page holds no canary (text, HTML or a field's value). */
export async function assertPageClean(app, when) {
  const dump = await app.pageDump();
  const hits = findCanaries({ [`the page text ${when}`]: dump.text, [`the page HTML ${when}`]: dump.html, [`an input ${when}`]: dump.inputs });
  assert.deepEqual(hits, [], `a secret value is visible in the page ${when}`);
}
