/**
 * The linux-x64 VSIX as a user gets it, on the workbench MT_WORKBENCH names (CI runs both):
 * a fresh code-server installs it (no development path), and its terminal works.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { EXTENSION_ID } from '../support/extension';
import { openBrowser, repoRoot, screenshot, startWorkbench, workbenchFromEnvironment, workbenchInstall, type Browser, type Workbench } from './harness';
import { openNewMilestone, PLAIN_BASH_SETTINGS } from './terminalUi';

const VSIX = join(repoRoot, 'dist-vsix', 'milestone-terminals-linux-x64.vsix');

describe(`the linux-x64 VSIX in a fresh workbench (${workbenchFromEnvironment()})`, () => {
  let workbench: Workbench | undefined;
  let browser: Browser | undefined;

  before(function () {
    this.timeout(120_000);
    execFileSync('npm', ['run', 'package'], { cwd: repoRoot, stdio: 'pipe' });
  });

  after(async () => {
    await browser?.close();
    await workbench?.stop();
  });

  it('installs into a fresh code-server and opens a working terminal', async () => {
    const run = mkdtempSync(join(tmpdir(), 'mt-vsix-'));
    const extensionsDir = join(run, 'extensions');
    const codeServer = workbenchInstall(workbenchFromEnvironment());
    execFileSync(codeServer.node, [codeServer.entry, '--extensions-dir', extensionsDir, '--user-data-dir', join(run, 'user'), '--install-extension', VSIX], {
      env: { ...process.env, HOME: run, XDG_CONFIG_HOME: join(run, 'config'), XDG_DATA_HOME: join(run, 'data') },
      stdio: 'pipe',
    });
    assert.ok(readdirSync(extensionsDir).some((name) => name.startsWith(`${EXTENSION_ID}-`)), 'installed');
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
