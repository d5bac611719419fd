/**
 * Reliability under load, bounded in time: a `yes` flood for 30 s, and 10,000
 * malformed messages injected into a terminal webview's real message channel.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { childCommands } from '../support/processes';
import { pollUntil, sleep } from '../support/timing';
import { openBrowser, repoRoot, runCommand, screenshot, startWorkbench, type Browser, type Workbench } from './harness';
import { openNewMilestone, PLAIN_BASH_SETTINGS } from './terminalUi';

/** Extension host RSS may grow by at most this much during the flood (output must not pile up). */
const EXTENSION_HOST_GROWTH_LIMIT_MB = 150;
/** The session host (PTY, replay buffer, headless mirror) stays under this. */
const SESSION_HOST_RSS_LIMIT_MB = 400;
const FLOOD_SECONDS = 30;
const FUZZ_MESSAGES = 10_000;
/** Under VS Code's 20 s remote-connection timeout, so the window survives the freeze. */
const FREEZE_MS = 12_000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** The extension host of this workbench: the one whose environment names this run's session host directory. */
function extensionHostPid(hostDir: string): number {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  const candidates = lines
    .filter((line) => line.includes('--type=extensionHost'))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`MILESTONE_TERMINALS_HOST_DIR=${hostDir}`);
      } catch {
        return false;
      }
    });
  assert.equal(candidates.length, 1, `one extension host for ${hostDir}`);
  return candidates[0];
}

/** The page frame holding the terminal titled `title` (for evaluate), and its parent, VS Code's webview host. */
async function terminalFrames(page: Page, title: string): Promise<{ inner: Frame; outer: Frame }> {
  for (const frame of page.frames()) {
    if (await frame.evaluate((title) => document.title === title && document.querySelector('.xterm') !== null, title).catch(() => false)) {
      const outer = frame.parentFrame();
      if (outer) {
        return { inner: frame, outer };
      }
    }
  }
  throw new Error('no terminal frame');
}

/** Messages that must all be rejected: wrong types, missing or ill-typed fields, absurd sizes. */
function malformedMessage(index: number, random: () => number): unknown {
  // No `undefined`: VS Code does not deliver a message without a value at all.
  const junk = [null, 0, -1, 1.5, NaN, Infinity, '', 'x', true, [], {}, [1, 2], { type: 'input' }];
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  switch (index % 10) {
    case 0:
      return pick(junk);
    case 1:
      return { type: pick(['', 'INPUT', 'readyy', 'output', 'replay', '__proto__', 'constructor', 'x'.repeat(1000)]) };
    case 2:
      return { type: 'input', data: pick(junk.filter((value) => typeof value !== 'string')) };
    case 3:
      return { type: 'input', data: 'y'.repeat(65_537 + Math.floor(random() * 1000)) };
    case 4:
      return { type: 'resize', cols: pick([0, -5, 1.5, 2_001, NaN, '80', null]), rows: 24 };
    case 5:
      return { type: 'resize', cols: 80, rows: pick([0, 1_001, Infinity, '24', undefined]) };
    case 6:
      return { type: 'signal', signal: pick(['SIGKILL', 'KILL', 'sigint', 9, '', null, 'SIGSTOP']) };
    case 7:
      return { type: 'ack', chars: pick([0, -100, 0.5, 2e9, '5000', null, NaN]) };
    case 8:
      return { type: 'openLink', url: pick([42, '', 'h'.repeat(9_000), null]) };
    default:
      return { type: pick([1, null, {}, ['input']]), data: 'echo pwned\r' };
  }
}

