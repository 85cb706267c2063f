// Finding things and the keyboard in the real window (issue 16, points 9 and 10): the layout at
// 900, 1,000 and 1,400 px with ~40 keys (one with a very long name), checked by geometry and
// kept as screenshots (artifacts/e2e/layout-<width>.png); the one "New key" entry with its two
// ways; an accessible name and a tooltip on every toolbar action; the sort by due date; and the
// keyboard: Down from the search field into the list, Enter opens, Escape goes back, Ctrl+C
// copies the selected key through the Rust clipboard path (never text selected in a field), `?`
// lists the shortcuts. Run via tests/e2e/run.sh.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ARTIFACTS, DISPLAY, assertPageClean, canary, cli, newDataDir, readClipboard, sleep, tid, withApp, writeInputFile } from './lib/harness.mjs';

const TIMEOUT = 240_000;
const DAY = 86_400_000;
const daysAgo = (n) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

const LONG_NAME =
  'Production analytics export for the quarterly board report, warehouse sync of the EU region, read only, owned by data platform';

/**
 * ~40 keys in three environments through one CSV import (values are canaries), with their
 * rotation dates: in prod / "Sync warehouse", the alphabetical order (alpha, bravo, charlie) is
 * not the order they fall due (bravo rotated 170 days ago, charlie 90, alpha 20).
 * Returns name → value.
 */
function seed(dataDir) {
  const values = new Map();
  const rows = [];
  const add = (name, env, purpose, rotatedDaysAgo, owner = 'platform') => {
    const value = canary.postnomic();
    values.set(name, value);
    rows.push(`"${name}",${value},postnomic,,${env},${purpose},${owner},${daysAgo(400)},${daysAgo(rotatedDaysAgo)}`);
  };
  add('alpha-sync', 'prod', 'Sync warehouse', 20);
  add('bravo-sync', 'prod', 'Sync warehouse', 170);
  add('charlie-sync', 'prod', 'Sync warehouse', 90);
  add(LONG_NAME, 'dev', 'Analytics export', 30); // listed first: dev is the first environment
  const envs = ['prod', 'staging', 'dev'];
  const purposes = ['Read blog content', 'Publish posts', 'Render previews'];
  for (let i = 0; i < 36; i++) {
    add(`blog-${String(i).padStart(2, '0')}-${envs[i % 3]}`, envs[i % 3], purposes[Math.floor(i / 3) % purposes.length], 5 + ((i * 37) % 300), `team-${i % 4}`);
  }
  const csv = writeInputFile('layout.csv', ['name,secret,provider,kind,environment,purpose,owner,created_at,last_rotated_at', ...rows].join('\n') + '\n');
  cli(dataDir, ['import', csv]);
  return values;
}

/**
 * The real window's pixels, cropped to the window (it sits at the screen's top left: Xvfb runs
 * no window manager), into artifacts/e2e/<file>. (WebDriver's own screenshot times out after
 * a resize under Xvfb.)
 */
async function windowShot(app, file) {
  const { w, h } = await app.browser.execute(() => ({ w: window.innerWidth, h: window.innerHeight }));
  const path = join(ARTIFACTS, file);
  const r = spawnSync('import', ['-display', DISPLAY, '-window', 'root', '-crop', `${w}x${h}+0+0`, '+repage', path], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`import (screenshot ${file}) failed: ${r.stderr}`);
  return path;
}

/** Sizes the window so that the page is `width` CSS px wide; returns the page's inner width. */
async function setWidth(app, width, height = 760) {
  await app.browser.setWindowSize(width, height);
  let inner = 0;
  await app.browser
    .waitUntil(async () => (inner = await app.browser.execute(() => window.innerWidth)) <= width && inner >= width - 40, { timeout: 5_000 })
    .catch(() => {
      throw new Error(`the window should be about ${width} px wide after setWindowSize, the page is ${inner} px`);
    });
  await sleep(300); // layout and the virtual list settle
  return inner;
}

