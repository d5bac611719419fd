/** Driving a milestone terminal in the workbench, shared by the end-to-end suites. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { EXTENSION_ID } from '../support/extension';
import { pollUntil } from '../support/timing';
import { fillPalette, runCommand, waitForWebviewFocus, webviewFrame } from './harness';

/** User settings for a predictable shell: bash without rc files. */
export const PLAIN_BASH_SETTINGS = { 'milestoneTerminals.shell.path': '/bin/bash', 'milestoneTerminals.shell.args': ['--norc', '--noprofile'] };

export const OPEN = 'Milestone Terminals: Open Milestone Terminal';
/** bash's prompt ends in # for root and $ otherwise. */
export const PROMPT = /[#$] *$/m;

/** The terminal's visible text, one entry per row, trailing blanks dropped. */
export async function screenRows(frame: FrameLocator): Promise<string[]> {
  const rows = await frame.locator('.xterm-rows > div').allInnerTexts();
  const trimmed = rows.map((row) => row.replace(/\u00a0/g, ' ').trimEnd());
  while (trimmed.length && trimmed[trimmed.length - 1] === '') {
    trimmed.pop();
  }
  return trimmed;
}

export async function waitForText(frame: FrameLocator, text: string | RegExp, timeout = 20_000): Promise<void> {
  await frame.locator('.xterm-rows', { hasText: text }).waitFor({ timeout });
}

/** Polls the screen until `predicate` holds for its rows. */
export async function waitForRows(frame: FrameLocator, predicate: (rows: string[]) => boolean, what: string, timeout = 20_000): Promise<string[]> {
  let rows: string[] = [];
  await pollUntil(async () => predicate((rows = await screenRows(frame))), () => `the screen to show ${what}; it showed:\n${rows.join('\n')}`, { timeoutMs: timeout, intervalMs: 100 });
  return rows;
}

/** Clicks into the terminal, as a user would, and types. */
export async function typeInTerminal(page: Page, frame: FrameLocator, text: string): Promise<void> {
  await frame.locator('.xterm-screen').click();
  // Attached, not visible: xterm keeps its input off-screen until the cursor first moves on the page.
  await frame.locator('.xterm-helper-textarea:focus').waitFor({ state: 'attached' });
  await page.keyboard.type(text);
}

export async function pickMilestone(page: Page, typed: string, rowText: string | RegExp): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, OPEN);
    try {
      await input.waitFor({ state: 'visible' });
      await fillPalette(input, typed);
      break;
    } catch (error) {
      // A webview's late focus closed the picker before it was filled (see waitForWebviewFocus): open it again.
      if (attempt >= 3 || (await input.isVisible())) throw error;
    }
  }
  // The "New milestone" entry arrives from the extension host a moment after typing; wait for the list to settle.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: `New milestone "${typed}"` }).waitFor({ timeout: 10_000 });
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: rowText }).waitFor({ timeout: 10_000 });
  // To the input, not the page: see runCommand (a webview may have taken the focus back).
  await input.press('Enter');
}

/** Opens a new milestone from the palette and waits for its shell prompt. */
export async function openNewMilestone(page: Page, id: string): Promise<FrameLocator> {
  await pickMilestone(page, id, `New milestone "${id}"`);
  const frame = await webviewFrame(page, id);
  await waitForText(frame, PROMPT);
  return frame;
}

/** The row the terminal's cursor is on, or -1 while no cursor is drawn. */
export async function cursorRow(frame: FrameLocator): Promise<number> {
  return frame.locator('.xterm-rows').evaluate((rows) => Array.from(rows.children).findIndex((row) => row.querySelector('.xterm-cursor') !== null));
}

/**
 * The screen the extension last saved to disk for `milestoneId` (the replay a tab shows when its
 * session host is gone), or undefined before the first save. Saved screens live in the
 * workspace storage of the user data directory, one JSON file per milestone.
 */
export function savedScreen(userDataDir: string, milestoneId: string): string | undefined {
  const storage = path.join(userDataDir, 'User', 'workspaceStorage');
  const folders = fs.existsSync(storage) ? fs.readdirSync(storage) : [];
  for (const folder of folders) {
    const sessions = path.join(storage, folder, EXTENSION_ID, 'sessions');
    for (const name of fs.existsSync(sessions) ? fs.readdirSync(sessions).filter((entry) => entry.endsWith('.json')) : []) {
      try {
        const saved = JSON.parse(fs.readFileSync(path.join(sessions, name), 'utf8')) as { milestoneId?: unknown; replay?: unknown };
        if (saved.milestoneId === milestoneId && typeof saved.replay === 'string') return saved.replay;
      } catch {
        // being replaced right now: the next probe reads the new file
      }
    }
  }
  return undefined;
}

/** Shows the Milestone Terminals sidebar; its activity bar button toggles, so only when hidden. */
export async function showSessionsView(page: Page): Promise<void> {
  // A container with one view shows it under the container's title.
  const view = page.locator('.part.sidebar .title-label', { hasText: /Milestone Terminals/i });
  if (!(await view.isVisible())) {
    await page.locator('.activitybar [aria-label^="Milestone Terminals"]').first().click();
  }
  await view.waitFor({ timeout: 10_000 });
}

/**
 * Closes an editor tab with its close button, as a mouse user does. Not through the palette:
 * a webview that was just clicked may take the focus back from it (see runCommand).
 */
export async function closeTab(page: Page, title: string): Promise<void> {
  const tab = page.locator('.tab', { hasText: title });
  await tab.hover();
  // By its label, not its icon: VS Code 1.139 draws the tab's close action with
  // codicon-close-small where 1.100 used codicon-close; the label is "Close (Ctrl+W)" on both.
  await tab.locator('.tab-actions a.action-label[aria-label^="Close"]').click();
  await tab.waitFor({ state: 'detached' });
  // The editor left active is focused after the tab has gone (the focus is on no element
  // meanwhile); a webview's content only later (see waitForWebviewFocus). Let both land here,
  // not in the palette opened next.
  if (await page.locator('.tab').count()) {
    await pollUntil(() => page.evaluate(() => document.activeElement !== null && document.activeElement !== document.body), 'the editor left active to take the focus', { timeoutMs: 10_000, intervalMs: 50 });
  }
  await waitForWebviewFocus(page);
}
