/**
 * Rehydration: a milestone session whose replay buffer is full (`seq 1 20000`, ~109 KB, over the
 * 64 KiB default) is brought back (a) by closing its tab and reopening it from the palette and
 * (b) by Developer: Reload Window. Figures are from the Enter that starts the action to the
 * moment the last line ("20000") is in the DOM, polled every ~10 ms from Node across all frames
 * (a new webview cannot be observed from inside before it exists). VS Code's integrated
 * terminal, with the same output, is timed through the same reload for comparison.
 *
 *   node out/bench/rehydration.js [reopens=5] [reloads=3]
 */
import type { Page } from 'playwright-core';
import { median, printTable, round, saveResults } from './lib/report';
import { runCommand } from '../test/e2e/harness';
import { focusIn, openIntegratedTerminal, openMilestoneTerminal, pickMilestone, sleep, startBench } from './lib/workbench';

const reopens = Number(process.argv[2] ?? 5);
const reloads = Number(process.argv[3] ?? 3);
const ID = 'bench-rehydrate';
const LAST = '20000';

interface Seen {
  /** ms from Enter until a milestone webview with a terminal existed */
  milestoneView?: number;
  /** ms from Enter until our last line was in the DOM */
  milestone?: number;
  integrated?: number;
}

/** Whether each terminal shows a row that is exactly `line`: the main frame holds VS Code's terminal, webview frames ours. */
async function probe(page: Page): Promise<{ milestoneView: boolean; milestone: boolean; integrated: boolean }> {
  const out = { milestoneView: false, milestone: false, integrated: false };
  await Promise.all(
    page.frames().map(async (frame) => {
      const state = await frame
        .evaluate((line) => {
          const all = Array.from(document.querySelectorAll('.xterm-rows'));
          if (all.length === 0) return 'none';
          const has = all.some((rows) => Array.from(rows.children).some((row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trim() === line));
          return has ? 'shown' : 'terminal';
        }, LAST)
        .catch(() => 'none');
      if (frame === page.mainFrame()) {
        out.integrated ||= state === 'shown';
      } else {
        out.milestoneView ||= state !== 'none';
        out.milestone ||= state === 'shown';
      }
    }),
  );
  return out;
}

async function waitUntilShown(page: Page, start: number, want: Array<keyof Seen>, timeoutMs = 60_000): Promise<Seen> {
  const seen: Seen = {};
  const deadline = start + timeoutMs;
  while (want.some((key) => seen[key] === undefined) && Date.now() < deadline) {
    let p;
    try {
      p = await probe(page);
    } catch {
      await sleep(10); // the page is navigating
      continue;
    }
    const now = Date.now() - start;
    if (p.milestoneView) seen.milestoneView ??= now;
    if (p.milestone) seen.milestone ??= now;
    if (p.integrated) seen.integrated ??= now;
    await sleep(10);
  }
  return seen;
}

/** Opens the palette on a command and returns with Enter not yet pressed, so that the caller can start its clock. */
async function preparePalette(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${label}`);
  const focused = page.locator('.quick-input-list .monaco-list-row.focused .label-name');
  await page.locator('.quick-input-list .monaco-list-row .label-name', { hasText: label }).first().waitFor();
  await sleep(200); // the list re-sorts once more after filtering
  // "Foo" may be listed after "Foo Bar": move down to the exact label.
  for (let moves = 0; (await focused.textContent()) !== label; moves++) {
    if (moves >= 20) throw new Error(`palette: "${label}" not reachable`);
    await page.keyboard.press('ArrowDown');
  }
}

async function main(): Promise<void> {
  const b = await startBench();
  const page = b.page;
  const reopenRuns: Seen[] = [];
  const reloadRuns: Seen[] = [];
  let bufferNote = '';
  try {
    const ours = await openMilestoneTerminal(page, ID);
    await focusIn(page, ours.frame);
    await page.keyboard.type('seq 1 20000\n');
    const integrated = await openIntegratedTerminal(page);
    await integrated.focus();
    await page.keyboard.type('seq 1 20000\n');
    const first = await waitUntilShown(page, Date.now(), ['milestone', 'integrated']);
    if (first.milestone === undefined || first.integrated === undefined) throw new Error('seq output never showed');
    await sleep(2_500); // screens are saved a moment after output

    for (let i = 0; i < reopens; i++) {
      await page.locator('.tab', { hasText: ID }).click();
      await runCommand(page, 'View: Close Editor');
      await page.locator('.tab', { hasText: ID }).waitFor({ state: 'detached' });
      await sleep(1_000);
      await pickMilestone(page, ID, /running · pid/);
      const start = Date.now();
      await page.keyboard.press('Enter');
      const seen = await waitUntilShown(page, start, ['milestoneView', 'milestone']);
      console.log(`reopen ${i + 1}: view ${seen.milestoneView} ms, last line ${seen.milestone} ms`);
      reopenRuns.push(seen);
      await sleep(1_000);
    }

    for (let i = 0; i < reloads; i++) {
      await page.locator('.tab', { hasText: ID }).click();
      await sleep(500);
      await preparePalette(page, 'Developer: Reload Window');
      const start = Date.now();
      await page.keyboard.press('Enter');
      // Let the old page go before probing, or it would answer for itself.
      await page.waitForEvent('load', { timeout: 60_000 });
      const seen = await waitUntilShown(page, start, ['milestoneView', 'milestone', 'integrated']);
      console.log(`reload ${i + 1}: view ${seen.milestoneView} ms, last line ${seen.milestone} ms, integrated terminal ${seen.integrated} ms`);
      reloadRuns.push(seen);
      await page.locator('.statusbar').waitFor();
      await sleep(3_000);
    }
    // What actually came back: how far the restored screen reaches back (the replay buffer's reach).
    bufferNote = await page
      .frames()
      .filter((f) => f !== page.mainFrame())
      .reduce<Promise<string>>(async (acc, f) => (await acc) || (await f.evaluate(() => document.querySelector('.xterm-rows')?.textContent?.slice(0, 40) ?? '').catch(() => '')), Promise.resolve(''));
  } finally {
    await b.close();
  }

  const med = (runs: Seen[], key: keyof Seen) => {
    const values = runs.map((r) => r[key]).filter((v): v is number => v !== undefined);
    return values.length === runs.length ? median(values) : NaN;
  };
  const result = {
    reopen: { runs: reopenRuns, medianViewMs: med(reopenRuns, 'milestoneView'), medianLastLineMs: med(reopenRuns, 'milestone') },
    reload: {
      runs: reloadRuns,
      medianViewMs: med(reloadRuns, 'milestoneView'),
      medianLastLineMs: med(reloadRuns, 'milestone'),
      integratedMedianLastLineMs: med(reloadRuns, 'integrated'),
    },
    firstRowsAfterLastReload: bufferNote,
  };
  printTable(
    'seq 1 20000 brought back (ms from Enter, median)',
    ['action', 'runs', 'webview up', 'last line (ours)', 'last line (integrated)'],
    [
      ['close tab + reopen from palette', reopenRuns.length, round(result.reopen.medianViewMs, 0), round(result.reopen.medianLastLineMs, 0), '-'],
      ['Developer: Reload Window', reloadRuns.length, round(result.reload.medianViewMs, 0), round(result.reload.medianLastLineMs, 0), round(result.reload.integratedMedianLastLineMs, 0)],
    ],
  );
  saveResults('rehydration', result);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
