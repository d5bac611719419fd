/**
 * Closing many sessions: how long it takes and how long it blocks the event loop that
 * every other session's echo shares (the session host runs the SessionManager on one
 * loop). Plain Node, the real SessionManager, real PTYs.
 *
 *   node out/bench/closeSessions.js [label=current] [sessions=500] [oneByOne=30]
 *
 * (a) closeAll() with `sessions` sessions running `bash -c 'sleep 1000'`; (b) `oneByOne`
 * sessions closed one after another, each awaited; (c) `oneByOne` sessions whose closes are
 * requested back to back without waiting. During each: the longest gap of a 1 ms interval
 * (event-loop block) and the echo latency of a live `cat` session typed into every 10 ms.
 * Results are kept per label in bench/results/close-sessions.json, so a run of the old code
 * ("before") and of the new ("after") sit side by side.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SessionManager, type Session } from '../src/extension/sessions';
import { repoRoot } from '../test/e2e/harness';
import { pollUntil } from '../test/support/timing';
import { percentile, printTable, round, saveResults } from './lib/report';

const RESULTS_NAME = 'close-sessions';

interface Measurement {
  readonly sessions: number;
  readonly closeMs: number;
  readonly maxLoopBlockMs: number;
  /** The most CPU time this process spent within one gap of the probe. */
  readonly maxBusyBlockMs: number;
  readonly echoSamples: number;
  readonly echoP95Ms: number;
  readonly echoMaxMs: number;
}

/** Watches the event loop and a live session's echo while `work` runs. */
async function measure(echo: Session, sessions: number, work: () => Promise<void>): Promise<Measurement> {
  let lastTick = performance.now();
  let lastCpu = process.cpuUsage();
  let maxGap = 0;
  let maxBusyGap = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const gap = now - lastTick;
    // CPU this process spent in the gap: on a shared machine a long gap can also be the
    // scheduler running someone else, which no change to this code can help.
    const busy = Math.min(gap, (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000);
    maxGap = Math.max(maxGap, gap);
    maxBusyGap = Math.max(maxBusyGap, busy);
    lastTick = now;
    lastCpu = cpu;
  }, 1);

  const latencies: number[] = [];
  let sentAt: number | undefined;
  let expected = '';
  let seen = '';
  let counter = 0;
  const listener = echo.onData((data) => {
    seen += data;
    if (sentAt !== undefined && seen.includes(expected)) {
      latencies.push(performance.now() - sentAt);
      sentAt = undefined;
      seen = '';
    }
  });
  const typist = setInterval(() => {
    if (sentAt === undefined) {
      expected = `k${counter++}`;
      seen = '';
      sentAt = performance.now();
      echo.write(expected);
    }
  }, 10);

  const started = performance.now();
  await work();
  const closeMs = performance.now() - started;
  clearInterval(probe);
  clearInterval(typist);
  // An echo still outstanding when the work ended counts with the time it has waited so far.
  if (sentAt !== undefined) {
    latencies.push(performance.now() - sentAt);
  }
  listener.dispose();
  echo.write('\x15'); // Ctrl+U: drop the typed line so cat's buffer stays small
  return {
    sessions,
    closeMs: round(closeMs, 0),
    maxLoopBlockMs: round(maxGap, 1),
    maxBusyBlockMs: round(maxBusyGap, 1),
    echoSamples: latencies.length,
    echoP95Ms: round(percentile(latencies, 95), 1),
    echoMaxMs: round(Math.max(...latencies), 1),
  };
}

async function startSleepers(manager: SessionManager, count: number, prefix: string): Promise<Session[]> {
  const sessions: Session[] = [];
  // In batches: 500 spawns at once would measure fork contention, not closing.
  for (let i = 0; i < count; i += 25) {
    const batch = Array.from({ length: Math.min(25, count - i) }, (_, j) =>
      manager.create({ milestoneId: `${prefix}-${i + j}`, command: 'bash', args: ['-c', 'sleep 1000'] }),
    );
    sessions.push(...(await Promise.all(batch)));
  }
  return sessions;
}

function programName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function previousResults(): Record<string, unknown> {
  const file = join(repoRoot, 'bench', 'results', `${RESULTS_NAME}.json`);
  if (!existsSync(file)) {
    return {};
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as { results?: Record<string, unknown> }).results ?? {};
}

async function main(): Promise<void> {
  const label = process.argv[2] ?? 'current';
  const sessionCount = Number(process.argv[3] ?? 500);
  const oneByOneCount = Number(process.argv[4] ?? 30);

  const echoManager = new SessionManager({ detachedTimeoutMs: 0 });
  const echo = await echoManager.create({ milestoneId: 'echo', command: 'cat' });
  const manager = new SessionManager({ detachedTimeoutMs: 0, closeGraceMs: 2_000 });

  const all = await startSleepers(manager, sessionCount, 'all');
  // Every session's child must have become `sleep` before it is closed, as a real one would be.
  await pollUntil(() => all.every((session) => programName(session.pid) === 'sleep'), 'the sleepers to start', { timeoutMs: 60_000 });
  const closeAll = await measure(echo, sessionCount, () => manager.closeAll());

  const single = await startSleepers(manager, oneByOneCount, 'one');
  const oneByOne = await measure(echo, oneByOneCount, async () => {
    for (const session of single) {
      await manager.close(session.id);
    }
  });

  const burst = await startSleepers(manager, oneByOneCount, 'burst');
  // Requested back to back without waiting for each (a user closing tabs quickly).
  const backToBack = await measure(echo, oneByOneCount, () => Promise.all(burst.map((session) => manager.close(session.id))).then(() => undefined));

  await echoManager.closeAll();
  manager.dispose();
  echoManager.dispose();

  const row = (name: string, m: Measurement) => [name, m.closeMs, m.maxLoopBlockMs, m.maxBusyBlockMs, m.echoSamples, m.echoP95Ms, m.echoMaxMs];
  const rows = [
    row(`closeAll, ${closeAll.sessions} sessions`, closeAll),
    row(`${oneByOne.sessions} closed one after another`, oneByOne),
    row(`${backToBack.sessions} closed back to back`, backToBack),
  ];
  printTable(`close sessions (${label})`, ['case', 'close ms', 'max loop block ms', 'of it CPU ms', 'echoes', 'echo p95 ms', 'echo max ms'], rows);
  saveResults(RESULTS_NAME, { ...previousResults(), [label]: { closeAll, oneByOne, backToBack } });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
