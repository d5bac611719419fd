/**
 * Attention and transcripts as a user meets them: the fake agent asks for input while its
 * tab is hidden, the activity bar counts it, a notification offers to open it, and its
 * transcript opens as text and holds every byte, across a window reload. Screenshots go to test-output/.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { listTranscripts, readTranscript, transcriptDirectory } from '../../src/extension/host/daemon/transcriptFiles';
import { FAKE_AGENT_NOTIFICATION, FAKE_AGENT_PROMPT, fakeAgentScript } from '../support/fakeAgent';
import { pollUntil } from '../support/timing';
import { cleanUpAfterSuite, openBrowser, reloadWindow, repoRoot, runCommand, screenshot, startWorkbench, webviewFrame, workbenchFromEnvironment, type Browser, type Workbench } from './harness';
import { PLAIN_BASH_SETTINGS, pickMilestone, showSessionsView, typeInTerminal, waitForText } from './terminalUi';

function sha256(text: string, encoding: BufferEncoding): string {
  return createHash('sha256').update(text, encoding).digest('hex');
}

describe('attention and transcripts in a real workbench (code-server + chromium)', () => {
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  const workspace = mkdtempSync(join(tmpdir(), 'mt-e2e-attention-'));
  const AGENT = fakeAgentScript(join(repoRoot, 'out', 'test', 'e2e'));
  /** Every byte the recorded agent printed, as it wrote them. */
  const RECORD = join(workspace, 'agent.record');
  const GO = join(workspace, 'agent.go');

  before(async () => {
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(
      join(workspace, '.vscode', 'milestones.json'),
      // The agent starts once the test has hidden its tab (it creates GO).
      JSON.stringify([
        { id: 'e2e-agent', label: 'Fake Agent', command: 'bash', args: ['-c', `until [ -e "${GO}" ]; do sleep 0.1; done; exec "${process.execPath}" "${AGENT}"`] },
        { id: 'e2e-recorded', label: 'Recorded Agent', command: process.execPath, args: [AGENT, '--lines', '50', '--record', RECORD] },
      ]),
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
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor();
    await showSessionsView(page);
    writeFileSync(GO, '');
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

  it('keeps the transcript byte for byte across Reload Window', async () => {
    await pickMilestone(page, 'Recorded', 'Recorded Agent');
    await waitForText(await webviewFrame(page, 'Recorded Agent'), FAKE_AGENT_PROMPT.trim());
    await reloadWindow(page);
    const frame = await webviewFrame(page, 'Recorded Agent');
    await waitForText(frame, FAKE_AGENT_PROMPT.trim());
    await typeInTerminal(page, frame, 'y\n');
    await waitForText(frame, 'fake agent: done');
    // The terminal's ONLCR sends each "\n" the agent wrote as "\r\n".
    const expected = sha256(readFileSync(RECORD, 'latin1').replace(/\n/g, '\r\n'), 'latin1');
    const folder = transcriptDirectory(workbench.hostDir);
    await pollUntil(async () => {
      const recorded = (await listTranscripts(folder)).find((metadata) => metadata.milestoneId === 'e2e-recorded');
      const transcript = recorded && (await readTranscript(folder, recorded.sessionId));
      return transcript && sha256(transcript.toString('latin1'), 'latin1') === expected;
    }, 'the transcript to hold exactly what the agent printed', { timeoutMs: 10_000 });
  });
});
