/** Process checks shared by every test suite (plain Node, the extension host, the e2e driver). */

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