describe('reliability (soak and fuzz, bounded in time)', () => {
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'mt-soak-ws-'));
    workbench = await startWorkbench({
      workspace,
      extensionDevelopmentPath: repoRoot,
      settings: PLAIN_BASH_SETTINGS,
    });
    browser = await openBrowser(workbench.url);
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await workbench?.stop();
  });

  it(`survives ${FLOOD_SECONDS} s of \`yes\` with bounded memory, stays responsive, and Ctrl+C stops it within a second`, async function () {
    this.timeout((FLOOD_SECONDS + 90) * 1000);
    const frame = await openNewMilestone(page, 'soak-yes');
    await frame.locator('.xterm-screen').click();
    await page.keyboard.type('echo "shell-$$-pid"\n');
    await frame.locator('.xterm-rows', { hasText: /shell-\d+-pid/ }).waitFor();
    const shellPid = Number(/shell-(\d+)-pid/.exec(await frame.locator('.xterm-rows').innerText())?.[1]);
    const lock = readdirSync(workbench.hostDir).find((name) => name.endsWith('.lock'));
    assert.ok(lock);
    const sessionHostPid = Number(readFileSync(join(workbench.hostDir, lock), 'utf8'));
    const extensionHost = extensionHostPid(workbench.hostDir);
    const baseline = rssMb(extensionHost);

    await page.keyboard.type('yes\n');
    let peakExtensionHost = baseline;
    let peakSessionHost = 0;
    for (let second = 0; second < FLOOD_SECONDS; second++) {
      await sleep(1_000); // the flood's duration, sampled once a second
      peakExtensionHost = Math.max(peakExtensionHost, rssMb(extensionHost));
      peakSessionHost = Math.max(peakSessionHost, rssMb(sessionHostPid));
    }
    assert.deepEqual(childCommands(shellPid), ['yes'], 'yes is still running');
    // The window still answers: the command palette opens while the flood goes on.
    const paletteAsked = Date.now();
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 5_000 });
    const paletteMs = Date.now() - paletteAsked;
    await page.keyboard.press('Escape');

    await frame.locator('.xterm-screen').click();
    const interruptAt = Date.now();
    await page.keyboard.press('Control+C');
    await pollUntil(() => !childCommands(shellPid).includes('yes'), 'Ctrl+C to stop yes within a second', { timeoutMs: Math.max(0, interruptAt + 1_000 - Date.now()), intervalMs: 20 });
    const stopMs = Date.now() - interruptAt;
    console.log(
      `      extension host RSS ${baseline.toFixed(0)} -> peak ${peakExtensionHost.toFixed(0)} MB; session host peak ${peakSessionHost.toFixed(0)} MB; palette ${paletteMs} ms; Ctrl+C stopped yes in ${stopMs} ms`,
    );
    assert.ok(peakExtensionHost - baseline < EXTENSION_HOST_GROWTH_LIMIT_MB, `extension host grew ${(peakExtensionHost - baseline).toFixed(0)} MB`);
    assert.ok(peakSessionHost < SESSION_HOST_RSS_LIMIT_MB, `session host peaked at ${peakSessionHost.toFixed(0)} MB`);
    await page.keyboard.type('echo after-$((3*3))\n');
    await frame.locator('.xterm-rows', { hasText: 'after-9' }).waitFor({ timeout: 10_000 });
  });

  it('a hidden tab whose page stops responding does not hold its process back, and catches up when shown', async function () {
    this.timeout(120_000);
    const marker = join(mkdtempSync(join(tmpdir(), 'mt-stall-')), 'done');
    const frame = await openNewMilestone(page, 'stalled-tab');
    await frame.locator('.xterm-screen').click();
    // Output starts once the tab is hidden and the page frozen: ~15 MB, far over the high watermark.
    await page.keyboard.type(`sleep 4; seq 1 2000000; touch ${marker}\n`);
    await runCommand(page, 'File: New Untitled Text File');
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor();
    // The webview shares the workbench's thread: this freezes both, so no acknowledgement
    // comes back. Meanwhile the marker is watched from here.
    const frozeAt = Date.now();
    const freeze = page.evaluate((ms) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        // busy
      }
    }, FREEZE_MS);
    const finishedAfterMs = await pollUntil(() => existsSync(marker), 'seq to finish during the freeze', { timeoutMs: FREEZE_MS, intervalMs: 100 }).then(
      () => Date.now() - frozeAt,
      () => undefined,
    );
    await freeze;
    console.log(`      seq finished ${finishedAfterMs} ms into a ${FREEZE_MS} ms freeze of the page`);
    assert.ok(finishedAfterMs !== undefined, 'the process ran to its end while the hidden page was frozen');
    await page.locator('.tab', { hasText: 'stalled-tab' }).click();
    await frame.locator('.xterm-rows > div', { hasText: /^\s*2000000\s*$/ }).waitFor({ timeout: 20_000 });
  });

  it("in VS Code's terminal panel a flood is held back too: after Ctrl+C the prompt answers within a second", async function () {
    this.timeout(120_000);
    await runCommand(page, 'Milestone Terminals: Open Milestone Terminal in Terminal Panel');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('panel-flood');
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'New milestone "panel-flood"' }).waitFor({ timeout: 10_000 });
    await input.press('Enter'); // see runCommand: not to the page
    const terminal = page.locator('.part.panel .terminal-wrapper.active');
    const rows = terminal.locator('.xterm-rows');
    await rows.filter({ hasText: /[#$] *$/ }).waitFor({ timeout: 20_000 });
    await terminal.locator('.xterm-screen').click();
    await terminal.locator('.xterm-helper-textarea:focus').waitFor();
    await page.keyboard.type('yes\n');
    await sleep(10_000); // the flood's duration
    const interruptAt = Date.now();
    await page.keyboard.press('Control+C');
    await page.keyboard.type('echo panel-$((40+2))\n');
    // Everything the panel still has to parse comes before the answer.
    await rows.locator('div', { hasText: /^panel-42\s*$/ }).waitFor({ timeout: 60_000 });
    const answeredMs = Date.now() - interruptAt;
    await screenshot(page, 'panel-after-flood');
    console.log(`      after 10 s of yes in the terminal panel, Ctrl+C to the next answer on screen: ${answeredMs} ms`);
    assert.ok(answeredMs < 1_000, `the panel answered after ${answeredMs} ms`);
  });

  it(`rejects each of ${FUZZ_MESSAGES} malformed webview messages with an error, and the session still works`, async function () {
    this.timeout(180_000);
    const frame = await openNewMilestone(page, 'fuzz');
    const { inner, outer } = await terminalFrames(page, 'fuzz');
    await inner.evaluate(() => {
      const state = { errors: 0 };
      (window as unknown as { fuzzState: typeof state }).fuzzState = state;
      window.addEventListener('message', (event: MessageEvent<{ type?: string; code?: string }>) => {
        if (event.data?.type === 'error' && event.data.code === 'VALIDATION') {
          state.errors++;
        }
      });
    });
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const messages = Array.from({ length: FUZZ_MESSAGES }, (_, index) => malformedMessage(index, random));
    // Through VS Code's own webview channel, exactly as the page's postMessage would send them.
    for (let start = 0; start < messages.length; start += 500) {
      await outer.evaluate((batch) => {
        const post = (window as unknown as { __vscode_post_message__: (channel: string, data: unknown) => void }).__vscode_post_message__;
        for (const message of batch) {
          post('onmessage', { message, transfer: [] });
        }
      }, messages.slice(start, start + 500));
    }
    let errors = 0;
    await pollUntil(
      async () => (errors = await inner.evaluate(() => (window as unknown as { fuzzState: { errors: number } }).fuzzState.errors)) >= FUZZ_MESSAGES,
      () => `${FUZZ_MESSAGES} validation errors (${errors} so far)`,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    assert.equal(errors, FUZZ_MESSAGES, 'one validation error per malformed message');
    await frame.locator('.xterm-screen').click();
    await page.keyboard.type('echo still-$((40+2))\n');
    await frame.locator('.xterm-rows', { hasText: 'still-42' }).waitFor({ timeout: 10_000 });
    assert.doesNotMatch(await frame.locator('.xterm-rows').innerText(), /pwned/);
  });
});
