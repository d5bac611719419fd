/**
 * Flood throughput: `cat` of a ~50 MB file of mixed terminal output, time from Enter until the
 * end marker printed after it is in the DOM. Milestone terminal (webview) against VS Code's
 * integrated terminal (DOM renderer) in one code-server + chromium, plus node-pty with no UI as
 * the ceiling.
 *
 *   node out/bench/throughput.js [megabytes=50] [rounds=3] [--workbench oldest|newest] [--profile] [--webgl]
 *
 * --webgl: after the DOM rounds, terminal.integrated.gpuAcceleration goes to "on" (with a window
 * reload) and both terminals flood again drawn by xterm's WebGL renderer; the end marker is then looked for in
 * each xterm's buffer once per animation frame, since no text is in the DOM. Figures of both
 * renderers go to bench/results/throughput-webgl[-newest].json instead of throughput.json.
 *
 * --profile: after the timed rounds, one more flood in each terminal under the Chrome DevTools
 * Protocol's profiler and tracing; where chromium's main thread spent it goes to
 * bench/results/throughput-profile[-newest].json (a summary, not the raw profile).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pty from 'node-pty';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { sampleAll, cpuPercent, type ProcSample } from './lib/procstat';
import { benchArgs, numberArg } from './lib/args';
import { startProfile, type ProfileSummary } from './lib/profile';
import { printTable, round, saveResults } from './lib/report';
import { pollUntil } from '../test/support/timing';
import { reloadWindow, webviewFrame } from '../test/e2e/harness';
import { armTextWatch, chromiumPids, focusIn, openIntegratedTerminal, openMilestoneTerminal, sessionHostPid, startBench, workbenchPids, type BenchWorkbench } from './lib/workbench';

const megabytes = numberArg(0, 50);
const rounds = numberArg(1, 3);
const profiling = benchArgs.switches.has('profile');
const withWebgl = benchArgs.switches.has('webgl');

/** Deterministic mixed output: coloured log lines, long wrapping lines, short lines, UTF-8. */
function writeFloodFile(file: string, targetBytes: number): { bytes: number; lastLine: string } {
  let state = 42;
  const rand = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const words = ['alpha', 'build', 'compile', 'résumé', 'naïve', 'Grüße', '日本語', 'テスト', '→', '✓', 'λ', 'error', 'warning', 'ok', 'src/extension/host/server.ts'];
  const colours = [31, 32, 33, 34, 35, 36, 90, 91, 92];
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let line = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = () => {
    const buf = Buffer.from(pending.join(''));
    fs.writeSync(fd, buf);
    bytes += buf.length;
    pending = [];
    pendingBytes = 0;
  };
  while (bytes + pendingBytes < targetBytes) {
    const kind = rand();
    let text: string;
    if (kind < 0.45) {
      const c = colours[Math.floor(rand() * colours.length)];
      text = `\x1b[${c}m[${String(line).padStart(8, '0')}]\x1b[0m \x1b[1m${words[Math.floor(rand() * words.length)]}\x1b[0m ${Array.from({ length: 6 + Math.floor(rand() * 10) }, () => words[Math.floor(rand() * words.length)]).join(' ')}`;
    } else if (kind < 0.65) {
      // Long lines: 200-600 columns, so they wrap two to seven times at ~100-150 columns.
      text = Array.from({ length: 30 + Math.floor(rand() * 70) }, () => words[Math.floor(rand() * words.length)]).join(' ');
    } else if (kind < 0.9) {
      text = ['', 'ok', '}', '  at foo (bar.js:1:2)', '---'][Math.floor(rand() * 5)];
    } else {
      text = `\x1b[38;5;${Math.floor(rand() * 256)}m${'█'.repeat(5 + Math.floor(rand() * 30))}\x1b[0m ${Math.floor(rand() * 1e9)}`;
    }
    pending.push(text + '\n');
    pendingBytes += text.length + 1;
    line++;
    if (pending.length >= 2_000) flush();
  }
  const lastLine = `FILE-LAST-LINE ${line}`;
  pending.push(lastLine + '\n');
  flush();
  fs.closeSync(fd);
  return { bytes, lastLine };
}

