/** Driving a milestone terminal in the workbench, shared by the end-to-end suites. */
import type { FrameLocator, Page } from 'playwright-core';
import { runCommand, webviewFrame } from './harness';

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
export async function typeInTerminal(page: Page, frame: FrameLocator, text: string): Promise<void> {
  await frame.locator('.xterm-screen').click();
  await frame.locator('.xterm-helper-textarea:focus').waitFor();
  await page.keyboard.type(text);
}

export async function pickMilestone(page: Page, typed: string, rowText: string | RegExp): Promise<void> {
  await runCommand(page, OPEN);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(typed);
  // The "New milestone" entry arrives from the extension host a moment after typing; wait for the list to settle.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: `New milestone "${typed}"` }).waitFor({ timeout: 10_000 });
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: rowText }).waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** Opens a new milestone from the palette and waits for its shell prompt. */
export async function openNewMilestone(page: Page, id: string): Promise<FrameLocator> {
  await pickMilestone(page, id, `New milestone "${id}"`);
  const frame = await webviewFrame(page, id);
  await waitForText(frame, PROMPT);
  return frame;
}
