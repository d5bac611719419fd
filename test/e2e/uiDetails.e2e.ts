/**
 * End to end, the details only the workbench shows: OSC 8 hyperlinks, the log of an exit,
 * ids with icon syntax in the quick pick, and text contrast under a light theme.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { MAX_MILESTONE_ID_LENGTH } from '../../src/extension/sessions/milestoneId';
import { pollUntil } from '../support/timing';
import { cleanUpAfterSuite, fillPalette, openBrowser, repoRoot, runCommand, screenshot, startWorkbench, webviewFrame, type Browser, type Workbench } from './harness';
import { closeTab, OPEN, openNewMilestone, PLAIN_BASH_SETTINGS, showSessionsView, typeInTerminal, waitForRows } from './terminalUi';

/** The extension's log channel as VS Code writes it to disk, or '' before it exists. */
function extensionLog(root: string): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('Milestone Terminals.log')) found.push(full);
    }
  };
  walk(root);
  return found.map((file) => readFileSync(file, 'utf8')).join('');
}

/** WCAG relative luminance of an `rgb(r, g, b)` colour. */
function luminance(cssColour: string): number {
  const [r, g, b] = (cssColour.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((part) => {
    const channel = Number(part) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

describe('Milestone Terminals details in a real workbench (light theme)', () => {
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  const workspace = mkdtempSync(join(tmpdir(), 'mt-e2e-details-'));

  before(async () => {
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(join(workspace, '.vscode', 'milestones.json'), JSON.stringify([{ id: 'e2e-exits', command: 'bash', args: ['-c', 'exit 3'] }]));
    workbench = await startWorkbench({
      workspace,
      extensionDevelopmentPath: repoRoot,
      settings: { ...PLAIN_BASH_SETTINGS, 'workbench.colorTheme': 'Default Light Modern' },
    });
    browser = await openBrowser(workbench.url);
    page = browser.page;
  });

  cleanUpAfterSuite(() => ({ page, browser, workbench }));

  const log = () => extensionLog(workbench.userDataDir);

  it('opens an OSC 8 hyperlink through the scheme-checked opener', async () => {
    // A file link: it opens in an editor tab, which a user sees; a web link would open a
    // workbench dialog that could outlive this test.
    const target = join(workspace, 'osc8-target.txt');
    writeFileSync(target, 'reached through OSC 8\n');
    const frame = await openNewMilestone(page, 'e2e-osc8');
    // The link text is computed by the shell, so only the output row shows it, not the command line.
    await typeInTerminal(page, frame, `printf '\\e]8;;file://${target}\\e\\\\%s\\e]8;;\\e\\\\\\n' OSC8-$((40+2))\n`);
    const row = frame.locator('.xterm-rows > div', { hasText: /^OSC8-42\s*$/ });
    await row.waitFor({ timeout: 20_000 });
    const opened = page.locator('.tab', { hasText: 'osc8-target.txt' });
    await pollUntil(
      async () => {
        // xterm's screen layer takes the pointer events above the rows, as for a user.
        await row.hover({ position: { x: 10, y: 5 }, force: true });
        await row.click({ position: { x: 10, y: 5 }, force: true });
        return (await opened.count()) > 0;
      },
      'the click on the OSC 8 link to open its file',
      { timeoutMs: 15_000, intervalMs: 500 },
    );
    await pollUntil(() => log().includes(`Opening file ${target}`), 'the opener to log the file it opened', { timeoutMs: 15_000, intervalMs: 200 });
    await closeTab(page, 'osc8-target.txt');
  });

  it('logs one line for one exit, however often the exited session is shown', async () => {
    await runCommand(page, OPEN);
    await fillPalette(page.locator('.quick-input-widget input'), 'e2e-exits');
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'e2e-exits' }).waitFor({ timeout: 10_000 });
    await page.locator('.quick-input-widget input').press('Enter'); // see runCommand: not to the page
    await showSessionsView(page);
    for (let shown = 0; shown < 3; shown++) {
      if (shown > 0) {
        // Reopened from the sidebar, which shows the exited session itself. The tree redraws the
        // row when the closed tab detaches, and a click on the row being replaced is lost.
        const row = page.locator('.pane-body .monaco-list-row[role="treeitem"]', { hasText: 'e2e-exits' });
        await pollUntil(
          async () => {
            if ((await page.locator('.tab', { hasText: 'e2e-exits' }).count()) > 0) return true;
            await row.click();
            return false;
          },
          'the exited session to open from the sidebar',
          { timeoutMs: 20_000, intervalMs: 1_000 },
        );
      }
      const frame = await webviewFrame(page, 'e2e-exits');
      await frame.locator('.exit-banner').waitFor({ timeout: 20_000 });
      await closeTab(page, 'e2e-exits');
    }
    // A later line marks that everything the exits and views logged is on disk.
    await openNewMilestone(page, 'e2e-after-exit');
    await pollUntil(() => log().includes('Started e2e-after-exit'), 'the start of e2e-after-exit in the log', { timeoutMs: 15_000, intervalMs: 200 });
    const exits = log().split('\n').filter((line) => line.includes('e2e-exits exited'));
    assert.equal(exits.length, 1, `one exit line, got:\n${exits.join('\n')}`);
  });

  it('shows $(zap) in an id as written in the quick pick, and refuses an over-long id while typing', async () => {
    await runCommand(page, OPEN);
    const input = page.locator('.quick-input-widget input');
    await fillPalette(input, 'go $(zap) now');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'New milestone' });
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), /New milestone "go \$\(zap\) now"/);
    assert.equal(await row.locator('.codicon-zap').count(), 0, 'no zap icon drawn');
    await fillPalette(input, 'x'.repeat(MAX_MILESTONE_ID_LENGTH + 1));
    await page.locator('.quick-input-list .monaco-list-row', { hasText: `at most ${MAX_MILESTONE_ID_LENGTH} characters` }).waitFor({ timeout: 10_000 });
    await input.press('Enter');
    // Refused, not accepted: the pick stays open for the user to shorten the id.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: `at most ${MAX_MILESTONE_ID_LENGTH} characters` }).waitFor({ timeout: 2_000 });
    await screenshot(page, 'quick-pick-long-id');
    await page.keyboard.press('Escape');
  });

  it('draws bold white readably on a light theme (minimum contrast ratio)', async () => {
    const frame = await openNewMilestone(page, 'e2e-contrast');
    await typeInTerminal(page, frame, "printf '\\e[1;37m%s\\e[0m\\n' WHITE-$((6*7))\n");
    await waitForRows(frame, (rows) => rows.some((row) => row.trim() === 'WHITE-42'), 'the bold white line');
    const { colour, background } = await frame.locator('.xterm-rows span', { hasText: /^WHITE-42$/ }).first().evaluate((span) => ({
      colour: getComputedStyle(span).color,
      background: getComputedStyle(document.body).backgroundColor,
    }));
    await screenshot(page, 'light-theme-bold-white');
    assert.ok(contrast(colour, background) >= 4.5, `bold white ${colour} on ${background}: contrast ${contrast(colour, background).toFixed(2)}`);
  });
});
