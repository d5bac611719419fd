/**
 * Scale: 200 milestone sessions, each printing "tick" once a second, for 60 s; then the same 50
 * silent with their tabs open, then silent with their tabs closed. CPU% (100 = one core) and RSS
 * of the extension host, the session host, the sessions' own processes and chromium are sampled
 * from /proc every second. Sessions are opened by bench/scaleExtensionHost.ts, running inside the
 * extension host, through `milestoneTerminals.open` with a command, as another extension would.
 *
 * The host's `list` round trip is timed from a client of its own on the host's socket. The
 * previous run's figures stay in the file under `previous`, for comparison.
 *
 *   node out/bench/scale.js [sessions=200] [tickSeconds=60] [idleSeconds=30] [--workbench oldest|newest]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../src/extension/host/client/sessionHostClient';
import { hostPaths } from '../src/extension/host/hostPaths';
import { repoRoot } from '../test/e2e/harness';
import { Sampler, sampleAll } from './lib/procstat';
import { benchArgs, numberArg } from './lib/args';
import { median, percentile, printTable, round, saveResults } from './lib/report';
import { chromiumPids, descendants, sessionHostPid, sleep, startBench, workbenchPids, type BenchWorkbench } from './lib/workbench';
import type { OpenedReport, ScalePlan } from './scaleExtensionHost';

const sessions = numberArg(0, 200);
const tickSeconds = numberArg(1, 60);
const idleSeconds = numberArg(2, 30);

async function waitForJson<T>(file: string, timeoutMs: number, errorFile: string): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    if (fs.existsSync(errorFile)) throw new Error(`extension host driver: ${fs.readFileSync(errorFile, 'utf8')}`);
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  }
  throw new Error(`timed out waiting for ${file}`);
}

interface PhaseFigures {
  seconds: number;
  cpuPercent: Record<string, number>;
  rssMiB: Record<string, number>;
  peakRssMiB: Record<string, number>;
}

type Groups = Record<string, () => number[]>;

/** ms per `list` round trip to the session host (hello and first list excluded), from a client of our own. */
async function listLatencies(hostDir: string, rounds: number): Promise<{ sessionsListed: number; ms: number[] }> {
  const paths = hostPaths(hostDir);
  const client = await SessionHostClient.connect(paths.socket, fs.readFileSync(paths.token, 'utf8'), { clientVersion: 'bench' });
  try {
    const ms: number[] = [];
    let sessionsListed = 0;
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      sessionsListed = (await client.request({ method: 'list' })).sessions.length;
      ms.push(performance.now() - start);
    }
    return { sessionsListed, ms };
  } finally {
    client.dispose();
  }
}

/** The figures saved by the run before this one, if any (without their own `previous`). */
function previousRecord(): unknown {
  const file = path.join(repoRoot, 'bench', 'results', benchArgs.workbench === 'newest' ? 'scale-newest.json' : 'scale.json');
  if (!fs.existsSync(file)) return undefined;
  const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { results?: Record<string, unknown> };
  if (record.results) delete record.results.previous;
  return record;
}