/** Geometry of the toolbar, the list rows and their status pills, measured in the page. */
function measure(app) {
  return app.browser.execute(() => {
    const rect = (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
    };
    const q = (s) => document.querySelector(s);
    const scroller = q('[data-testid="key-list"]');
    const rows = [...document.querySelectorAll('[data-testid="key-row"]')].map((row) => {
      const pill = row.querySelector('[data-testid="status-pill"]') ?? row.querySelector('.status .pill') ?? row.querySelector('.status');
      const name = row.querySelector('[data-testid="key-name"]') ?? row.querySelector('.name');
      return {
        name: row.dataset.keyName,
        row: rect(row),
        pill: pill ? rect(pill) : null,
        nameTitle: name?.getAttribute('title') ?? null,
        nameCut: name ? name.scrollWidth > name.clientWidth + 1 : false,
      };
    });
    const buttons = [...document.querySelectorAll('header.toolbar button, header.toolbar [role="button"]')].map((b) => ({
      testid: b.dataset.testid ?? b.outerHTML.slice(0, 80),
      name: (b.getAttribute('aria-label') || b.textContent || '').trim(),
      title: (b.getAttribute('title') || b.closest('[title]')?.getAttribute('title') || '').trim(),
      shown: b.getBoundingClientRect().width > 0,
    }));
    return {
      inner: window.innerWidth,
      count: q('[data-testid="key-count"]') ? rect(q('[data-testid="key-count"]')) : null,
      newKey: q('[data-testid="new-key"]') ? rect(q('[data-testid="new-key"]')) : null,
      search: rect(q('[data-testid="search"]')),
      scroller: scroller ? rect(scroller) : null,
      scrollerInner: scroller ? scroller.clientWidth : 0,
      rows,
      buttons,
    };
  });
}

function assertRowsFit(m, when) {
  assert.ok(m.rows.length >= 5, `${when}: the list should show rows (${m.rows.length})`);
  for (const r of m.rows) {
    assert.ok(r.pill, `${when}: the row "${r.name}" has a status pill`);
    const right = Math.min(r.row.right, m.scroller.left + m.scrollerInner, m.inner);
    assert.ok(
      r.pill.right <= right + 0.5 && r.pill.left >= r.row.left - 0.5,
      `${when}: the status pill of "${r.name}" is clipped (pill ${r.pill.left.toFixed(0)}–${r.pill.right.toFixed(0)}, visible row up to ${right.toFixed(0)})`,
    );
    assert.ok(r.pill.width > 20, `${when}: the status pill of "${r.name}" is squeezed to ${r.pill.width} px`);
  }
}

