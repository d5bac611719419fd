/**
 * Kept pages: what hidden terminal tabs cost the browser, with every page kept
 * (`milestoneTerminals.keptPages` 1000) and with the default bound (10), for 50 and 200 sessions
 * open as tabs, each shown once. Per case: chromium's memory (PSS summed over its processes, so shared pages count
 * once) and chromium's and the extension host's CPU% with every session quiet; the same CPU
 * figures while every session prints a line every 100 ms; the time from clicking a hidden tab to
 * its terminal showing its output, for a tab that kept its page and (under the bound) one whose
 * page was released. Sessions are opened from inside the extension host by
 * bench/scaleExtensionHost.ts, as bench/scale.ts does, and print only once every tab is open.
 *
 *   node out/bench/keptPages.js [printSeconds=20] [sessions, else 50 and 200] [keptAll|bounded, else both] [--workbench oldest|newest]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { pollUntil } from '../test/support/timing';
import { repoRoot, screenshot } from '../test/e2e/harness';
import { benchArgs, numberArg } from './lib/args';
import { webviewState, type WebviewState } from './lib/frames';
import { Sampler, sampleAll } from './lib/procstat';
import { median, printTable, round, saveResults } from './lib/report';
import { chromiumPids, sleep, startBench, workbenchPids, type BenchWorkbench } from './lib/workbench';
import type { OpenedReport, ScalePlan } from './scaleExtensionHost';
import type { WorkbenchInstall } from '../test/e2e/harness';

const printSeconds = numberArg(0, 20);
const SESSION_COUNTS = benchArgs.positional[1] ? [numberArg(1, 50)] : [50, 200];
const MODES = { keptAll: 1000, bounded: 10 } as const;
const modeArg = benchArgs.positional[2] as keyof typeof MODES | undefined;
if (modeArg !== undefined && !Object.hasOwn(MODES, modeArg)) throw new Error(`mode ${modeArg}: expected one of ${Object.keys(MODES).join(', ')}`);
const MODES_RUN = modeArg ? [MODES[modeArg]] : Object.values(MODES);
const SWITCHES = 3;
const tabId = (i: number) => `scale-${String(i).padStart(3, '0')}`;
const QUIET_SECONDS = 10;
/**
 * Chromium works through output for seconds after the sessions stop printing (earlier runs
 * measured that catching up as the cost of quiet pages); quiet figures wait until its CPU has
 * been below this for a two-second window.
 */
const SETTLED_CPU_PERCENT = 15;
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

interface PageMemory {
  /** JS heap in use of the workbench's renderer, which runs every webview frame too (same-origin, in process). */
  jsHeapMiB: number;
  /** DOM nodes alive in that renderer. */
  domNodes: number;
}

/**
 * Collects garbage in the workbench's renderer, then reads its JS heap and DOM node count.
 * Without it the figures hold whatever garbage happens to be waiting (a released page's
 * document included), and the bounded case read more than keeping every page.
 */
async function collectGarbageAndMeasure(page: Page): Promise<PageMemory> {
  const cdp = await page.context().newCDPSession(page);
  try {
    // Twice: the first pass finds documents only weakly held until then.
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
    return { jsHeapMiB: round(metric('JSHeapUsedSize') / 2 ** 20, 1), domNodes: metric('Nodes') };
  } finally {
    await cdp.detach();
  }
}

const loadAverage = () => os.loadavg().map((n) => round(n, 1));

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

/** Seconds until chromium's CPU over a two-second window falls below SETTLED_CPU_PERCENT (at most `timeoutSeconds`). */
async function waitForChromiumToSettle(timeoutSeconds: number): Promise<number> {
  const start = performance.now();
  while ((performance.now() - start) / 1000 < timeoutSeconds) {
    const pids = chromiumPids();
    const before = sampleAll(pids);
    await sleep(2_000);
    if (((sampleAll(pids).cpuSeconds - before.cpuSeconds) / 2) * 100 < SETTLED_CPU_PERCENT) break;
  }
  return round((performance.now() - start) / 1000, 1);
}

interface CpuFigures {
  chromiumCpuPercent: number;
  extensionHostCpuPercent: number;
  loadAverage: number[];
}

