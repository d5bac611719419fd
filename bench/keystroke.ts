/**
 * Keystroke latency: 200 characters typed one at a time into `cat` (so the echo is the tty's)
 * in a milestone terminal and in VS Code's integrated terminal, in one code-server + chromium.
 * Each figure is measured inside the document that receives the key: from its keydown event to
 * the MutationObserver callback that sees the glyph in `.xterm-rows` ("DOM"), and to the next
 * animation frame after that ("frame", roughly when it can be painted).
 *
 *   node out/bench/keystroke.js [characters=200] [--workbench oldest|newest]
 */
import { randomBytes } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { numberArg } from './lib/args';
import { percentile, printTable, round, saveResults } from './lib/report';
import { focusIn, openIntegratedTerminal, openMilestoneTerminal, sleep, startBench } from './lib/workbench';

const count = numberArg(0, 200);

interface KeyTiming {
  dom: number;
  frame: number;
}

/** Installs window.__mtKey(needle): resolves with the latencies of the next key that makes `needle` appear. */
async function install(rows: Locator): Promise<void> {
  await rows.evaluate((el) => {
    const w = window as unknown as { __mtKey?: (needle: string) => void; __mtKeyResult?: Promise<{ dom: number; frame: number }> };
    w.__mtKey = (needle: string) => {
      w.__mtKeyResult = new Promise((resolve, reject) => {
        let keydown: number | undefined;
        const onKey = (e: KeyboardEvent) => {
          // e.timeStamp is when the browser created the event, before any handler ran.
          keydown ??= e.timeStamp;
        };
        window.addEventListener('keydown', onKey, true);
        const timer = setTimeout(() => finish(new Error(`"${needle.slice(-20)}" not echoed within 10 s`)), 10_000);
        const observer = new MutationObserver(() => {
          if (!(el.textContent ?? '').replace(/\u00a0/g, ' ').includes(needle)) return;
          const dom = performance.now();
          finish();
          requestAnimationFrame(() => {
            if (keydown === undefined) reject(new Error('no keydown seen in this document'));
            else resolve({ dom: dom - keydown, frame: performance.now() - keydown });
          });
        });
        observer.observe(el, { childList: true, subtree: true, characterData: true });
        function finish(err?: Error) {
          observer.disconnect();
          clearTimeout(timer);
          window.removeEventListener('keydown', onKey, true);
          if (err) reject(err);
        }
      });
    };
  });
}

async function typeMeasured(page: Page, rows: Locator, focus: () => Promise<void>): Promise<KeyTiming[]> {
  await focus();
  await page.keyboard.type('cat\n');
  await sleep(500);
  await install(rows);
  // A unique prefix, not measured, makes the needle unambiguous and warms the path up.
  const prefix = `KS${randomBytes(3).toString('hex')}x`;
  await page.keyboard.type(prefix, { delay: 30 });
  await rows.filter({ hasText: prefix }).waitFor();
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let typed = prefix;
  const timings: KeyTiming[] = [];
  for (let i = 0; i < count; i++) {
    const ch = alphabet[i % alphabet.length];
    typed += ch;
    await rows.evaluate((_el, needle) => (window as unknown as { __mtKey(n: string): void }).__mtKey(needle), typed);
    await page.keyboard.press(ch);
    timings.push(await rows.evaluate(() => (window as unknown as { __mtKeyResult: Promise<KeyTiming> }).__mtKeyResult));
    // A typist's pause: keys do not arrive back to back, and the previous frame has settled.
    await sleep(20 + Math.random() * 40);
  }
  await page.keyboard.press('Control+C');
  return timings;
}

function stats(values: number[]) {
  return { p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), p99: round(percentile(values, 99)), max: round(Math.max(...values)), mean: round(values.reduce((a, b) => a + b, 0) / values.length) };
}

async function main(): Promise<void> {
  const b = await startBench();
  let ours: KeyTiming[];
  let theirs: KeyTiming[];
  try {
    const milestone = await openMilestoneTerminal(b.page, 'bench-keys');
    const integrated = await openIntegratedTerminal(b.page);
    ours = await typeMeasured(b.page, milestone.rows, () => focusIn(b.page, milestone.frame));
    theirs = await typeMeasured(b.page, integrated.rows, integrated.focus);
  } finally {
    await b.close();
  }
  const result = {
    characters: count,
    milestone: { dom: stats(ours.map((t) => t.dom)), frame: stats(ours.map((t) => t.frame)), raw: ours },
    integrated: { dom: stats(theirs.map((t) => t.dom)), frame: stats(theirs.map((t) => t.frame)), raw: theirs },
  };
  printTable(
    `keydown -> glyph, ${count} characters into cat (ms)`,
    ['terminal', 'DOM p50', 'DOM p95', 'DOM p99', 'DOM max', 'frame p50', 'frame p95'],
    [
      ['Milestone terminal (webview)', result.milestone.dom.p50, result.milestone.dom.p95, result.milestone.dom.p99, result.milestone.dom.max, result.milestone.frame.p50, result.milestone.frame.p95],
      ['VS Code integrated terminal', result.integrated.dom.p50, result.integrated.dom.p95, result.integrated.dom.p99, result.integrated.dom.max, result.integrated.frame.p50, result.integrated.frame.p95],
    ],
  );
  saveResults('keystroke', result, b.workbench.install);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
