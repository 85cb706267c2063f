// Findings and the team review in the real window (issue 6). A seeded inventory — keys added
// through the CLI with their real creation and rotation dates, plus a CSV import with date
// columns, before the app starts — must show the right badges, the filter by finding, the
// findings panel (with acknowledging) and the Review view; the review's CSV and JSON exports
// parse with the right rows, and the HTML report renders (a screenshot, taken in WebKit's
// MiniBrowser, the same engine as the window) and holds no secret. Run via tests/e2e/run.sh.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { remote } from 'webdriverio';
import {
  APP_LOG,
  ARTIFACTS,
  DISPLAY,
  FILES,
  assertPageClean,
  canaries,
  canary,
  cli,
  findCanaries,
  findCanariesInFiles,
  newDataDir,
  sleep,
  withApp,
  writeInputFile,
} from './lib/harness.mjs';

const TIMEOUT = 180_000;
const DAY = 86_400_000;
const daysAgo = (n) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

/** A Postmark token (a UUID) registered as a canary. */
function postmarkToken() {
  const value = randomUUID();
  canaries.add(value);
  return value;
}

function add(dataDir, value, args) {
  return JSON.parse(cli(dataDir, ['add', ...args, '--format', 'json'], value));
}

/**
 * The seeded inventory:
 * - "mail-old" (prod, Postmark server token, created 200 days ago, never rotated): stale, overdue.
 * - "admin-as-sender" (prod, Postmark account token for sending email): over-privileged.
 * - "ci-no-owner" (dev, Postman key, no owner): incomplete.
 * - from a CSV with date columns: "blog-fresh" (staging, rotated 10 days ago: nothing due) and
 *   "blog-due" (staging, rotated 170 days ago: due within 14 days of staging's 180).
 */
function seed(dataDir) {
  const keys = {};
  keys.mailOld = add(dataDir, postmarkToken(), [
    '--provider', 'postmark', '--kind', 'server_token', '--name', 'mail-old', '--env', 'prod',
    '--purpose', 'Send transactional email', '--owner', 'mail-team', '--created-at', daysAgo(200),
  ]);
  keys.admin = add(dataDir, postmarkToken(), [
    '--provider', 'postmark', '--kind', 'account_token', '--name', 'admin-as-sender', '--env', 'prod',
    '--purpose', 'Send transactional email', '--owner', 'ops', '--created-at', daysAgo(5),
  ]);
  keys.ci = add(dataDir, canary.postman(), ['--name', 'ci-no-owner', '--env', 'dev', '--purpose', 'run API tests']);
  const csv = writeInputFile(
    'keys.csv',
    [
      'name,secret,provider,kind,environment,purpose,owner,created_at,last_rotated_at',
      `blog-fresh,${canary.postnomic()},postnomic,,staging,Read blog content,web-team,${daysAgo(400)},${daysAgo(10)}`,
      `blog-due,${canary.postnomic()},postnomic,,staging,Read blog content,web-team,${daysAgo(400)},${daysAgo(170)}`,
    ].join('\n') + '\n',
  );
  cli(dataDir, ['import', csv]);
  return keys;
}

/** A minimal RFC 4180 reader (quoted fields, doubled quotes, commas and newlines inside). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows;
}

async function badgesOf(app, name) {
  return app.browser.execute((name) => {
    const row = [...document.querySelectorAll('[data-testid="key-row"]')].find((r) => r.dataset.keyName === name);
    return row ? [...row.querySelectorAll('[data-testid="finding-badge"]')].map((b) => b.dataset.kind) : null;
  }, name);
}

async function openKey(app, name) {
  await app.waitForRow(name);
  await app.browser.execute((name) => {
    [...document.querySelectorAll('[data-testid="key-row"]')].find((r) => r.dataset.keyName === name)?.click();
  }, name);
  const detail = await app.shown('key-detail');
  await app.browser.waitUntil(async () => (await app.$('detail-name').getText()) === name, { timeout: 5_000, timeoutMsg: `the detail of ${name} did not open` });
  return detail;
}

async function selectFinding(app, value) {
  const select = await app.shown('filter-finding');
  await select.selectByAttribute('value', value);
}

/**
 * Clicks the export button of `format`; the backend's save dialog is answered by
 * KEYWARD_DIALOG_ANSWER (a folder: the proposed file name in it), since WebDriver cannot drive
 * a GTK dialog. Returns the written file's text.
 */
