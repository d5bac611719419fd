/**
 * End to end, as a user would: a real workbench (code-server) in a real browser
 * (Debian chromium), driven by keyboard and mouse. Screenshots go to test-output/.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, reloadWindow, repoRoot, runCommand, screenshot, startWorkbench, webviewFrame, type Browser, type Workbench } from './harness';
import { pickMilestone, PLAIN_BASH_SETTINGS, PROMPT, screenRows, typeInTerminal, waitForRows, waitForText } from './terminalUi';

describe('Milestone Terminals in a real workbench (code-server + chromium)', () => {
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  const workspace = mkdtempSync(join(tmpdir(), 'mt-e2e-ws-'));

  before(async () => {
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(
      join(workspace, '.vscode', 'milestones.json'),
      JSON.stringify([{ id: 'defined-one', label: 'Defined One', command: 'bash', args: ['--norc', '--noprofile'], env: { PS1: 'DEFINED$ ' } }]),
    );
    workbench = await startWorkbench({
      workspace,
      extensionDevelopmentPath: repoRoot,
      settings: PLAIN_BASH_SETTINGS,
    });
    browser = await openBrowser(workbench.url);
    page = browser.page;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await screenshot(page, `failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`);
    }
  });

  after(async () => {
    await browser?.close();
    await workbench?.stop();
  });

  let pidLine = '';

  it('opens a terminal from the command palette and echoes what is typed', async () => {
    await pickMilestone(page, 'e2e-alpha', 'e2e-alpha');
    const frame = await webviewFrame(page, 'e2e-alpha');
    await waitForText(frame, PROMPT);
    await typeInTerminal(page, frame, 'echo hello-$((6*7)); echo "pid-$$-end"\n');
    await waitForText(frame, 'hello-42');
    await waitForText(frame, /pid-\d+-end/);
    pidLine = (await screenRows(frame)).find((row) => /^pid-\d+-end$/.test(row)) ?? '';
    assert.match(pidLine, /^pid-\d+-end$/);
    // Normal typing, including the letter that an old input filter rejected.
    await typeInTerminal(page, frame, 'echo "happy paper pupil"\n');
    await waitForRows(frame, (rows) => rows.includes('happy paper pupil'), 'the echoed words');
    await screenshot(page, 'terminal-tab');
  });

  it('keeps the page of a tab switched away from: back at once, with the output made meanwhile', async () => {
    const frame = await webviewFrame(page, 'e2e-alpha');
    await typeInTerminal(page, frame, 'sleep 2; echo later-$((6*7+1))\n');
    const before = await screenRows(frame);
    // A page rebuilt by VS Code would lose this.
    await frame.locator('body').evaluate(() => ((window as unknown as { keptPage: boolean }).keptPage = true));
    await runCommand(page, 'File: New Untitled Text File');
    await page.waitForTimeout(3_000); // `later-43` is printed while the tab is hidden
    await page.locator('.tab', { hasText: 'e2e-alpha' }).click();
    await waitForText(frame, 'later-43', 2_000);
    assert.equal(await frame.locator('body').evaluate(() => (window as unknown as { keptPage?: boolean }).keptPage), true, 'the same page, not a rebuilt one');
    const after = await screenRows(frame);
    assert.deepEqual(after.slice(0, before.length - 1), before.slice(0, -1), 'the screen only grew');
  });

  it('closing the tab keeps the process; reopening shows the same screen', async () => {
    const before = await screenRows(await webviewFrame(page, 'e2e-alpha'));
    await page.locator('.tab', { hasText: 'e2e-alpha' }).click();
    await runCommand(page, 'View: Close Editor');
    await page.locator('.tab', { hasText: 'e2e-alpha' }).waitFor({ state: 'detached' });
    await pickMilestone(page, 'e2e-alph', /running · pid/);
    const frame = await webviewFrame(page, 'e2e-alpha');
    await waitForText(frame, 'hello-42');
    await page.waitForTimeout(300);
    assert.deepEqual(await screenRows(frame), before);
    await typeInTerminal(page, frame, 'echo "pid-$$-end"\n');
    // The same shell answers with the same pid: its line is now on screen twice.
    await waitForRows(frame, (rows) => rows.filter((row) => row === pidLine).length === 2, `${pidLine} twice`);
  });

  it('lists the session in the sidebar tree', async () => {
    await page.locator('.activitybar [aria-label^="Milestone Terminals"]').first().click();
    const row = page.locator('.pane-body .monaco-list-row[role="treeitem"]', { hasText: 'e2e-alpha' });
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), /running · pid \d+/);
    await screenshot(page, 'sidebar-tree');
  });

  it('offers milestones defined in .vscode/milestones.json and runs their command', async () => {
    await pickMilestone(page, 'Defined', 'Defined One');
    const frame = await webviewFrame(page, 'Defined One');
    await waitForText(frame, 'DEFINED$');
  });

  it('a window reload keeps the process and brings back the same screen', async () => {
    await page.locator('.tab', { hasText: 'e2e-alpha' }).click();
    const before = await screenRows(await webviewFrame(page, 'e2e-alpha'));
    await reloadWindow(page);
    await page.locator('.tab', { hasText: 'e2e-alpha' }).click();
    const frame = await webviewFrame(page, 'e2e-alpha');
    await waitForText(frame, 'hello-42');
    await page.waitForTimeout(300);
    assert.deepEqual(await screenRows(frame), before);
    await typeInTerminal(page, frame, 'echo "pid-$$-end"\n');
    // The shell that answered before the reload answers again: same pid.
    await waitForRows(frame, (rows) => rows.filter((row) => row === pidLine).length === 3, `${pidLine} a third time`);
    console.log(`      pid before and after the reload: ${pidLine}`);
    await screenshot(page, 'after-reload');
  });

  it('a full-screen program (vim) looks identical after a reload', async () => {
    await pickMilestone(page, 'e2e-vim', 'e2e-vim');
    let frame = await webviewFrame(page, 'e2e-vim');
    await waitForText(frame, PROMPT);
    await typeInTerminal(page, frame, "printf 'alpha\\nbeta\\ngamma\\n' > vim-probe.txt && vim -u NONE -N vim-probe.txt\n");
    await waitForRows(frame, (rows) => rows.includes('gamma') && rows.some((row) => row.startsWith('~')), 'vim showing the file');
    await typeInTerminal(page, frame, 'jj');
    await page.waitForTimeout(500);
    const before = await screenRows(frame);
    await reloadWindow(page);
    await page.locator('.tab', { hasText: 'e2e-vim' }).click();
    frame = await webviewFrame(page, 'e2e-vim');
    await waitForRows(frame, (rows) => rows.includes('gamma'), 'vim after the reload');
    await page.waitForTimeout(300);
    assert.deepEqual(await screenRows(frame), before);
    await screenshot(page, 'vim-after-reload');
    await typeInTerminal(page, frame, ':q!\n');
    await waitForRows(frame, (rows) => !rows.some((row) => row.startsWith('~')), 'vim to quit');
  });

  it('when the session host is killed, the tab keeps its saved screen and Restart starts afresh', async () => {
    const lock = readdirSync(workbench.hostDir).find((name) => name.endsWith('.lock'));
    assert.ok(lock, 'a session host is running');
    const hostPid = Number(readFileSync(join(workbench.hostDir, lock), 'utf8'));
    await page.locator('.tab', { hasText: 'e2e-alpha' }).click();
    let frame = await webviewFrame(page, 'e2e-alpha');
    await page.waitForTimeout(2_500); // the screen is saved a moment after output
    process.kill(hostPid, 'SIGKILL');
    frame = await webviewFrame(page, 'e2e-alpha');
    await waitForText(frame, 'session host stopped');
    await waitForText(frame, 'hello-42');
    await frame.locator('#exit-banner:not([hidden])', { hasText: /Process ended at/ }).waitFor();
    await screenshot(page, 'host-killed');
    await frame.locator('#restart-button').click();
    await frame.locator('#exit-banner').waitFor({ state: 'hidden' });
    await typeInTerminal(page, frame, 'echo restarted-$((2+3))\n');
    await waitForText(frame, 'restarted-5');
    const newLock = readdirSync(workbench.hostDir).find((name) => name.endsWith('.lock'));
    assert.ok(newLock);
    assert.notEqual(Number(readFileSync(join(workbench.hostDir, newLock), 'utf8')), hostPid, 'a new session host');
  });
});
