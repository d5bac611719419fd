// CPU and memory of processes from /proc, sampled without external tools.
import * as fs from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux; getconf CLK_TCK is 100 on every mainstream kernel
const PAGE_KIB = 4;

export interface ProcSample {
  /** user + system CPU seconds consumed so far */
  cpuSeconds: number;
  rssKiB: number;
}

export function sample(pid: number): ProcSample | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rssPages = Number(fields[21]);
    return { cpuSeconds: (utime + stime) / CLOCK_TICKS, rssKiB: rssPages * PAGE_KIB };
  } catch {
    return undefined; // the process ended
  }
}

/** Summed over several pids (a process tree, all chromium processes, ...). */
export function sampleAll(pids: number[]): ProcSample {
  let cpuSeconds = 0;
  let rssKiB = 0;
  for (const pid of pids) {
    const s = sample(pid);
    if (!s) continue;
    cpuSeconds += s.cpuSeconds;
    rssKiB += s.rssKiB;
  }
  return { cpuSeconds, rssKiB };
}

/** CPU% (100 = one core) of a group of processes between two samples. */
export function cpuPercent(before: ProcSample, after: ProcSample, seconds: number): number {
  return ((after.cpuSeconds - before.cpuSeconds) / seconds) * 100;
}

export interface Series {
  /** seconds since the start */
  t: number[];
  cpuPercent: number[];
  rssKiB: number[];
}

/** Per-pid samples at one moment. */
type Snapshot = Map<number, ProcSample>;

function snapshot(pids: number[]): Snapshot {
  const out: Snapshot = new Map();
  for (const pid of pids) {
    const s = sample(pid);
    if (s) out.set(pid, s);
  }
  return out;
}

/**
 * CPU seconds spent between two snapshots, counted per pid over the pids present in both: a
 * group sum would go negative when a process exits. Processes that start and end between two
 * snapshots (a `sleep 1`) are not counted.
 */
function cpuBetween(before: Snapshot, after: Snapshot): number {
  let seconds = 0;
  for (const [pid, s] of after) {
    const b = before.get(pid);
    if (b) seconds += Math.max(0, s.cpuSeconds - b.cpuSeconds);
  }
  return seconds;
}

const rssOf = (snap: Snapshot) => [...snap.values()].reduce((sum, s) => sum + s.rssKiB, 0);

/** Samples `pids()` (re-evaluated each time, so processes may come and go) every `intervalMs`. */
export class Sampler {
  readonly series: Series = { t: [], cpuPercent: [], rssKiB: [] };
  private readonly timer: NodeJS.Timeout;
  private readonly start = performance.now();
  private last: { at: number; snap: Snapshot };
  private cpuSeconds = 0;

  constructor(private readonly pids: () => number[], intervalMs = 1_000) {
    this.last = { at: this.start, snap: snapshot(pids()) };
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  private tick(): void {
    const now = performance.now();
    const snap = snapshot(this.pids());
    const cpu = cpuBetween(this.last.snap, snap);
    this.cpuSeconds += cpu;
    this.series.t.push((now - this.start) / 1000);
    this.series.cpuPercent.push((cpu / ((now - this.last.at) / 1000)) * 100);
    this.series.rssKiB.push(rssOf(snap));
    this.last = { at: now, snap };
  }

  /** Stops and returns the mean CPU% over the whole span and the peak and last RSS. */
  stop(): { meanCpuPercent: number; peakRssKiB: number; lastRssKiB: number; seconds: number } {
    clearInterval(this.timer);
    this.tick();
    const seconds = (this.last.at - this.start) / 1000;
    return {
      meanCpuPercent: (this.cpuSeconds / seconds) * 100,
      peakRssKiB: Math.max(...this.series.rssKiB),
      lastRssKiB: rssOf(this.last.snap),
      seconds,
    };
  }
}

/** Pids whose command line contains `needle`. */
export function pidsMatching(needle: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}
