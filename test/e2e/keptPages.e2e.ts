/**
 * End to end: hidden tabs beyond `milestoneTerminals.keptPages` give up their page and get
 * their screen back by replay when shown; the ones within the bound keep theirs.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { FrameLocator, Page } from 'playwright-core';
import { pollUntil } from '../support/timing';
import { cleanUpAfterSuite, openBrowser, reloadWindow, repoRoot, screenshot, startWorkbench, webviewFrame, type Browser, type Workbench } from './harness';
import { openNewMilestone, PLAIN_BASH_SETTINGS, screenRows, typeInTerminal, waitForRows, waitForText } from './terminalUi';

interface PageMarked {
  pageMarker?: string;
}

describe('Kept pages: only the most recently used hidden tabs keep their page (real workbench)', () => {
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  const workspace = mkdtempSync(join(tmpdir(), 'mt-e2e-kept-'));

  before(async () => {
    workbench = await startWorkbench({
      workspace,
      extensionDevelopmentPath: repoRoot,
      settings: { ...PLAIN_BASH_SETTINGS, 'milestoneTerminals.keptPages': 1 },
    });
    browser = await openBrowser(workbench.url);
    page = browser.page;
  });

  cleanUpAfterSuite(() => ({ page, browser, workbench }));

  /** A page rebuilt since it was marked has lost the mark. */
  const mark = (frame: FrameLocator, id: string) => frame.locator('body').evaluate((_body, value) => ((window as PageMarked).pageMarker = value), id);
  const markOf = (frame: FrameLocator) => frame.locator('body').evaluate(() => (window as PageMarked).pageMarker);

  async function switchTo(id: string): Promise<FrameLocator> {
    await page.locator('.tab', { hasText: id }).click();
    await page.locator('.tab.active', { hasText: id }).waitFor();
    const frame = await webviewFrame(page, id);
    // A released tab shows an empty page until its terminal page replaces it (detaching the frame found first).
    await pollUntil(() => frame.locator('.xterm-rows').count().catch(() => 0), `the terminal page of ${id}`);
    return frame;
  }

  /** A hidden tab's frame stays in the workbench's DOM; once released it holds no terminal. */
  async function waitForReleased(id: string): Promise<void> {
    const frame = await webviewFrame(page, id);
    await pollUntil(async () => (await frame.locator('.xterm').count().catch(() => 1)) === 0, `the page of the hidden ${id} tab to be released`);
  }

  async function waitForSameScreen(frame: FrameLocator, rows: string[], what: string): Promise<void> {
    await waitForRows(frame, (now) => isDeepStrictEqual(now, rows), `${what}:\n${rows.join('\n')}\n-- but`);
  }

  it('replays the screen of a released tab, output made while released included, and keeps the pages within the bound', async () => {
    // kp-one prints only once the test says its page is released, and tells when it has.
    const first = await openNewMilestone(page, 'kp-one');
    await typeInTerminal(page, first, 'echo one-$((6*7)); until [ -e kp.go ]; do sleep 0.1; done; echo later-$((6*7+1)); touch kp.printed\n');
    const firstBefore = await waitForRows(first, (rows) => rows.includes('one-42'), 'one-42');
    await mark(first, 'kp-one');

    const second = await openNewMilestone(page, 'kp-two');
    await typeInTerminal(page, second, 'echo two-$((6*7))\n');
    const secondBefore = await waitForRows(second, (rows) => rows.includes('two-42') && /[#$]$/.test(rows[rows.length - 1]), 'two-42 and a prompt');
    await mark(second, 'kp-two');

    const third = await openNewMilestone(page, 'kp-three');
    await typeInTerminal(page, third, 'echo three-$((6*7))\n');
    await waitForRows(third, (rows) => rows.includes('three-42') && /[#$]$/.test(rows[rows.length - 1]), 'three-42 and a prompt');
    await mark(third, 'kp-three');

    // kp-one, used least recently, is beyond the bound of one kept hidden page.
    await waitForReleased('kp-one');
    writeFileSync(join(workspace, 'kp.go'), '');
    await pollUntil(() => existsSync(join(workspace, 'kp.printed')), 'later-43 to be printed while the page of kp-one is released');

    const firstAgain = await switchTo('kp-one');
    const firstAfter = await waitForRows(firstAgain, (rows) => rows.includes('later-43') && /[#$]$/.test(rows[rows.length - 1]), 'later-43 and a prompt');
    assert.deepEqual(firstAfter.slice(0, firstBefore.length), firstBefore, 'the screen from before, then what was printed while released');
    assert.equal(await markOf(firstAgain), undefined, 'a released page comes back as a new page');

    // Now kp-three is the most recently used hidden tab (kept) and kp-two is released.
    await waitForReleased('kp-two');
    const thirdAgain = await switchTo('kp-three');
    await waitForText(thirdAgain, 'three-42', 2_000);
    assert.equal(await markOf(thirdAgain), 'kp-three', 'a tab within the bound keeps its page');

    const secondAgain = await switchTo('kp-two');
    await waitForSameScreen(secondAgain, secondBefore, 'the exact screen from before its page was released');
    assert.equal(await markOf(secondAgain), undefined, 'a released page comes back as a new page');
    await screenshot(page, 'kept-pages-replayed');
  });

  it('tabs restored by a window reload come back with their own screens, released ones too', async () => {
    await reloadWindow(page);
    for (const [id, text] of [
      ['kp-one', 'later-43'],
      ['kp-three', 'three-42'],
      ['kp-two', 'two-42'],
    ] as const) {
      const frame = await switchTo(id);
      await waitForText(frame, text);
      assert.ok((await screenRows(frame)).includes(text), `${id} shows ${text}`);
    }
  });
});