async function exportAs(app, format, dir) {
  await app.browser.execute((format) => {
    [...document.querySelectorAll('[data-testid="review-export"]')].find((b) => b.dataset.format === format)?.click();
  }, format);
  await app.browser.waitUntil(
    () => app.browser.execute((format) => document.querySelector('[data-testid="review-exported"]')?.dataset.format === format, format),
    { timeout: 10_000, timeoutMsg: `exporting ${format} did not finish` },
  ).catch(async (error) => {
    const shown = await app.browser.execute(() => document.querySelector('[data-testid="review-export-error"]')?.textContent ?? '');
    throw new Error(`${error.message}${shown ? `; the window says: ${shown}` : ''}`);
  });
  const path = await app.browser.execute(() => document.querySelector('[data-testid="review-exported"]')?.dataset.path);
  assert.equal(dirname(path), dir, `the ${format} export went into the folder the dialog answered`);
  assert.match(basename(path), new RegExp(`^keyward-review-\\d{4}-\\d{2}-\\d{2}\\.${format}$`), 'the proposed file name');
  return readFileSync(path, 'utf8');
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * Renders a local HTML file in WebKit's MiniBrowser (installed with libwebkit2gtk, the window's
 * own engine) through a WebKitWebDriver of its own, takes a screenshot and returns the page's
 * text. Every process started here is stopped by PID.
 */
async function renderInMiniBrowser(file, png) {
  const port = await freePort();
  const env = { ...process.env, DISPLAY, GDK_BACKEND: 'x11', NO_AT_BRIDGE: '1', WEBKIT_DISABLE_DMABUF_RENDERER: '1' };
  const driver = spawn('WebKitWebDriver', [`--port=${port}`], { env, stdio: 'ignore' });
  try {
    let browser = null;
    for (let i = 0; i < 100 && browser === null; i++) {
      try {
        browser = await remote({
          hostname: '127.0.0.1',
          port,
          path: '/',
          logLevel: 'silent',
          connectionRetryCount: 0,
          capabilities: {
            browserName: 'MiniBrowser',
            'wdio:enforceWebDriverClassic': true,
            'webkitgtk:browserOptions': {
              binary: process.env.KEYWARD_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
              args: ['--automation', '--geometry=1200x1400'],
            },
          },
        });
      } catch (error) {
        if (i === 99) throw error;
        await sleep(100);
      }
    }
    try {
      await browser.url(`file://${file}`);
      await browser.$('table').waitForExist({ timeout: 10_000, timeoutMsg: 'the HTML report shows no table' });
      const text = await browser.execute(() => document.body.innerText);
      const styled = await browser.execute(() => getComputedStyle(document.body).fontFamily);
      writeFileSync(join(ARTIFACTS, png), Buffer.from(await browser.takeScreenshot(), 'base64'));
      return { text, styled };
    } finally {
      await browser.deleteSession().catch(() => undefined);
    }
  } finally {
    driver.kill('SIGTERM');
  }
}

