// The About box in the real app: the version the window shows is the Cargo workspace's (the
// one source of Keyward's version), the same the CLI reports; data dir and keychain backend
// are the session's. Run via tests/e2e/run.sh (which also runs it against the release binary
// that goes into the packages, when KEYWARD_APP points there).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI, cli, screenshot, withApp } from './lib/harness.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `version = "…"` under `[workspace.package]` in the root Cargo.toml. */
function workspaceVersion() {
  const manifest = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  const section = manifest.split(/^\[/m).find((s) => s.startsWith('workspace.package]'));
  const version = section?.match(/^version\s*=\s*"([^"]+)"/m)?.[1];
  assert.ok(version, 'Cargo.toml should have a version under [workspace.package]');
  return version;
}

test('about: the About box shows the workspace version, data dir and keychain backend', { timeout: 120_000 }, async () => {
  const version = workspaceVersion();
  await withApp('about', async (app) => {
    assert.equal(cli(app.dataDir, ['--version']).trim(), `keyward ${version}`, `${CLI} should report the workspace version`);

    await app.click('settings');
    await app.shown('settings-dialog', 5_000, 'the gear button should open the settings');
    await app.click('settings-about');
    await app.shown('about-dialog', 5_000, 'Settings → About Keyward should open the About box');
    await app.browser.waitUntil(async () => (await app.$('about-version').getText()) !== '…', { timeout: 5_000 });
    assert.equal(await app.$('about-version').getText(), version, 'the About box should show the workspace version');
    assert.equal(await app.$('about-name').getText(), 'Keyward');
    assert.equal(await app.$('about-data-dir').getText(), app.dataDir, 'the About box should show the data dir in use');
    assert.match(await app.$('about-keychain').getText(), /Secret Service .*available/, 'the About box should name the keychain backend');
    screenshot('about.png');
    await app.click('about-close');
    await app.browser.waitUntil(async () => !(await app.$('about-dialog').isExisting()), {
      timeout: 5_000,
      timeoutMsg: 'Close should close the About box',
    });
  });
});