/** node-pty with no UI: spawn `cat file` and count bytes until it exits. */
function rawPty(file: string, bytes: number): Promise<{ seconds: number; receivedBytes: number; mbPerSecond: number }> {
  return new Promise((resolve) => {
    const start = performance.now();
    let received = 0;
    const proc = pty.spawn('cat', [file], { cols: 120, rows: 30, name: 'xterm-256color', encoding: null });
    proc.onData((data: Buffer | string) => (received += typeof data === 'string' ? Buffer.byteLength(data) : data.length));
    proc.onExit(() => {
      const seconds = (performance.now() - start) / 1000;
      resolve({ seconds, receivedBytes: received, mbPerSecond: bytes / 1e6 / seconds });
    });
  });
}

type Renderer = 'dom' | 'webgl';

/** Where a terminal's text is read: the DOM renderer's rows, or xterm's buffer when WebGL draws it. */
interface Screen {
  watch(needle: string, timeoutMs: number): Promise<() => Promise<number>>;
  text(): Promise<string>;
}

function domScreen(rows: Locator): Screen {
  return { watch: (needle, timeoutMs) => armTextWatch(rows, needle, timeoutMs), text: () => rows.evaluate((el) => (el.textContent ?? '').replace(/\u00a0/g, ' ')) };
}

type XtermHolder = HTMLElement & { xterm?: import('@xterm/xterm').Terminal };

/**
 * `holder` is the element both terminals hang their xterm on (VS Code's wrapper for its smoke
 * tests, our #terminal likewise). The marker is looked for in the visible rows once per
 * animation frame, which is when the WebGL renderer draws what was parsed.
 */
function bufferScreen(holder: Locator): Screen {
  return {
    async watch(needle, timeoutMs) {
      const key = `w${Math.random().toString(36).slice(2)}`;
      await holder.evaluate(
        (el, { needle, key, timeoutMs }) => {
          const term = (el as XtermHolder).xterm;
          if (!term) throw new Error('no xterm on the element');
          const store = window as unknown as Record<string, Promise<number>>;
          store[key] = new Promise<number>((resolve, reject) => {
            const deadline = performance.now() + timeoutMs;
            const look = () => {
              const buffer = term.buffer.active;
              for (let y = buffer.viewportY; y < buffer.viewportY + term.rows; y++) {
                if (buffer.getLine(y)?.translateToString(true).includes(needle)) {
                  resolve(performance.timeOrigin + performance.now());
                  return;
                }
              }
              if (performance.now() > deadline) reject(new Error(`"${needle}" not in the buffer after ${timeoutMs} ms`));
              else requestAnimationFrame(look);
            };
            requestAnimationFrame(look);
          });
        },
        { needle, key, timeoutMs },
      );
      return () => holder.evaluate((_el, key) => (window as unknown as Record<string, Promise<number>>)[key], key);
    },
    text: () =>
      holder.evaluate((el) => {
        const term = (el as XtermHolder).xterm!;
        const buffer = term.buffer.active;
        return Array.from({ length: term.rows }, (_, i) => buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '').join('\n');
      }),
  };
}

/** Which renderer draws the terminal under `root`: a WebGL2 canvas, or the DOM renderer's rows. */
function rendererIn(root: Locator): Promise<Renderer | 'none'> {
  return root.evaluate((el) => {
    // getContext returns a canvas's existing context; a 2D canvas answers null.
    if (Array.from(el.querySelectorAll('.xterm-screen canvas')).some((canvas) => (canvas as HTMLCanvasElement).getContext('webgl2') !== null)) return 'webgl';
    return el.querySelector('.xterm-rows') ? 'dom' : 'none';
  });
}

interface UiRun {
  terminal: 'milestone' | 'integrated';
  renderer: Renderer;
  seconds: number;
  mbPerSecond: number;
  /** The file's last line was on screen right above the marker (nothing lost at the end). */
  lastLineShown: boolean;
  /** CPU% (100 = one core) during the run. */
  cpu: Record<string, number>;
}

async function flood(b: BenchWorkbench, terminal: UiRun['terminal'], renderer: Renderer, screen: Screen, focus: () => Promise<void>, file: string, bytes: number, lastLine: string): Promise<UiRun> {
  const page: Page = b.page;
  const tag = randomBytes(4).toString('hex');
  // The shell computes the marker, so the echoed command line does not contain it.
  const marker = `END-MARK-42-${tag}`;
  await focus();
  await page.keyboard.type(`cat ${file}; echo END-MARK-$((40+2))-${tag}`);
  await page.waitForTimeout(300);
  const done = await screen.watch(marker, 600_000);
  const groups = processGroups(b);
  const before = sampleGroups(groups);
  const start = Date.now();
  await page.keyboard.press('Enter');
  const end = await done();
  const seconds = (end - start) / 1000;
  const after = sampleGroups(groups);
  const cpu = Object.fromEntries(Object.keys(groups).map((name) => [name, round(cpuPercent(before[name], after[name], seconds), 0)]));
  await page.waitForTimeout(500);
  const text = await screen.text();
  const lastLineShown = text.includes(lastLine);
  // Clear, so the next run's marker search starts from an empty screen.
  await page.keyboard.type('clear\n');
  await page.waitForTimeout(500);
  return { terminal, renderer, seconds: round(seconds, 2), mbPerSecond: round(bytes / 1e6 / seconds, 2), lastLineShown, cpu };
}

