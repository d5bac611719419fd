/**
 * Kept pages: what hidden terminal tabs cost the browser, with every page kept
 * (`milestoneTerminals.keptPages` 1000) and with the default bound (10), for 50 and 200 sessions
 * open as tabs. Per case: chromium's memory (PSS summed over its processes, so shared pages count
 * once) with the sessions quiet; chromium's and the extension host's CPU% while every session
 * prints a line every 100 ms; and under the bound, the time from clicking a released tab to its
 * terminal showing its output again. Sessions are opened from inside the extension host by
 * bench/scaleExtensionHost.ts, as bench/scale.ts does.
 *
 *   node out/bench/keptPages.js [printSeconds=20] [sessions, else 50 and 200] [--workbench oldest|newest]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { pollUntil } from '../test/support/timing';
import { repoRoot, webviewFrame } from '../test/e2e/harness';
import { benchArgs, numberArg } from './lib/args';
import { Sampler } from './lib/procstat';
import { median, printTable, round, saveResults } from './lib/report';
import { chromiumPids, sleep, startBench, workbenchPids, type BenchWorkbench } from './lib/workbench';
import type { OpenedReport, ScalePlan } from './scaleExtensionHost';
import type { WorkbenchInstall } from '../test/e2e/harness';

const printSeconds = numberArg(0, 20);
const SESSION_COUNTS = process.argv[3] ? [numberArg(1, 50)] : [50, 200];
const MODES = { keptAll: 1000, bounded: 10 } as const;
const SWITCHES = 3;
let install: WorkbenchInstall | undefined;

/** Proportional set size of the processes, in MiB: shared pages divided among their sharers. */
function pssMiB(pids: number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      const match = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      kib += match ? Number(match[1]) : 0;
    } catch {
      // the process ended between the listing and the read
    }
  }
  return kib / 1024;
}

async function waitForJson<T>(file: string, timeoutMs: number, errorFile: string): Promise<T> {
  return pollUntil(
    () => {
      if (fs.existsSync(errorFile)) throw new Error(`extension host driver: ${fs.readFileSync(errorFile, 'utf8')}`);
      return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined;
    },
    file,
    { timeoutMs, intervalMs: 100 },
  );
}

/**
 * ms from clicking the tab of `id`, whose page is released, to its terminal showing output
 * again: the frame holds no terminal until the rebuilt page has replayed. (A kept tab's switch
 * is timed by bench/rehydration.ts.)
 */
async function switchBackToReleased(page: Page, id: string, away: string): Promise<number> {
  await page.locator('.tab', { hasText: away }).click();
  await page.locator('.tab.active', { hasText: away }).waitFor();
  // The lookup reads every webview frame (up to a second each), so it is slow with hundreds of tabs.
  const terminal = await webviewFrame(page, id, undefined, 600_000);
  await pollUntil(async () => (await terminal.locator('.xterm').count().catch(() => 1)) === 0, `the page of ${id} to be released`, { timeoutMs: 30_000 });
  const tab = page.locator('.tab', { hasText: id });
  await tab.scrollIntoViewIfNeeded();
  const start = performance.now();
  await tab.click();
  await pollUntil(() => terminal.locator('.xterm-rows', { hasText: 'tick' }).count().catch(() => 0), `${id} to show its output`, { timeoutMs: 30_000, intervalMs: 5 });
  return performance.now() - start;
}

interface CaseFigures {
  sessions: number;
  keptPages: number;
  openSeconds: number;
  printing: { chromiumCpuPercent: number; extensionHostCpuPercent: number };
  quietChromiumPssMiB: number;
  quietChromiumCpuPercent: number;
  /** Only where pages are released (the bound). */
  switchBackToReleasedMs: number[];
}