test('L1. layout at 900, 1,000 and 1,400 px: one toolbar line with the count, pills whole, long names with a tooltip, every action named', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('layout');
  seed(dataDir);
  await withApp('layout', { dataDir }, async (app) => {
    await app.waitForRow(LONG_NAME); // the list is virtual: only rows in view exist
    for (const width of [900, 1000, 1400]) {
      const when = `at ${width} px`;
      await setWidth(app, width);
      await app.browser.execute(() => (document.querySelector('[data-testid="key-list"]').scrollTop = 0));
      await sleep(150);
      const m = await measure(app);

      // The count sits on the toolbar's line (beside the actions), not on a line of its own.
      assert.ok(m.count, `${when}: the key count is shown`);
      assert.ok(m.newKey, `${when}: the toolbar has one "New key" entry (data-testid=new-key)`);
      const countMiddle = (m.count.top + m.count.bottom) / 2;
      assert.ok(
        countMiddle >= m.newKey.top && countMiddle <= m.newKey.bottom,
        `${when}: the count (top ${m.count.top.toFixed(0)}) should be on the toolbar's line with "New key" (top ${m.newKey.top.toFixed(0)})`,
      );
      assert.ok(m.count.right <= m.inner && m.newKey.right <= m.inner, `${when}: the toolbar fits the window`);

      // Every toolbar action has an accessible name and a tooltip.
      for (const b of m.buttons.filter((b) => b.shown)) {
        assert.ok(b.name, `${when}: the toolbar button ${b.testid} has no accessible name`);
        assert.ok(b.title, `${when}: the toolbar button ${b.testid} has no tooltip (title)`);
      }

      assertRowsFit(m, when);
      const long = m.rows.find((r) => r.name === LONG_NAME);
      assert.ok(long, `${when}: the long-named key is listed`);
      assert.equal(long.nameTitle, LONG_NAME, `${when}: the long name has a tooltip with the full name`);
      await windowShot(app, `layout-${width}.png`);

      // With the detail panel open the list is narrower: the pills still fit, long names cut with a tooltip.
      await app.browser.$(`${tid('key-row')}[data-key-name="${LONG_NAME}"]`).click();
      await app.shown('key-detail', 10_000, 'clicking a row opens its detail');
      await sleep(200);
      const open = await measure(app);
      assertRowsFit(open, `${when} with the detail open`);
      const cut = open.rows.find((r) => r.name === LONG_NAME);
      assert.ok(cut?.nameCut, `${when} with the detail open: the long name should be ellipsized`);
      assert.equal(cut.nameTitle, LONG_NAME, `${when} with the detail open: the cut name has a tooltip`);
      // The env var wraps at its underscores (or is ellipsized with a tooltip), never mid-word.
      const envVar = await app.browser.execute(() => {
        const el = document.querySelector('[data-testid="detail-env-var"]');
        if (!el) return null;
        const range = document.createRange();
        range.selectNodeContents(el);
        const lines = [...range.getClientRects()].length;
        return { text: el.textContent, title: el.getAttribute('title'), wbr: el.querySelectorAll('wbr').length, lines, cut: el.scrollWidth > el.clientWidth + 1 };
      });
      assert.ok(envVar, `${when}: the detail shows the env var (data-testid=detail-env-var)`);
      assert.ok(envVar.wbr > 0 || envVar.title, `${when}: the env var "${envVar.text}" may only wrap at "_" (or be cut with a tooltip)`);
      // The generated name itself is cut (at 128 characters) between words, never inside one.
      const words = new Set(LONG_NAME.toUpperCase().split(/[^A-Z0-9]+/).filter(Boolean));
      const parts = envVar.text.split('_').slice(1);
      assert.ok(parts.length > 3 && parts.every((p) => words.has(p)), `${when}: the generated env var "${envVar.text}" ends in a cut word`);
      await windowShot(app, `layout-${width}-detail.png`);
      await app.browser.keys('Escape');
      await app.$('key-detail').waitForExist({ reverse: true, timeout: 5_000 });
    }

    // The one "New key" entry offers both ways.
    await setWidth(app, 1000);
    await app.click('new-key');
    const add = await app.shown('add-key', 3_000, '"New key" should offer adding an existing key');
    const create = await app.shown('create-key', 3_000, '"New key" should offer creating one through the provider');
    assert.match(await add.getText(), /existing/i, 'the first way says it adds an existing key');
    assert.match(await create.getText(), /creat/i, 'the second way says it creates a key');
    await app.browser.keys('Escape');
    await add.waitForDisplayed({ reverse: true, timeout: 3_000, timeoutMsg: 'Escape should close the New key menu' });

    // The create wizard has no stray scrollbar at a narrow width.
    await setWidth(app, 900);
    await app.click('new-key');
    await app.click('create-key');
    await app.shown('create-wizard', 5_000, '"Create through the provider" opens the create wizard');
    await sleep(200);
    const overflow = await app.browser.execute(() => {
      const content = document.querySelector('[data-testid="create-wizard"] .content');
      const edge = content.getBoundingClientRect().right;
      const wide = [...content.querySelectorAll('*')]
        .filter((el) => el.getBoundingClientRect().right > edge + 0.5)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
        .slice(0, 5);
      return { scroll: content.scrollWidth, client: content.clientWidth, wide };
    });
    assert.ok(
      overflow.scroll <= overflow.client,
      `the create wizard should not scroll sideways (content ${overflow.scroll} px in ${overflow.client} px; too wide: ${overflow.wide.join(', ')})`,
    );
    await windowShot(app, 'layout-900-create.png');
    await app.click('create-cancel');

    // Sort by the date the next rotation falls due.
    await setWidth(app, 1400);
    await app.$('search').addValue('-sync');
    await app.browser.waitUntil(async () => (await app.rows()).length === 3, { timeout: 5_000, timeoutMsg: 'searching "-sync" leaves the three sync keys' });
    assert.deepEqual((await app.rows()).sort((a, b) => a.top - b.top).map((r) => r.name), ['alpha-sync', 'bravo-sync', 'charlie-sync'], 'by name first');
    const sort = await app.shown('sort', 3_000, 'the list offers a sort (data-testid=sort)');
    await sort.selectByAttribute('value', 'due');
    await app.browser.waitUntil(
      async () => (await app.rows()).sort((a, b) => a.top - b.top).map((r) => r.name).join() === 'bravo-sync,charlie-sync,alpha-sync',
      { timeout: 5_000, timeoutMsg: 'sorted by due date: bravo (rotated 170 days ago), charlie (90), alpha (20)' },
    );
  });
});

