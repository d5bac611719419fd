/** Process checks shared by every test suite (plain Node, the extension host, the e2e driver). */
import { execFileSync } from 'node:child_process';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Command names of the direct children of `pid` (empty when it has none). */
export function childCommands(pid: number): string[] {
  try {
    return execFileSync('ps', ['-o', 'comm=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // ps exits 1 when there are none
  }
}