test('findings: badges, filter, findings panel, acknowledging, Review view and its exports', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('findings');
  const keys = seed(dataDir);
  const out = mkdtempSync(join(FILES, 'review-'));

  // The due-key check runs 3 s after start (not 20 s, then daily): it must notify with counts
  // only and, with no notification daemon on this bus, log that and carry on.
  await withApp('findings', { dataDir, env: ['KEYWARD_DUE_CHECK_SECS=3', `KEYWARD_DIALOG_ANSWER=${out}`] }, async (app) => {
    // --- badges on rows
    await app.waitForRow('blog-due');
    assert.deepEqual(await badgesOf(app, 'mail-old'), ['stale'], 'a prod key 200 days old (max 90) is flagged stale, nothing else');
    assert.ok((await badgesOf(app, 'admin-as-sender')).includes('over_privileged'), 'an account token used to send email is over-privileged');
    assert.ok(!(await badgesOf(app, 'ci-no-owner')).includes('incomplete'), 'a missing owner is a gentle prompt in the detail, not a badge (issue 16)');
    assert.deepEqual(await badgesOf(app, 'blog-fresh'), [], 'a staging key rotated 10 days ago has no finding');
    app.screenshot('findings-badges.png');

    // --- the filter by finding, with counts
    const options = await app.browser.execute(() =>
      [...document.querySelectorAll('[data-testid="filter-finding"] option')].map((o) => ({ value: o.value, text: o.textContent.trim() })),
    );
    assert.ok(options.some((o) => o.value === 'stale' && /\(1\)$/.test(o.text)), `the filter offers "Stale (1)": ${JSON.stringify(options)}`);
    await selectFinding(app, 'stale');
    await app.browser.waitUntil(async () => (await app.rows()).length === 1, { timeout: 5_000, timeoutMsg: 'filtering by "stale" should leave one row' });
    assert.equal((await app.rows())[0].name, 'mail-old');
    await selectFinding(app, '');

    // --- the findings panel: reason, advice, the one-click fix; acknowledge with a reason
    await openKey(app, 'mail-old');
    const stale = await app.browser.execute(() => {
      const f = document.querySelector('[data-testid="finding"][data-kind="stale"]');
      return f && {
        reason: f.querySelector('[data-testid="finding-reason"]')?.textContent ?? '',
        advice: f.querySelector('[data-testid="finding-advice"]')?.textContent ?? '',
        fix: f.querySelector('[data-testid="finding-fix"]')?.dataset.fix ?? null,
      };
    });
    assert.ok(stale, 'the findings panel lists the stale finding');
    assert.match(stale.reason, /90/, `the reason names the prod limit: ${stale.reason}`);
    assert.ok(stale.advice.length > 0, 'the finding says what to do');
    assert.equal(stale.fix, 'rotate', 'a stale key offers Rotate');
    await app.browser.execute(() => document.querySelector('[data-testid="finding"][data-kind="stale"] [data-testid="finding-ack-open"]')?.click());
    await app.type('ack-reason', 'Rotated with the vendor migration next month');
    await app.click('ack-submit');
    await app.browser.waitUntil(
      () => app.browser.execute(() => document.querySelector('[data-testid="finding"][data-kind="stale"]')?.dataset.acknowledged === 'yes'),
      { timeout: 10_000, timeoutMsg: 'the stale finding should show as acknowledged' },
    );
    assert.deepEqual(await badgesOf(app, 'mail-old'), ['acknowledged'], 'the row shows the finding as acknowledged');
    const audit = JSON.parse(cli(dataDir, ['audit', '--key', keys.mailOld.id, '--format', 'json']));
    assert.ok(audit.some((e) => e.action === 'finding_acknowledged' && /vendor migration/.test(e.detail)), 'the acknowledgement is in the audit log with its reason');
    await selectFinding(app, 'acknowledged');
    await app.browser.waitUntil(async () => (await app.rows()).map((r) => r.name).join() === 'mail-old', { timeout: 5_000, timeoutMsg: 'the "acknowledged" filter should list mail-old' });
    await selectFinding(app, '');
    await app.click('close-detail');

    // --- the Review view
    await app.click('review');
    const view = await app.shown('review-view', 15_000, 'the Review view should load');
    assert.equal(await view.getAttribute('data-total'), '5');
    const review = await app.browser.execute(() => ({
      envs: [...document.querySelectorAll('[data-testid="review-env"]')].map((e) => [e.dataset.env, Number(e.dataset.total)]),
      overdue: [...document.querySelectorAll('[data-testid="review-overdue"] [data-testid="review-item"]')].map((r) => r.innerText),
      dueSoon: [...document.querySelectorAll('[data-testid="review-due-soon"] [data-testid="review-item"]')].map((r) => r.innerText),
      bars: document.querySelectorAll('[data-testid="trend-bar"]').length,
    }));
    assert.deepEqual(Object.fromEntries(review.envs), { prod: 2, staging: 2, dev: 1 }, `keys per environment: ${JSON.stringify(review.envs)}`);
    assert.ok(review.overdue.some((t) => t.includes('mail-old') && t.includes('mail-team')), `mail-old is overdue, with its owner: ${review.overdue}`);
    assert.ok(review.dueSoon.some((t) => t.includes('blog-due') && t.includes('web-team')), `blog-due is due soon, with its owner: ${review.dueSoon}`);
    assert.ok(!review.overdue.concat(review.dueSoon).some((t) => t.includes('blog-fresh')), 'blog-fresh is neither overdue nor due');
    assert.ok(review.bars >= 4, `the rotation trend has weekly bars (${review.bars})`);
    app.screenshot('findings-review.png');

    // --- exports: the backend's save dialog, answered by KEYWARD_DIALOG_ANSWER
    assert.equal(await app.browser.execute(() => document.querySelector('[data-testid="review-export-path"]')), null, 'the window has no path field');
    const csv = parseCsv(await exportAs(app, 'csv', out));
    const header = csv[0];
    const name = header.indexOf('name');
    assert.ok(name >= 0 && header.includes('findings') && header.includes('due_at'), `CSV header: ${header}`);
    assert.deepEqual(csv.slice(1).map((r) => r[name]).sort(), ['admin-as-sender', 'blog-due', 'blog-fresh', 'ci-no-owner', 'mail-old']);
    const mailRow = csv.find((r) => r[name] === 'mail-old');
    assert.match(mailRow[header.indexOf('rotation_state')], /overdue/);
    const json = JSON.parse(await exportAs(app, 'json', out));
    assert.equal(json.key_count ?? json.keys?.length, 5, 'the JSON export counts 5 keys');
    assert.deepEqual(json.keys.map((k) => k.name).sort(), ['admin-as-sender', 'blog-due', 'blog-fresh', 'ci-no-owner', 'mail-old']);
    assert.ok(json.overdue.some((d) => d.name === 'mail-old'), 'the JSON export lists mail-old as overdue');
    const md = await exportAs(app, 'md', out);
    assert.match(md, /mail\\?-old/, 'the Markdown export names the overdue key (hyphens may be escaped)');
    const html = await exportAs(app, 'html', out);
    assert.match(html, /<html/i);
    await assertPageClean(app, 'after the review');

    // --- the due-key notification (counts only; no daemon here, so it is logged, not shown)
    if (APP_LOG) {
      // eslint-disable-next-line no-control-regex
      const log = () => readFileSync(APP_LOG, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
      await app.browser.waitUntil(() => /due check: notifying overdue=1 due_soon=1/.test(log()), {
        timeout: 15_000,
        timeoutMsg: 'the due-key check never ran (expected "due check: notifying overdue=1 due_soon=1" in the app log)',
      });
      assert.ok(await app.$('search').isDisplayed(), 'the window still works after the notification attempt');
    }
  });

  // --- the HTML report renders, without a secret
  const htmlFile = readdirSync(out).find((f) => f.endsWith('.html'));
  assert.ok(htmlFile, 'the HTML export is in the folder the dialog answered');
  const rendered = await renderInMiniBrowser(join(out, htmlFile), 'findings-report.png');
  assert.match(rendered.text, /mail-old/, 'the rendered report names the overdue key');
  assert.match(rendered.text, /blog-due/);
  assert.notEqual(rendered.styled, '', 'the report is styled (its CSS is inline)');
  assert.deepEqual(findCanaries({ 'the rendered HTML report': rendered.text }), []);
  assert.deepEqual(findCanariesInFiles(out), [], 'an exported review file holds a secret');
  assert.deepEqual(findCanariesInFiles(dataDir), [], 'the data dir holds a secret');
  if (APP_LOG) assert.deepEqual(findCanaries({ "the app's log": readFileSync(APP_LOG, 'utf8') }), [], "the app's log holds a secret");
});
