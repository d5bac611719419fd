/**
 * End to end, as a user would: a real workbench (code-server) in a real browser
 * (Debian chromium), driven by keyboard and mouse. Screenshots go to test-output/.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { FrameLocator, Page } from 'playwright-core';
import { pollUntil } from '../support/timing';
import { cleanUpAfterSuite, openBrowser, reloadWindow, repoRoot, runCommand, screenshot, startWorkbench, webviewFrame, type Browser, type Workbench } from './harness';
import { closeTab, cursorRow, openNewMilestone, pickMilestone, PLAIN_BASH_SETTINGS, PROMPT, savedScreen, screenRows, showSessionsView, typeInTerminal, waitForRows, waitForText } from './terminalUi';

/** Each test opens the milestones it needs; only the workbench and browser are shared. */
describe('Milestone Terminals in a real workbench (code-server + chromium)', () => {
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  const workspace = mkdtempSync(join(tmpdir(), 'mt-e2e-ws-'));

  before(async () => {
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(
      join(workspace, '.vscode', 'milestones.json'),
      JSON.stringify([
        { id: 'defined-one', label: 'Defined One', command: 'bash', args: ['--norc', '--noprofile'], env: { PS1: 'DEFINED$ ' } },
        // The repro: a flood that ends before the tab is closed.
        { id: 'flood', command: 'bash', args: ['-c', 'seq 1 300000 | tail -c 2000000'] },
        // Prints its pid, then becomes the process the test kills (exec keeps the pid).
        { id: 'e2e-killed', command: 'bash', args: ['-c', 'echo "pid-$$-end"; exec sleep 1000'] },
      ]),
    );
    workbench = await startWorkbench({
      workspace,
      extensionDevelopmentPath: repoRoot,
      settings: PLAIN_BASH_SETTINGS,
    });
    browser = await openBrowser(workbench.url);
    page = browser.page;
  });

  cleanUpAfterSuite(() => ({ page, browser, workbench }));

  const PID_LINE = /^pid-\d+-end$/;

  /** Opens a new milestone whose shell prints hello-42 and its pid; returns the pid line. */
  async function openGreeted(id: string): Promise<{ frame: FrameLocator; pidLine: string }> {
    const frame = await openNewMilestone(page, id);
    await typeInTerminal(page, frame, 'echo hello-$((6*7)); echo "pid-$$-end"\n');
    const rows = await waitForRows(frame, (rows) => rows.includes('hello-42') && rows.some((row) => PID_LINE.test(row)), 'hello-42 and the pid');
    return { frame, pidLine: rows.find((row) => PID_LINE.test(row))! };
  }

  /** Waits until the screen shows exactly `rows` again. */
  async function waitForSameScreen(frame: FrameLocator, rows: string[], what: string): Promise<void> {
    await waitForRows(frame, (now) => isDeepStrictEqual(now, rows), `${what}:\n${rows.join('\n')}\n-- but`);
  }

  it('opens a terminal from the command palette and echoes what is typed', async () => {
    await pickMilestone(page, 'e2e-alpha', 'e2e-alpha');
    const frame = await webviewFrame(page, 'e2e-alpha');
    await waitForText(frame, PROMPT);
    await typeInTerminal(page, frame, 'echo hello-$((6*7)); echo "pid-$$-end"\n');
    await waitForText(frame, 'hello-42');
    await waitForText(frame, /pid-\d+-end/);
    const pidLine = (await screenRows(frame)).find((row) => PID_LINE.test(row)) ?? '';
    assert.match(pidLine, PID_LINE);
    // Normal typing, including the letter that an old input filter rejected.
    await typeInTerminal(page, frame, 'echo "happy paper pupil"\n');
    await waitForRows(frame, (rows) => rows.includes('happy paper pupil'), 'the echoed words');
    await screenshot(page, 'terminal-tab');
  });

  it('keeps the page of a tab switched away from: back at once, with the output made meanwhile', async () => {
    const frame = await openNewMilestone(page, 'e2e-hidden');
    // The shell prints only once the test says the tab is hidden, and tells when it has.
    const go = join(workspace, 'e2e-hidden.go');
    const printed = join(workspace, 'e2e-hidden.printed');
    await typeInTerminal(page, frame, 'until [ -e e2e-hidden.go ]; do sleep 0.1; done; echo later-$((6*7+1)); touch e2e-hidden.printed\n');
    // Joined: the line wraps where the terminal is narrower (newer VS Code's layout).
    const before = await waitForRows(frame, (rows) => rows.join('').includes('touch e2e-hidden.printed'), 'the command line');
    // A page rebuilt by VS Code would lose this.
    await frame.locator('body').evaluate(() => ((window as unknown as { keptPage: boolean }).keptPage = true));
    await runCommand(page, 'File: New Untitled Text File');
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor();
    writeFileSync(go, '');
    await pollUntil(() => existsSync(printed), 'later-43 to be printed while the tab is hidden');
    await page.locator('.tab', { hasText: 'e2e-hidden' }).click();
    await waitForText(frame, 'later-43', 2_000);
    assert.equal(await frame.locator('body').evaluate(() => (window as unknown as { keptPage?: boolean }).keptPage), true, 'the same page, not a rebuilt one');
    const after = await screenRows(frame);
    // Compared as text without spaces: where the command line wraps may differ between the two
    // screens (newer VS Code's layout gives the tab a different width while another editor is
    // open), and a space the line wraps at is dropped with the row's trailing blanks.
    const text = (rows: string[]) => rows.join('').replace(/\s+/g, '');
    assert.ok(text(after).startsWith(text(before.slice(0, -1))), `the screen only grew:\n${before.join('\n')}\n-- then --\n${after.join('\n')}`);
  });

  it('closing the tab keeps the process; reopening shows the same screen', async () => {
    const { frame: first, pidLine } = await openGreeted('e2e-reopen');
    const before = await screenRows(first);
    await closeTab(page, 'e2e-reopen');
    await pickMilestone(page, 'e2e-reope', /running · pid/);
    const frame = await webviewFrame(page, 'e2e-reopen');
    await waitForSameScreen(frame, before, 'the screen from before the tab was closed');
    await typeInTerminal(page, frame, 'echo "pid-$$-end"\n');
    // The same shell answers with the same pid: its line is now on screen twice.
    await waitForRows(frame, (rows) => rows.filter((row) => row === pidLine).length === 2, `${pidLine} twice`);
  });

  it('wide characters (emoji) come back in the same cells after the tab is reopened', async () => {
    const first = await openNewMilestone(page, 'e2e-wide');
    // 😀 as bytes, so the test does not depend on the shell's locale; X lands on the 4th emoji's first cell.
    await typeInTerminal(page, first, "e=$(printf '\\360\\237\\230\\200'); printf \"\\e[?1049h\\e[2J\\e[H$e$e$e$e$e|\\e[1;7HX\"; sleep 1000\n");
    const before = await waitForRows(first, (rows) => rows[0] === '😀😀😀X 😀|', 'the emoji line with X over the fourth emoji');
    await closeTab(page, 'e2e-wide');
    await pickMilestone(page, 'e2e-wid', /running · pid/);
    await waitForSameScreen(await webviewFrame(page, 'e2e-wide'), before, 'the emoji line as before the tab was closed');
  });

  it('a reopened tab has its scrollback under the wheel and the keyboard without a click', async () => {
    const first = await openNewMilestone(page, 'e2e-scrollback');
    await typeInTerminal(page, first, 'seq 1 300\n');
    const lastLine = (rows: string[]) => rows.some((row) => row.trim() === '300');
    await waitForRows(first, lastLine, '300, the last line');
    await closeTab(page, 'e2e-scrollback');
    await pickMilestone(page, 'e2e-scrollbac', /running · pid/);
    const frame = await webviewFrame(page, 'e2e-scrollback');
    await waitForRows(frame, lastLine, 'the last line after reopening');
    // The page writes the screen before it lays the terminal out (main.ts, openTerminal): the
    // scroll bar and the focus must still find it. The wheel first: any output would sync it.
    const topNumber = (rows: string[]) => Math.min(...rows.filter((row) => /^\d+$/.test(row.trim())).map(Number));
    const topBefore = topNumber(await screenRows(frame));
    await frame.locator('.xterm-screen').hover();
    await page.mouse.wheel(0, -1_000); // a few lines
    await waitForRows(frame, (rows) => topNumber(rows) < topBefore, `lines above ${topBefore} after turning the wheel`);
    await screenshot(page, 'reopened-scrolled-back');
    await frame.locator('.xterm-helper-textarea:focus').waitFor({ state: 'attached' });
    await page.keyboard.type('echo typed-$((6*7))\n');
    await waitForRows(frame, (rows) => rows.some((row) => row.trim() === 'typed-42'), 'the echo of what was typed without a click');
  });

  it('lists the session in the sidebar tree', async () => {
    await openNewMilestone(page, 'e2e-tree');
    await showSessionsView(page);
    const row = page.locator('.pane-body .monaco-list-row[role="treeitem"]', { hasText: 'e2e-tree' });
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), /running · pid \d+/);
    await screenshot(page, 'sidebar-tree');
  });

  it('offers milestones defined in .vscode/milestones.json and runs their command', async () => {
    await pickMilestone(page, 'Defined', 'Defined One');
    const frame = await webviewFrame(page, 'Defined One');
    await waitForText(frame, 'DEFINED$');
  });

  it('reopening an exited milestone from the palette shows its last screen, exit banner and Restart, and starts nothing', async () => {
    await pickMilestone(page, 'floo', 'flood');
    const first = await webviewFrame(page, 'flood');
    await waitForRows(first, (rows) => rows.includes('300000'), 'the last line of the flood');
    const banner = first.locator('#exit-banner:not([hidden])', { hasText: 'Process exited with code 0 at' });
    await banner.waitFor({ timeout: 20_000 });
    const exitedText = await banner.innerText();
    // A process started again would exit at another second: let the clock move on first.
    const exitClock = /\d\d:\d\d:\d\d/.exec(exitedText)?.[0];
    await pollUntil(() => new Date().toTimeString().slice(0, 8) !== exitClock, 'the clock to pass the exit second');
    await closeTab(page, 'flood');
    await pickMilestone(page, 'floo', /exited \(0\)/);
    const frame = await webviewFrame(page, 'flood');
    await waitForRows(frame, (rows) => rows.includes('300000'), 'the last line of the flood, again');
    const reopened = frame.locator('#exit-banner:not([hidden])');
    await reopened.waitFor();
    assert.equal(await reopened.innerText().then((text) => text.split('\n')[0]), exitedText.split('\n')[0], 'the same exit, not a new process');
    assert.equal(await frame.locator('#restart-button').isVisible(), true);
    const rows = await screenRows(frame);
    assert.ok(!rows.some((row) => PROMPT.test(row)), `no shell prompt:\n${rows.join('\n')}`);
    await screenshot(page, 'exited-reopened');
  });

  it('a process killed by a signal says so in its exit banner, in the error style', async () => {
    await pickMilestone(page, 'e2e-kille', 'e2e-killed');
    const frame = await webviewFrame(page, 'e2e-killed');
    const rows = await waitForRows(frame, (now) => now.some((row) => PID_LINE.test(row)), 'the pid line');
    const pid = Number(/\d+/.exec(rows.find((row) => PID_LINE.test(row))!)?.[0]);
    process.kill(pid, 'SIGKILL');
    const banner = frame.locator('#exit-banner.failed:not([hidden])', { hasText: /Process killed by SIGKILL \(signal 9\) at/ });
    await banner.waitFor({ timeout: 20_000 });
    // The tree marks it as an error too; a clean exit keeps the neutral stop icon.
    await showSessionsView(page);
    const treeRow = page.locator('.pane-body .monaco-list-row[role="treeitem"]', { hasText: 'e2e-killed' });
    await treeRow.locator('.codicon-error').waitFor({ timeout: 10_000 });
    assert.match(await treeRow.innerText(), /killed by SIGKILL \(signal 9\)/);
    await screenshot(page, 'killed-banner');
  });

  it('a window reload keeps the process and brings back the same screen', async () => {
    const { frame: first, pidLine } = await openGreeted('e2e-reload');
    const before = await screenRows(first);
    await reloadWindow(page);
    await page.locator('.tab', { hasText: 'e2e-reload' }).click();
    const frame = await webviewFrame(page, 'e2e-reload');
    await waitForSameScreen(frame, before, 'the screen from before the reload');
    await typeInTerminal(page, frame, 'echo "pid-$$-end"\n');
    // The shell that answered before the reload answers again: same pid.
    await waitForRows(frame, (rows) => rows.filter((row) => row === pidLine).length === 2, `${pidLine} a second time`);
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
    await pollUntil(async () => (await cursorRow(frame)) === 2, 'the cursor to move down to gamma');
    const before = await screenRows(frame);
    await reloadWindow(page);
    await page.locator('.tab', { hasText: 'e2e-vim' }).click();
    frame = await webviewFrame(page, 'e2e-vim');
    await waitForSameScreen(frame, before, 'vim as before the reload');
    await screenshot(page, 'vim-after-reload');
    await typeInTerminal(page, frame, ':q!\n');
    await waitForRows(frame, (rows) => !rows.some((row) => row.startsWith('~')), 'vim to quit');
  });

  it('when the session host hangs (SIGSTOP), the tab and the tree say so; once it continues the notice clears and nothing is lost', async () => {
    const { frame } = await openGreeted('e2e-host-stopped');
    // The shell prints once the test says so, which it does while the host is stopped.
    const go = join(workspace, 'e2e-host-stopped.go');
    const printed = join(workspace, 'e2e-host-stopped.printed');
    await typeInTerminal(page, frame, 'until [ -e e2e-host-stopped.go ]; do sleep 0.1; done; echo made-while-stopped-$((6*7)); touch e2e-host-stopped.printed\n');
    await waitForRows(frame, (rows) => rows.join('').includes('touch e2e-host-stopped.printed'), 'the command line');
    await showSessionsView(page);
    const treeRow = page.locator('.pane-body .monaco-list-row[role="treeitem"]', { hasText: 'e2e-host-stopped' });
    await treeRow.waitFor({ timeout: 10_000 });
    const lock = readdirSync(workbench.hostDir).find((name) => name.endsWith('.lock'));
    assert.ok(lock, 'a session host is running');
    const hostPid = Number(readFileSync(join(workbench.hostDir, lock), 'utf8'));
    const notice = frame.locator('#error-banner:not([hidden])', { hasText: 'Session host not responding' });
    const treeNotice = page.locator('.pane-body', { hasText: 'Session host not responding' });
    process.kill(hostPid, 'SIGSTOP');
    try {
      await notice.waitFor({ timeout: 20_000 });
      await treeNotice.first().waitFor({ timeout: 5_000 });
      writeFileSync(go, '');
      await pollUntil(() => existsSync(printed), 'the shell to print while its host is stopped');
      await screenshot(page, 'host-stopped');
    } finally {
      process.kill(hostPid, 'SIGCONT');
    }
    await notice.waitFor({ state: 'detached', timeout: 20_000 });
    await treeNotice.first().waitFor({ state: 'detached', timeout: 5_000 });
    await waitForText(frame, 'made-while-stopped-42');
    await typeInTerminal(page, frame, 'echo after-$((6*7+1))\n');
    await waitForText(frame, 'after-43');
    await screenshot(page, 'host-continued');
  });

  it('when the session host is killed, the tab keeps its saved screen and Restart starts afresh', async () => {
    await openGreeted('e2e-host-killed');
    const lock = readdirSync(workbench.hostDir).find((name) => name.endsWith('.lock'));
    assert.ok(lock, 'a session host is running');
    const hostPid = Number(readFileSync(join(workbench.hostDir, lock), 'utf8'));
    // The screen is saved a moment after output; the tab shows the saved one once the host is gone.
    await pollUntil(() => savedScreen(workbench.userDataDir, 'e2e-host-killed')?.includes('hello-42'), 'the screen with hello-42 to be saved');
    process.kill(hostPid, 'SIGKILL');
    const frame = await webviewFrame(page, 'e2e-host-killed');
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