test('L2. keyboard: Down from search into the list, Enter opens, Escape goes back, Ctrl+C copies the selected key, ? lists the shortcuts', { timeout: TIMEOUT }, async () => {
  const dataDir = newDataDir('keyboard');
  const values = seed(dataDir);
  await withApp('keyboard', { dataDir }, async (app) => {
    const updated = await app.invoke('settings_update', { patch: { clipboard_timeout_secs: 5 } });
    assert.equal(updated.ok?.clipboard_timeout_secs, 5, 'a 5 s clipboard timeout is accepted');
    await app.waitForRow(LONG_NAME); // the list is virtual: only rows in view exist
    const focused = () => app.browser.execute(() => document.activeElement?.dataset?.testid ?? document.activeElement?.tagName);
    const selectedRow = () =>
      app.browser.execute(() => {
        const row = document.querySelector('[data-testid="key-row"][aria-selected="true"]');
        return row ? { id: row.dataset.keyId, name: row.dataset.keyName } : null;
      });

    // Down from the search field moves into the results: the list has the focus, a key is selected.
    await app.$('search').click();
    assert.equal(await focused(), 'search', 'the search field has the focus');
    await app.browser.keys('ArrowDown');
    await app.browser.waitUntil(async () => (await focused()) === 'key-list', { timeout: 3_000, timeoutMsg: 'Down in the search field should move the focus into the list' });
    let first = null;
    await app.browser.waitUntil(async () => (first = await selectedRow()) !== null, { timeout: 3_000, timeoutMsg: 'Down from the search field should select a key' });
    await app.browser.keys('ArrowDown');
    await app.browser.waitUntil(async () => (await selectedRow())?.id !== first.id, { timeout: 3_000, timeoutMsg: 'Down in the list moves the selection' });
    await app.browser.keys('ArrowUp');
    await app.browser.waitUntil(async () => (await selectedRow())?.id === first.id, { timeout: 3_000, timeoutMsg: 'Up in the list moves the selection back' });

    // Ctrl+C with text selected in a field copies that text, never the selected key's value.
    await app.browser.keys(['Control', 'k']);
    await app.browser.waitUntil(async () => (await focused()) === 'search', { timeout: 3_000 });
    await app.browser.keys(first.name.slice(0, 5));
    await app.browser.keys(['Control', 'a']);
    await app.browser.keys(['Control', 'c']);
    await sleep(700);
    assert.notEqual(readClipboard(), values.get(first.name), 'Ctrl+C in the search field must not copy the selected key');
    assert.equal((await app.$$('copy-toast')).length, 0, 'Ctrl+C in the search field must not copy a key');
    await app.browser.keys('Escape'); // clears the search
    await app.browser.waitUntil(async () => (await app.rows()).length > 5, { timeout: 3_000, timeoutMsg: 'Escape clears the search' });

    // Back in the list, Enter opens the selected key's detail.
    await app.$('search').click();
    await app.browser.keys('ArrowDown');
    await app.browser.waitUntil(async () => (await focused()) === 'key-list', { timeout: 3_000, timeoutMsg: 'Down moves into the list again' });
    const row = await selectedRow();
    assert.ok(row && values.has(row.name), `a seeded key is selected (${JSON.stringify(row)})`);
    await app.browser.keys('Enter');
    const detail = await app.shown('key-detail', 5_000, 'Enter opens the selected key');
    assert.equal(await detail.getAttribute('data-key-id'), row.id, 'the detail shows the selected key');

    // Ctrl+C copies the selected key's value through the backend; the clipboard clears after the timeout.
    assert.notEqual(readClipboard(), values.get(row.name), 'the clipboard does not hold the value yet');
    await app.browser.keys(['Control', 'c']);
    await app.shown('copy-toast', 5_000, 'Ctrl+C on a selected key copies it (toast)');
    let held = null;
    await app.browser.waitUntil(() => (held = readClipboard()) === values.get(row.name), {
      timeout: 3_000,
      interval: 100,
      timeoutMsg: `Ctrl+C should put the selected key's value on the clipboard (read ${held === null ? 'nothing' : `${held.length} other characters`})`,
    });
    await assertPageClean(app, 'after Ctrl+C');
    await app.browser.waitUntil(() => !readClipboard(), { timeout: 15_000, interval: 250, timeoutMsg: 'the clipboard is cleared after the 5 s timeout' });

    // Escape goes back: the detail closes, the list keeps the focus and the selection.
    await app.browser.keys('Escape');
    await app.$('key-detail').waitForExist({ reverse: true, timeout: 3_000, timeoutMsg: 'Escape closes the detail' });
    assert.equal((await selectedRow())?.id, row.id, 'the selection stays after Escape');

    // `?` lists the shortcuts; Escape closes the list; the toolbar's help button opens it too.
    await app.browser.keys('?');
    const overlay = await app.shown('shortcuts', 3_000, '`?` should show the keyboard shortcuts');
    const text = await overlay.getText();
    for (const needle of [/Ctrl\+C/i, /Enter/i, /Esc/i, /Ctrl\+K/i, /\?/]) assert.match(text, needle, `the shortcuts list ${needle}`);
    await windowShot(app, 'layout-shortcuts.png');
    await app.browser.keys('Escape');
    await overlay.waitForDisplayed({ reverse: true, timeout: 3_000, timeoutMsg: 'Escape closes the shortcuts' });
    await app.click('shortcuts-help');
    await app.shown('shortcuts', 3_000, 'the toolbar help button shows the shortcuts');
    await app.browser.keys('Escape');
  });
});