/** Samples every group for `seconds` and returns mean CPU% and last/peak RSS per group. */
async function phase(name: string, groups: Groups, seconds: number): Promise<PhaseFigures> {
  const samplers = Object.fromEntries(Object.entries(groups).map(([key, pids]) => [key, new Sampler(pids, 1_000)]));
  await sleep(seconds * 1_000);
  const figures: PhaseFigures = { seconds, cpuPercent: {}, rssMiB: {}, peakRssMiB: {} };
  for (const [key, sampler] of Object.entries(samplers)) {
    const s = sampler.stop();
    figures.cpuPercent[key] = round(s.meanCpuPercent, 1);
    figures.rssMiB[key] = round(s.lastRssKiB / 1024, 1);
    figures.peakRssMiB[key] = round(s.peakRssKiB / 1024, 1);
  }
  console.log(`${name}: cpu% ${JSON.stringify(figures.cpuPercent)} rss MiB ${JSON.stringify(figures.rssMiB)}`);
  return figures;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-bench-scale-'));
  const quiet = path.join(dir, 'quiet');
  // Ticks until told to be quiet, then blocks in one sleep: silent and no forks.
  const plan: ScalePlan = { sessions, script: `while [ ! -e ${quiet} ]; do echo tick; sleep 1; done; exec sleep 100000` };
  fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan));
  const driver = path.join(__dirname, 'scaleExtensionHost.js');
  const errorFile = path.join(dir, 'error.json');
  const go = (step: string) => fs.writeFileSync(path.join(dir, `${step}.go`), '');

  let b: BenchWorkbench | undefined;
  const result: Record<string, unknown> = { sessions, tickSeconds, idleSeconds };
  try {
    // The host refuses sessions beyond maxSessions (100 by default).
    b = await startBench({ extensionTestsPath: driver, env: { MT_BENCH_SCALE_DIR: dir }, settings: { 'milestoneTerminals.maxSessions': Math.max(100, sessions) } });
    const wb = b.workbench;
    await waitForJson(path.join(dir, 'activated.json'), 60_000, errorFile);
    // The session host starts on activation; give both hosts a moment to settle.
    await sleep(5_000);
    const extHost = workbenchPids(wb).extensionHost;
    const host = sessionHostPid(wb);
    if (!extHost || !host) throw new Error(`cannot find the extension host (${extHost}) or the session host (${host})`);
    const groups: Groups = {
      extensionHost: () => [extHost],
      sessionHost: () => [host],
      // bash and its sleep children: the sessions' own cost, not the product's
      sessionProcesses: () => descendants(host).filter((pid) => pid !== host),
      chromium: chromiumPids,
    };
    const baseline = await phase('no sessions', groups, 10);

    const before = { ext: sampleAll([extHost]), host: sampleAll([host]) };
    const openStart = Date.now();
    go('open');
    const opened = await waitForJson<OpenedReport>(path.join(dir, 'open.json'), 600_000, errorFile);
    const openSeconds = (Date.now() - openStart) / 1000;
    const after = { ext: sampleAll([extHost]), host: sampleAll([host]) };
    console.log(`opened ${opened.pids.length} sessions in ${openSeconds.toFixed(1)} s (median ${median(opened.openMs).toFixed(0)} ms each), errors: ${opened.errors.length}`);
    if (opened.errors.length) console.log(opened.errors.slice(0, 3).join('\n'));
    const listed = await listLatencies(wb.hostDir, 20);
    console.log(`list of ${listed.sessionsListed} sessions: p50 ${median(listed.ms).toFixed(1)} ms, max ${Math.max(...listed.ms).toFixed(1)} ms`);
    await sleep(3_000);
    const ticking = await phase(`${sessions} ticking, tabs open`, groups, tickSeconds);

    fs.writeFileSync(quiet, '');
    await sleep(3_000);
    const silentTabs = await phase(`${sessions} silent, tabs open`, groups, idleSeconds);

    go('closeTabs');
    const closed = await waitForJson<{ ms: number }>(path.join(dir, 'closeTabs.json'), 120_000, errorFile);
    await sleep(3_000);
    const silentDetached = await phase(`${sessions} silent, tabs closed`, groups, idleSeconds);
    const alive = descendants(host).filter((pid) => pid !== host).length;

    const n = opened.pids.length || sessions;
    const perSession = (figures: PhaseFigures, key: string) => round(((figures.rssMiB[key] - baseline.rssMiB[key]) * 1024) / n, 0);
    Object.assign(result, {
      opened: {
        count: opened.pids.length,
        errors: opened.errors,
        totalSeconds: round(openSeconds, 1),
        perOpenMs: { p50: round(median(opened.openMs), 0), p95: round(percentile(opened.openMs, 95), 0), max: round(Math.max(...opened.openMs), 0) },
        cpuSecondsWhileOpening: { extensionHost: round(after.ext.cpuSeconds - before.ext.cpuSeconds), sessionHost: round(after.host.cpuSeconds - before.host.cpuSeconds) },
      },
      listMs: { sessionsListed: listed.sessionsListed, p50: round(median(listed.ms), 1), p95: round(percentile(listed.ms, 95), 1), max: round(Math.max(...listed.ms), 1) },
      closeAllTabsMs: round(closed.ms, 0),
      sessionProcessesAliveAtEnd: alive,
      phases: { baseline, ticking, silentTabs, silentDetached },
      perSessionKiB: {
        extensionHost: { ticking: perSession(ticking, 'extensionHost'), silentDetached: perSession(silentDetached, 'extensionHost') },
        sessionHost: { ticking: perSession(ticking, 'sessionHost'), silentDetached: perSession(silentDetached, 'sessionHost') },
        sessionProcesses: { ticking: perSession(ticking, 'sessionProcesses'), silentDetached: perSession(silentDetached, 'sessionProcesses') },
      },
    });
    go('done');

    const row = (label: string, f: PhaseFigures) => [label, f.cpuPercent.extensionHost, f.cpuPercent.sessionHost, f.cpuPercent.sessionProcesses, f.cpuPercent.chromium, f.rssMiB.extensionHost, f.rssMiB.sessionHost, f.rssMiB.sessionProcesses];
    printTable(
      `${n} milestone sessions (CPU% of one core, mean; RSS MiB at the end of each phase)`,
      ['phase', 'ext host CPU%', 'session host CPU%', 'bash CPU%', 'chromium CPU%', 'ext host MiB', 'session host MiB', 'bash MiB'],
      [row('no sessions', baseline), row(`ticking 1/s, tabs open (${tickSeconds} s)`, ticking), row(`silent, tabs open (${idleSeconds} s)`, silentTabs), row(`silent, tabs closed (${idleSeconds} s)`, silentDetached)],
    );
    const ps = result.perSessionKiB as Record<string, { ticking: number; silentDetached: number }>;
    printTable('memory per session (KiB, RSS growth over no sessions / sessions)', ['process', 'ticking, tabs open', 'silent, tabs closed'], Object.entries(ps).map(([k, v]) => [k, v.ticking, v.silentDetached]));
    console.log(`\nopening: ${n} sessions in ${round(openSeconds, 1)} s; per open p50 ${(result.opened as { perOpenMs: { p50: number } }).perOpenMs.p50} ms`);
  } finally {
    await b?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  result.previous = previousRecord();
  saveResults('scale', result, b?.workbench.install);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