function processGroups(b: BenchWorkbench): Record<string, number[]> {
  const pids = workbenchPids(b.workbench);
  const host = sessionHostPid(b.workbench);
  return {
    extensionHost: pids.extensionHost ? [pids.extensionHost] : [],
    sessionHost: host ? [host] : [],
    ptyHost: pids.ptyHost ? [pids.ptyHost] : [],
    codeServer: [pids.server],
    // Every chromium process of this run's profile (browser, renderer, GPU, webview frames).
    chromium: chromiumPids(),
  };
}

function sampleGroups(groups: Record<string, number[]>): Record<string, ProcSample> {
  return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, sampleAll(pids)]));
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-bench-flood-'));
  const file = path.join(dir, 'flood.txt');
  const { bytes, lastLine } = writeFloodFile(file, megabytes * 1e6);
  console.log(`flood file: ${(bytes / 1e6).toFixed(1)} MB, ${file}`);

  const raw = [];
  for (let i = 0; i < 3; i++) raw.push(await rawPty(file, bytes));
  raw.sort((a, b) => a.seconds - b.seconds);
  const rawBest = raw[1]; // median of three
  console.log(`node-pty, no UI: ${rawBest.mbPerSecond.toFixed(1)} MB/s (received ${rawBest.receivedBytes} of ${bytes} bytes)`);

  const b = await startBench();
  const runs: UiRun[] = [];
  const profiles: Record<string, { run: UiRun; profile: ProfileSummary }> = {};
  const loadAverage: number[][] = [os.loadavg()];
  try {
    const ours = await openMilestoneTerminal(b.page, 'bench-flood');
    const oursFocus = () => focusIn(b.page, ours.frame);
    const theirs = await openIntegratedTerminal(b.page);
    let screens: Record<UiRun['terminal'], Screen> = { milestone: domScreen(ours.rows), integrated: domScreen(theirs.rows) };
    let focusOf = (which: UiRun['terminal']) => (which === 'milestone' ? oursFocus : theirs.focus);
    const floodIn = (which: UiRun['terminal'], renderer: Renderer) => flood(b, which, renderer, screens[which], focusOf(which), file, bytes, lastLine);
    for (const renderer of withWebgl ? (['dom', 'webgl'] as const) : (['dom'] as const)) {
      if (renderer === 'webgl') {
        const drawn = await switchToWebgl(b);
        screens = { milestone: bufferScreen(drawn.ours.locator('#terminal')), integrated: bufferScreen(drawn.theirs) };
        focusOf = (which) => () => focusIn(b.page, which === 'milestone' ? drawn.ours : drawn.theirs);
      }
      for (let r = 0; r < rounds; r++) {
        // Alternate the order so neither always runs on a warmer (or more fragmented) workbench.
        const order = r % 2 === 0 ? (['milestone', 'integrated'] as const) : (['integrated', 'milestone'] as const);
        for (const which of order) {
          const run = await floodIn(which, renderer);
          console.log(`${which} (${renderer}): ${run.seconds} s, ${run.mbPerSecond} MB/s, last line shown: ${run.lastLineShown}, cpu% ${JSON.stringify(run.cpu)}`);
          runs.push(run);
        }
      }
      loadAverage.push(os.loadavg());
    }
    if (profiling) {
      for (const which of ['milestone', 'integrated'] as const) {
        const profiler = await startProfile(b.page);
        const run = await floodIn(which, withWebgl ? 'webgl' : 'dom');
        const profile = await profiler.stop();
        console.log(`${which}, profiled: ${run.seconds} s; main thread ${profile.mainThread.busyPercent}% busy; ${profile.cpu.byCategory.map((c) => `${c.category} ${c.percent}%`).join(', ')}`);
        profiles[which] = { run, profile };
      }
    }
  } finally {
    await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // Median over rounds: the first flood in a fresh workbench can run at half speed (JIT, layout
  // caches), so a single run misleads; every run is listed and saved too.
  const mid = (t: UiRun['terminal'], renderer: Renderer) => {
    const mine = runs.filter((r) => r.terminal === t && r.renderer === renderer).sort((a, b) => a.mbPerSecond - b.mbPerSecond);
    return mine[Math.floor((mine.length - 1) / 2)];
  };
  const label = (r: UiRun) => `${r.terminal === 'milestone' ? 'Milestone terminal (webview)' : 'VS Code integrated terminal'}, ${r.renderer}`;
  const tableRows = [
    ['node-pty, no UI (median of 3)', round(rawBest.seconds, 2), round(rawBest.mbPerSecond, 1), '-', '-', '-', '-'],
    ...runs.map((r, i) => [`${label(r)}, run ${i + 1}`, r.seconds, r.mbPerSecond, String(r.lastLineShown), r.cpu.extensionHost + r.cpu.sessionHost, r.cpu.ptyHost, r.cpu.chromium]),
  ];
  printTable(`cat of ${(bytes / 1e6).toFixed(1)} MB, Enter -> end marker on screen`, ['path', 's', 'MB/s', 'tail shown', 'ext+session host CPU%', 'ptyHost CPU%', 'chromium CPU%'], tableRows);
  const medians: Partial<Record<Renderer, { milestone: UiRun; integrated: UiRun; ratioMilestoneToIntegrated: number }>> = {};
  for (const renderer of withWebgl ? (['dom', 'webgl'] as const) : (['dom'] as const)) {
    const ours = mid('milestone', renderer);
    const theirs = mid('integrated', renderer);
    const ratio = ours.mbPerSecond / theirs.mbPerSecond;
    medians[renderer] = { milestone: ours, integrated: theirs, ratioMilestoneToIntegrated: round(ratio, 3) };
    console.log(`\n${renderer}, median of ${rounds}: milestone ${ours.mbPerSecond} MB/s, integrated ${theirs.mbPerSecond} MB/s; milestone / integrated ${ratio.toFixed(2)}x; milestone / raw node-pty ${(ours.mbPerSecond / rawBest.mbPerSecond).toFixed(2)}x`);
  }
  console.log(`load average (1, 5, 15 min) at the start and after each renderer's rounds: ${JSON.stringify(loadAverage.map((l) => l.map((v) => round(v, 1))))}`);
  if (withWebgl) {
    saveResults('throughput-webgl', { fileBytes: bytes, rawNodePty: { runs: raw, median: rawBest }, ui: runs, median: medians, loadAverage }, b.workbench.install);
  } else {
    const { milestone: ours, integrated: theirs, ratioMilestoneToIntegrated } = medians.dom!;
    saveResults('throughput', {
      fileBytes: bytes,
      rawNodePty: { runs: raw, median: rawBest },
      ui: runs,
      median: { milestone: ours, integrated: theirs },
      ratioMilestoneToIntegrated,
      ratioMilestoneToRawPty: round(ours.mbPerSecond / rawBest.mbPerSecond, 3),
      loadAverage,
    }, b.workbench.install);
  }
  if (profiling) saveResults(withWebgl ? 'throughput-webgl-profile' : 'throughput-profile', profiles, b.workbench.install);
}

/**
 * Turns terminal.integrated.gpuAcceleration to "on" in the user settings file and reloads the
 * window, which reads it (the workbench here does not notice the file's change while running);
 * both terminals come back with their sessions. Waits until each is drawn by WebGL.
 */
async function switchToWebgl(b: BenchWorkbench): Promise<{ ours: FrameLocator; theirs: Locator }> {
  const file = path.join(b.workbench.userDataDir, 'User', 'settings.json');
  const settings = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...settings, 'terminal.integrated.gpuAcceleration': 'on' }, null, 2) + '\n');
  await reloadWindow(b.page);
  await b.page.locator('.tab', { hasText: 'bench-flood' }).click();
  const ours = await webviewFrame(b.page, 'bench-flood');
  const theirs = b.page.locator('.part.panel .terminal-wrapper').first();
  for (const terminal of [ours.locator('body'), theirs]) {
    await pollUntil(async () => (await rendererIn(terminal).catch(() => 'none')) === 'webgl', 'the WebGL renderer in both terminals (does this chromium have WebGL2?)', { timeoutMs: 60_000, intervalMs: 200 });
  }
  return { ours, theirs };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