async function measureCpu(seconds: number, extHost: number): Promise<CpuFigures> {
  const load = loadAverage();
  const chromium = new Sampler(chromiumPids, 1_000);
  const extension = new Sampler(() => [extHost], 1_000);
  await sleep(seconds * 1_000);
  return { chromiumCpuPercent: round(chromium.stop().meanCpuPercent, 1), extensionHostCpuPercent: round(extension.stop().meanCpuPercent, 1), loadAverage: load };
}

async function showTab(page: Page, id: string): Promise<void> {
  const tab = page.locator('.tab', { hasText: id });
  await tab.scrollIntoViewIfNeeded();
  await tab.click();
  await page.locator('.tab.active', { hasText: id }).waitFor();
}

/**
 * Shows every tab once, oldest first, as a user who opened them one by one has seen them:
 * tabs opened in quick succession are replaced before their page loads, and a tab never shown
 * has no page to keep. Leaves the most recently used in the order of the tabs.
 */
async function showEveryTab(page: Page, sessions: number): Promise<void> {
  for (let i = 0; i < sessions; i++) {
    const id = tabId(i);
    await showTab(page, id);
    let state: WebviewState | undefined;
    await pollUntil(async () => {
      state = await webviewState(page, id, 'tick');
      return state.shown && state.showsText;
    }, `${id} to show its terminal`, { timeoutMs: 60_000, intervalMs: 20 }).catch(async (err: Error) => {
      await screenshot(page, `kept-pages-${id}-not-shown`);
      throw new Error(`${err.message} (${JSON.stringify(state)})`);
    });
  }
}

/**
 * ms from clicking the hidden tab of `id` to the workbench showing its frame with the terminal's
 * output in it. A released page holds no terminal until the rebuilt page has replayed; a kept
 * one only has to be shown.
 */
async function switchBack(page: Page, id: string, away: string, expect: 'kept' | 'released'): Promise<number> {
  await showTab(page, away);
  await pollUntil(async () => {
    const state = await webviewState(page, id, 'tick');
    return state.found && !state.shown && state.hasTerminal === (expect === 'kept');
  }, `the hidden ${id} tab's page to be ${expect}`, { timeoutMs: 30_000 });
  const tab = page.locator('.tab', { hasText: id });
  await tab.scrollIntoViewIfNeeded();
  const start = performance.now();
  await tab.click();
  await pollUntil(async () => {
    const state = await webviewState(page, id, 'tick');
    return state.shown && state.showsText;
  }, `${id} to show its output`, { timeoutMs: 30_000, intervalMs: 5 });
  return performance.now() - start;
}

interface CaseFigures {
  sessions: number;
  keptPages: number;
  openSeconds: number;
  /** Every tab open, nothing printed since. */
  quiet: CpuFigures & PageMemory & { chromiumPssMiB: number };
  printing: CpuFigures;
  /** Seconds after the sessions stop printing until chromium's CPU falls below SETTLED_CPU_PERCENT. */
  settleAfterPrintingSeconds: number;
  /** Chromium's PSS once settled after printing: the kept pages now hold scrollback too. */
  afterPrintingChromiumPssMiB: number;
  switchBackToKeptMs: number[];
  /** Only where pages are released (the bound). */
  switchBackToReleasedMs: number[];
}