async function runCase(sessions: number, keptPages: number): Promise<CaseFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-bench-kept-'));
  const quiet = path.join(dir, 'quiet');
  const plan: ScalePlan = { sessions, script: `while [ ! -e ${quiet} ]; do echo tick-$SECONDS; sleep 0.1; done; echo tick-quiet; exec sleep 100000` };
  fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan));
  const errorFile = path.join(dir, 'error.json');
  const go = (step: string) => fs.writeFileSync(path.join(dir, `${step}.go`), '');
  let b: BenchWorkbench | undefined;
  try {
    b = await startBench({
      extensionTestsPath: path.join(__dirname, 'scaleExtensionHost.js'),
      env: { MT_BENCH_SCALE_DIR: dir },
      settings: { 'milestoneTerminals.keptPages': keptPages, 'milestoneTerminals.maxSessions': Math.max(100, sessions) },
    });
    install = b.workbench.install;
    await waitForJson(path.join(dir, 'activated.json'), 60_000, errorFile);
    const extHost = workbenchPids(b.workbench).extensionHost;
    if (!extHost) throw new Error('cannot find the extension host');
    const openStart = Date.now();
    go('open');
    const opened = await waitForJson<OpenedReport>(path.join(dir, 'open.json'), 300_000, errorFile);
    if (opened.errors.length) throw new Error(`opening failed: ${opened.errors.slice(0, 3).join('; ')}`);
    const last = `scale-${String(sessions - 1).padStart(3, '0')}`;
    await b.page.locator('.tab', { hasText: last }).waitFor({ timeout: 120_000 });
    const openSeconds = (Date.now() - openStart) / 1000;
    await sleep(5_000);

    const chromium = new Sampler(chromiumPids, 1_000);
    const extension = new Sampler(() => [extHost], 1_000);
    await sleep(printSeconds * 1_000);
    const printing = { chromiumCpuPercent: round(chromium.stop().meanCpuPercent, 1), extensionHostCpuPercent: round(extension.stop().meanCpuPercent, 1) };

    fs.writeFileSync(quiet, '');
    await sleep(3_000);
    const quietChromium = new Sampler(chromiumPids, 1_000);
    await sleep(10_000);
    const quietChromiumCpuPercent = round(quietChromium.stop().meanCpuPercent, 1);
    const quietChromiumPssMiB = round(pssMiB(chromiumPids()), 1);
    console.log(`${sessions} sessions, keptPages ${keptPages}: opened in ${openSeconds.toFixed(1)} s; printing: chromium ${printing.chromiumCpuPercent}% ext host ${printing.extensionHostCpuPercent}%; quiet: chromium ${quietChromiumCpuPercent}%, PSS ${quietChromiumPssMiB} MiB`);

    const switchBackToReleasedMs: number[] = [];
    for (let i = 0; keptPages < sessions && i < SWITCHES; i++) {
      // Each time another of the oldest tabs, beyond the bound until now.
      switchBackToReleasedMs.push(round(await switchBackToReleased(b.page, `scale-${String(i).padStart(3, '0')}`, last), 0));
    }
    if (switchBackToReleasedMs.length) console.log(`  switch back to a released tab: ${switchBackToReleasedMs.join(', ')} ms`);
    go('closeTabs');
    await waitForJson(path.join(dir, 'closeTabs.json'), 120_000, errorFile);
    go('done');
    return { sessions, keptPages, openSeconds: round(openSeconds, 1), printing, quietChromiumPssMiB, quietChromiumCpuPercent, switchBackToReleasedMs };
  } finally {
    await b?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type CaseResult = CaseFigures | { sessions: number; keptPages: number; error: string };

/** Cases saved before, so that a run of one session count keeps the other's figures. */
function savedCases(): CaseResult[] {
  const file = path.join(repoRoot, 'bench', 'results', benchArgs.workbench === 'newest' ? 'kept-pages-newest.json' : 'kept-pages.json');
  return fs.existsSync(file) ? ((JSON.parse(fs.readFileSync(file, 'utf8')) as { results?: { cases?: CaseResult[] } }).results?.cases ?? []) : [];
}

async function main(): Promise<void> {
  const fresh: CaseResult[] = [];
  for (const sessions of SESSION_COUNTS) {
    for (const keptPages of Object.values(MODES)) {
      // A case that cannot finish (every page kept for 200 tabs may not) is a figure too.
      fresh.push(await runCase(sessions, keptPages).catch((error: Error) => ({ sessions, keptPages, error: error.message })));
    }
  }
  const sameCase = (a: CaseResult, b: CaseResult) => a.sessions === b.sessions && a.keptPages === b.keptPages;
  const cases = [...savedCases().filter((old) => !fresh.some((c) => sameCase(c, old))), ...fresh].sort((a, b) => a.sessions - b.sessions || b.keptPages - a.keptPages);
  const figures = (c: CaseResult) =>
    'error' in c
      ? [c.sessions, c.keptPages, `failed: ${c.error.slice(0, 60)}`, '', '', '', '']
      : [c.sessions, c.keptPages, c.quietChromiumPssMiB, c.quietChromiumCpuPercent, c.printing.chromiumCpuPercent, c.printing.extensionHostCpuPercent, c.switchBackToReleasedMs.length ? median(c.switchBackToReleasedMs) : '-'];
  printTable(
    `hidden terminal tabs: every page kept (keptPages ${MODES.keptAll}) vs the default bound (${MODES.bounded}); CPU% of one core, mean while every session prints 10 lines/s`,
    ['sessions', 'keptPages', 'chromium PSS MiB (quiet)', 'chromium CPU% (quiet)', 'chromium CPU% (printing)', 'ext host CPU% (printing)', 'switch back to a released tab (ms, median)'],
    cases.map(figures),
  );
  saveResults('kept-pages', { printSeconds, cases }, install);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
