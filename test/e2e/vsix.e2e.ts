/**
 * The packaged extension, as a user gets it: `npm run package` builds the VSIX, a
 * fresh code-server installs it (no development path), and its command works.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, repoRoot, screenshot, startWorkbench, workbenchFromEnvironment, workbenchInstall, type Browser, type Workbench } from './harness';
import { openNewMilestone, PLAIN_BASH_SETTINGS } from './terminalUi';

describe('the packaged VSIX in a fresh workbench', () => {
  const vsix = join(repoRoot, 'milestone-terminals.vsix');
  let workbench: Workbench | undefined;
  let browser: Browser | undefined;

  before(() => {
    execFileSync('npm', ['run', 'package'], { cwd: repoRoot, stdio: 'pipe' });
  });

  after(async () => {
    await browser?.close();
    await workbench?.stop();
  });

  it('packages node-pty with its native binary and nothing superfluous', () => {
    const listing = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).split('\n').filter(Boolean);
    assert.ok(listing.includes('extension/node_modules/node-pty/build/Release/pty.node'), 'native binary shipped');
    assert.ok(listing.includes('extension/dist/extension.js'));
    assert.ok(listing.includes('extension/dist/webview.js'));
    for (const entry of listing) {
      assert.doesNotMatch(entry, /^extension\/(src|test|bench|scripts|out)\/|\.map$|\.ts$|prebuilds\//, entry);
    }
    assert.ok(statSync(vsix).size < 2 * 1024 * 1024, `VSIX is ${statSync(vsix).size} bytes`);
  });

  it('installs into a fresh code-server and opens a working terminal', async () => {
    const run = mkdtempSync(join(tmpdir(), 'mt-vsix-'));
    const extensionsDir = join(run, 'extensions');
    const codeServer = workbenchInstall(workbenchFromEnvironment());
    execFileSync(codeServer.node, [codeServer.entry, '--extensions-dir', extensionsDir, '--user-data-dir', join(run, 'user'), '--install-extension', vsix], {
      env: { ...process.env, HOME: run, XDG_CONFIG_HOME: join(run, 'config'), XDG_DATA_HOME: join(run, 'data') },
      stdio: 'pipe',
    });
    assert.ok(readdirSync(extensionsDir).some((name) => name.startsWith('milestone.milestone-terminals-')), 'installed');
    const workspace = mkdtempSync(join(tmpdir(), 'mt-vsix-ws-'));
    workbench = await startWorkbench({ workspace, extensionsDir, settings: PLAIN_BASH_SETTINGS });
    browser = await openBrowser(workbench.url);
    const page: Page = browser.page;
    const frame = await openNewMilestone(page, 'from-vsix');
    await frame.locator('.xterm-screen').click();
    await page.keyboard.type('echo installed-$((40+2))\n');
    await frame.locator('.xterm-rows', { hasText: 'installed-42' }).waitFor({ timeout: 20_000 });
    await screenshot(page, 'vsix-terminal');
  });
});
