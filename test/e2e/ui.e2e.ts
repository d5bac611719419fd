/**
 * End to end, as a user would: a real workbench (code-server) in a real browser
 * (Debian chromium), driven by keyboard and mouse. Screenshots go to test-output/.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { openBrowser, reloadWindow, repoRoot, runCommand, screenshot, startWorkbench, webviewFrame, type Browser, type Workbench } from './harness';

const OPEN = 'Milestone Terminals: Open Milestone Terminal';
/** bash's prompt ends in # for root and $ otherwise. */
const PROMPT = /[#$] *$/m;

/** The terminal's visible text, one entry per row, trailing blanks dropped. */
async function screenRows(frame: FrameLocator): Promise<string[]> {
  const rows = await frame.locator('.xterm-rows > div').allInnerTexts();
  const trimmed = rows.map((row) => row.replace(/\u00a0/g, ' ').trimEnd());
  while (trimmed.length && trimmed[trimmed.length - 1] === '') {
    trimmed.pop();
  }
  return trimmed;
}

async function waitForText(frame: FrameLocator, text: string | RegExp, timeout = 20_000): Promise<void> {
  await frame.locator('.xterm-rows', { hasText: text }).waitFor({ timeout });
}

/** Polls the screen until `predicate` holds for its rows. */
async function waitForRows(frame: FrameLocator, predicate: (rows: string[]) => boolean, what: string, timeout = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const rows = await screenRows(frame);
    if (predicate(rows)) {
      return rows;
    }
    if (Date.now() > deadline) {
      throw new Error(`screen never showed ${what}:\n${rows.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Clicks into the terminal, as a user would, and types. */
async function typeInTerminal(page: Page, frame: FrameLocator, text: string): Promise<void> {
  await frame.locator('.xterm-screen').click();
  await frame.locator('.xterm-helper-textarea:focus').waitFor();
  await page.keyboard.type(text);
}

async function pickMilestone(page: Page, typed: string, rowText: string | RegExp): Promise<void> {
  await runCommand(page, OPEN);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(typed);
  // The "New milestone" entry arrives from the extension host a moment after typing; wait for the list to settle.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: `New milestone "${typed}"` }).waitFor({ timeout: 10_000 });
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: rowText }).waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

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
      settings: { 'milestoneTerminals.shell.path': '/bin/bash', 'milestoneTerminals.shell.args': ['--norc', '--noprofile'] },
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

  it('shows the same screen after switching to another tab and back', async () => {
    const before = await screenRows(await webviewFrame(page, 'e2e-alpha'));
    await runCommand(page, 'File: New Untitled Text File');
    await page.locator('.tab', { hasText: 'e2e-alpha' }).click();
    const frame = await webviewFrame(page, 'e2e-alpha');
    await waitForText(frame, 'hello-42');
    await page.waitForTimeout(300);
    assert.deepEqual(await screenRows(frame), before);
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
