/**
 * End to end: tabs opened in quick succession, as an agent opens them through the command,
 * each show their terminal when the user gets to them. Every tab opened is briefly the active
 * editor; built all at once, their pages overwhelmed the workbench's webview service worker
 * (1.100: frames left without a controller, their script never loaded; newer: resource loads
 * queued past its 30 s timeout), and those tabs stayed blank for good. Pages are now built one
 * or two at a time, and a visible tab whose page never loads gets a new webview.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { EXTENSION_ID } from '../support/extension';
import { pollUntil } from '../support/timing';
import { cleanUpAfterSuite, openBrowser, repoRoot, screenshot, startWorkbench, type Browser, type Workbench } from './harness';
import { quickTabId } from './quickTabsHost';
import { PLAIN_BASH_SETTINGS } from './terminalUi';

const TABS = 40;

/** Whether the webview titled `title` is shown with `text` in its terminal; one evaluation reads every frame (they are same-origin). */
function showsText(page: Page, title: string, text: string): Promise<boolean> {
  return page.evaluate(
    ({ title, text, extensionId }) =>
      Array.from(document.querySelectorAll<HTMLIFrameElement>(`iframe.webview.ready[src*="extensionId=${extensionId}"]`)).some((outer) => {
        const inner = outer.contentDocument?.querySelector<HTMLIFrameElement>('iframe#active-frame');
        return inner?.title === title && getComputedStyle(outer).visibility === 'visible' && !!inner.contentDocument?.querySelector('.xterm-rows')?.textContent?.includes(text);
      }),
    { title, text, extensionId: EXTENSION_ID },
  );
}

describe('Tabs opened in quick succession (real workbench)', () => {
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  const workspace = mkdtempSync(join(tmpdir(), 'mt-e2e-quick-'));
  const dir = mkdtempSync(join(tmpdir(), 'mt-e2e-quick-driver-'));

  before(async () => {
    workbench = await startWorkbench({
      workspace,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: join(repoRoot, 'out', 'test', 'e2e', 'quickTabsHost.js'),
      env: { MT_E2E_QUICK_TABS_DIR: dir, MT_E2E_QUICK_TABS: String(TABS) },
      settings: PLAIN_BASH_SETTINGS,
    });
    browser = await openBrowser(workbench.url);
    page = browser.page;
  });

  after(() => writeFileSync(join(dir, 'done'), ''));
  cleanUpAfterSuite(() => ({ page, browser, workbench }));

  it(`each of ${TABS} tabs opened one after another by the command shows its terminal when clicked`, async function () {
    // On 1.100 many of the tabs get a new webview after their page timed out (10 s each).
    this.timeout(480_000);
    await pollUntil(
      () => {
        if (existsSync(join(dir, 'error'))) throw new Error(`opening the tabs: ${readFileSync(join(dir, 'error'), 'utf8')}`);
        return existsSync(join(dir, 'opened'));
      },
      `${TABS} tabs to open`,
      { timeoutMs: 120_000 },
    );
    // The workbench shows the tabs a little after the command returns; each shown takes the front.
    await page.locator('.tab.active', { hasText: quickTabId(TABS - 1) }).waitFor({ timeout: 60_000 });
    for (let i = 0; i < TABS; i++) {
      const id = quickTabId(i);
      const tab = page.locator('.tab', { hasText: id });
      await tab.scrollIntoViewIfNeeded();
      await tab.click();
      await page.locator('.tab.active', { hasText: id }).waitFor();
      await pollUntil(() => showsText(page, id, `shown-${id}`), `${id} to show its terminal`, { timeoutMs: 60_000, intervalMs: 100 }).catch(async (err: Error) => {
        await screenshot(page, `quick-tabs-${id}-blank`);
        throw err;
      });
    }
  });
});