async function runCase(sessions: number, keptPages: number): Promise<CaseFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-bench-kept-'));
  const start = path.join(dir, 'start');
  const quiet = path.join(dir, 'quiet');
  // Reads with a timeout from a pipe nobody writes to stand in for sleep: hundreds of sessions
  // forking a sleep ten times a second would load the machine more than the printing does.
  const script = [
    'exec 3<> <(:)',
    'echo tick-open',
    `until [ -e ${start} ]; do read -t 0.5 -u 3; done`,
    `until [ -e ${quiet} ]; do echo tick-$SECONDS; read -t 0.1 -u 3; done`,
    'echo tick-quiet; exec sleep 100000',
  ].join('\n');
  const plan: ScalePlan = { sessions, script };
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
    const opened = await waitForJson<OpenedReport>(path.join(dir, 'open.json'), 600_000, errorFile);
    if (opened.errors.length) throw new Error(`opening failed: ${opened.errors.slice(0, 3).join('; ')}`);
    const last = tabId(sessions - 1);
    // The workbench shows the tabs a little after the commands return, each taking the front:
    // clicking another before the last is shown would be undone.
    await b.page.locator('.tab.active', { hasText: last }).waitFor({ timeout: 120_000 });
    const openSeconds = (Date.now() - openStart) / 1000;
    await showEveryTab(b.page, sessions);
    await waitForChromiumToSettle(120);

    const quietCpu = await measureCpu(QUIET_SECONDS, extHost);
    const memory = await collectGarbageAndMeasure(b.page);
    const quietFigures = { ...quietCpu, ...memory, chromiumPssMiB: round(pssMiB(chromiumPids()), 1) };
    fs.writeFileSync(start, '');
    await sleep(3_000);
    const printing = await measureCpu(printSeconds, extHost);
    fs.writeFileSync(quiet, '');
    const settleAfterPrintingSeconds = await waitForChromiumToSettle(120);
    await collectGarbageAndMeasure(b.page);
    const afterPrintingChromiumPssMiB = round(pssMiB(chromiumPids()), 1);
    console.log(
      `${sessions} sessions, keptPages ${keptPages}: opened in ${openSeconds.toFixed(1)} s; quiet: chromium ${quietFigures.chromiumCpuPercent}%, ext host ${quietFigures.extensionHostCpuPercent}%, PSS ${quietFigures.chromiumPssMiB} MiB, JS heap ${quietFigures.jsHeapMiB} MiB, ${quietFigures.domNodes} DOM nodes; printing: chromium ${printing.chromiumCpuPercent}%, ext host ${printing.extensionHostCpuPercent}%; settled ${settleAfterPrintingSeconds} s after, PSS ${afterPrintingChromiumPssMiB} MiB; load ${printing.loadAverage.join(' ')}`,
    );

    const switchBackToKeptMs: number[] = [];
    const switchBackToReleasedMs: number[] = [];
    for (let i = 0; i < Math.min(SWITCHES, sessions - 1); i++) {
      // Under the bound the most recently used hidden tabs keep their page; otherwise every one does.
      const kept = keptPages < sessions ? tabId(sessions - 2 - i) : tabId(i);
      switchBackToKeptMs.push(round(await switchBack(b.page, kept, last, 'kept'), 0));
    }
    for (let i = 0; keptPages < sessions - 1 && i < SWITCHES; i++) {
      // Each time another of the oldest tabs, beyond the bound until now.
      switchBackToReleasedMs.push(round(await switchBack(b.page, tabId(i), last, 'released'), 0));
    }
    console.log(`  switch back: kept ${switchBackToKeptMs.join(', ')} ms; released ${switchBackToReleasedMs.join(', ') || '-'} ms`);
    go('closeTabs');
    // Cleanup only (the workbench is closed next either way): a slow close must not discard the figures.
    await waitForJson(path.join(dir, 'closeTabs.json'), 120_000, errorFile).catch((error: Error) => console.log(`  closing the tabs: ${error.message}`));
    go('done');
    return { sessions, keptPages, openSeconds: round(openSeconds, 1), quiet: quietFigures, printing, settleAfterPrintingSeconds, afterPrintingChromiumPssMiB, switchBackToKeptMs, switchBackToReleasedMs };
  } finally {
    await b?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type CaseResult = CaseFigures | { sessions: number; keptPages: number; error: string };

/** Cases saved before, so that a run of one session count or mode keeps the others' figures. */
function savedCases(): CaseResult[] {
  // saveResults adds the suffix for the newest workbench.
  const file = path.join(repoRoot, 'bench', 'results', benchArgs.workbench === 'newest' ? 'kept-pages-newest.json' : 'kept-pages.json');
  const saved = fs.existsSync(file) ? ((JSON.parse(fs.readFileSync(file, 'utf8')) as { results?: { cases?: CaseResult[] } }).results?.cases ?? []) : [];
  // Cases of earlier layouts (no quiet phase, no garbage collected before reading memory) are measured differently.
  return saved.filter((c) => 'error' in c || ('quiet' in c && 'jsHeapMiB' in c.quiet));
}

/** MiB of chromium's PSS each released page gives back: every page kept vs the bound, quiet. */
function freedPerReleasedPage(cases: CaseResult[]): Array<{ sessions: number; releasedPages: number; freedMiBPerPage: number; freedJsHeapMiBPerPage: number; freedDomNodesPerPage: number }> {
  const out = [];
  for (const sessions of new Set(cases.map((c) => c.sessions))) {
    const find = (kept: number) => cases.find((c): c is CaseFigures => c.sessions === sessions && c.keptPages === kept && !('error' in c));
    const all = find(MODES.keptAll);
    const bounded = find(MODES.bounded);
    // The active tab and the bound's hidden tabs keep their page.
    const releasedPages = sessions - 1 - MODES.bounded;
    const perPage = (kept: number, bound: number) => round((kept - bound) / releasedPages, 2);
    if (all && bounded && releasedPages > 0) {
      out.push({
        sessions,
        releasedPages,
        freedMiBPerPage: perPage(all.quiet.chromiumPssMiB, bounded.quiet.chromiumPssMiB),
        freedJsHeapMiBPerPage: perPage(all.quiet.jsHeapMiB, bounded.quiet.jsHeapMiB),
        freedDomNodesPerPage: perPage(all.quiet.domNodes, bounded.quiet.domNodes),
      });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const fresh: CaseResult[] = [];
  for (const sessions of SESSION_COUNTS) {
    for (const keptPages of MODES_RUN) {
      // A case that cannot finish is a figure too.
      fresh.push(
        await runCase(sessions, keptPages).catch((error: Error) => {
          console.log(`${sessions} sessions, keptPages ${keptPages}: ${error.message}`);
          return { sessions, keptPages, error: error.message };
        }),
      );
    }
  }
  const sameCase = (a: CaseResult, b: CaseResult) => a.sessions === b.sessions && a.keptPages === b.keptPages;
  const cases = [...savedCases().filter((old) => !fresh.some((c) => sameCase(c, old))), ...fresh].sort((a, b) => a.sessions - b.sessions || b.keptPages - a.keptPages);
  const medianOr = (values: number[]) => (values.length ? median(values) : '-');
  const figures = (c: CaseResult) =>
    'error' in c
      ? [c.sessions, c.keptPages, `failed: ${c.error.slice(0, 60)}`, '', '', '', '', '', '', '', '', '']
      : [
          c.sessions,
          c.keptPages,
          c.quiet.chromiumPssMiB,
          c.quiet.jsHeapMiB,
          c.quiet.domNodes,
          c.quiet.chromiumCpuPercent,
          c.quiet.extensionHostCpuPercent,
          c.printing.chromiumCpuPercent,
          c.printing.extensionHostCpuPercent,
          medianOr(c.switchBackToKeptMs),
          medianOr(c.switchBackToReleasedMs),
          c.printing.loadAverage[0],
        ];
  printTable(
    `hidden terminal tabs: every page kept (keptPages ${MODES.keptAll}) vs the default bound (${MODES.bounded}); CPU% of one core; printing: every session 10 lines/s`,
    ['sessions', 'keptPages', 'chromium PSS MiB', 'JS heap MiB', 'DOM nodes', 'chromium CPU% quiet', 'ext host CPU% quiet', 'chromium CPU% printing', 'ext host CPU% printing', 'switch to kept ms', 'switch to released ms', 'load avg (1 min)'],
    cases.map(figures),
  );
  const freed = freedPerReleasedPage(cases);
  for (const f of freed) console.log(`${f.sessions} sessions, per released page (${f.releasedPages} released): ${f.freedMiBPerPage} MiB of chromium PSS, ${f.freedJsHeapMiBPerPage} MiB of JS heap, ${f.freedDomNodesPerPage} DOM nodes freed`);
  saveResults('kept-pages', { printSeconds, quietSeconds: QUIET_SECONDS, settledCpuPercent: SETTLED_CPU_PERCENT, cases, freedPerReleasedPage: freed }, install);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
