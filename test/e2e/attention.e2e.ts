/**
 * Attention and transcripts as a user meets them: the fake agent asks for input while its
 * tab is hidden, the activity bar counts it, a notification offers to open it, and its
 * transcript opens as text. Screenshots go to test-output/.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { FAKE_AGENT_NOTIFICATION, FAKE_AGENT_PROMPT, fakeAgentScript } from '../support/fakeAgent';
import { cleanUpAfterSuite, openBrowser, repoRoot, runCommand, screenshot, startWorkbench, webviewFrame, workbenchFromEnvironment, type Browser, type Workbench } from './harness';
import { PLAIN_BASH_SETTINGS, pickMilestone, showSessionsView, waitForText } from './terminalUi';

describe('attention and transcripts in a real workbench (code-server + chromium)', () => {
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  const workspace = mkdtempSync(join(tmpdir(), 'mt-e2e-attention-'));

  before(async () => {
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(
      join(workspace, '.vscode', 'milestones.json'),
      // The agent starts a few seconds late, so that the test can hide its tab first.
      JSON.stringify([{ id: 'e2e-agent', label: 'Fake Agent', command: 'bash', args: ['-c', `sleep 4; exec "${process.execPath}" "${fakeAgentScript(join(repoRoot, 'out', 'test', 'e2e'))}"`] }]),
    );
    workbench = await startWorkbench({ workspace, extensionDevelopmentPath: repoRoot, settings: PLAIN_BASH_SETTINGS });
    browser = await openBrowser(workbench.url);
    page = browser.page;
  });

  cleanUpAfterSuite(() => ({ page, browser, workbench }));

  const badge = () => page.locator('.activitybar [aria-label^="Milestone Terminals"] .badge-content').first();

  it('an agent asking for input behind another tab: a badge, a notification whose Open shows it, cleared once seen', async () => {
    await pickMilestone(page, 'Fake', 'Fake Agent');
    await webviewFrame(page, 'Fake Agent');
    // Another editor in front: the agent's tab is hidden when it asks.
    await runCommand(page, 'File: New Untitled Text File');
    await showSessionsView(page);
    let toast = page.locator('.notification-toast', { hasText: FAKE_AGENT_NOTIFICATION });
    if (workbenchFromEnvironment() === 'newest') {
      // The newest workbench loads our extension only with the smoke-test driver on (see
      // startWorkbench), and with it VS Code shows no toasts (NotificationsToasts.addToast skips
      // them when enableSmokeTestDriver): the notification is read in the notifications center.
      await page.locator('.pane-body .monaco-list-row[role="treeitem"]', { hasText: 'says:' }).waitFor({ timeout: 20_000 });
      await page.locator('[id="status.notifications"]').click();
      toast = page.locator('.notifications-center .notification-list-item', { hasText: FAKE_AGENT_NOTIFICATION });
    }
    await toast.waitFor({ timeout: 20_000 });
    await badge().waitFor({ timeout: 10_000 });
    assert.equal((await badge().innerText()).trim(), '1');
    const row = page.locator('.pane-body .monaco-list-row[role="treeitem"]', { hasText: 'Fake Agent' });
    await page.locator('.pane-body .monaco-list-row[role="treeitem"]', { hasText: `says: ${FAKE_AGENT_NOTIFICATION}` }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'attention-notification');

    await toast.locator('.monaco-button', { hasText: 'Open' }).click();
    const frame = await webviewFrame(page, 'Fake Agent');
    await waitForText(frame, FAKE_AGENT_PROMPT.trim());
    await badge().waitFor({ state: 'hidden', timeout: 10_000 });
    await row.filter({ hasNotText: 'says:' }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'attention-cleared');
  });

  it("Open Transcript shows the agent's output as text, without escape sequences", async () => {
    await runCommand(page, 'Milestone Terminals: Open Transcript');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('Fake');
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Fake Agent' }).waitFor({ timeout: 10_000 });
    await input.press('Enter');
    const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
    await editor.locator('text=fake agent: starting task').waitFor({ timeout: 10_000 });
    // The editor draws spaces as no-break spaces.
    const text = (await editor.innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /step 1 of 20: 編集 ✓ file-1\.ts/);
    assert.doesNotMatch(text, /\[32m|\u001b/);
    await screenshot(page, 'transcript');
  });
});
