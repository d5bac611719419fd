import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import type { Event } from '../../src/extension/sessions';

/** Resolves with the first value `event` fires that satisfies `predicate`, or rejects after `timeoutMs`. */
export function waitForEvent<T>(event: Event<T>, predicate: (value: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`event not seen within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = event((value) => {
      if (predicate(value)) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(value);
      }
    });
  });
}

/** Collects everything `onData` emits; `waitFor` resolves once the text contains `needle`. */
export class OutputCollector {
  text = '';
  private waiters: Array<() => void> = [];

  constructor(onData: Event<string>) {
    onData((data) => {
      this.text += data;
      for (const wake of this.waiters.splice(0)) {
        wake();
      }
    });
  }

  async waitFor(needle: string | RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const found = () => (typeof needle === 'string' ? this.text.includes(needle) : needle.test(this.text));
    while (!found()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`output never contained ${String(needle)}; got ${JSON.stringify(this.text.slice(-500))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

export { isAlive } from '../support/processes';

/** Process ids whose session id is `sid` (a pty child leads its own session). */
export function sessionMembers(sid: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '-s', String(sid)], { encoding: 'utf8' }).trim();
  return out ? out.split(/\s+/).map(Number) : [];
}

/** Live (non-zombie) direct children of this test process, other than the `ps` asking. */
export function liveChildren(): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when nothing matches
  }
  return out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, stat, comm]) => pid && !stat.startsWith('Z') && comm !== 'ps')
    .map(([pid]) => Number(pid));
}

export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The program `pid` runs now (its name as the kernel reports it), or undefined once it is gone. */
export function programName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export const PYTHON = '/usr/bin/python3';
