/**
 * One host per directory and version: a lock file holding the owner's pid. A lock whose
 * owner is dead is replaced, by one starter only: they take turns through a short-lived
 * second lock, or one could remove the lock another had just taken and both would serve.
 */
import { promises as fsp } from 'node:fs';
import * as net from 'node:net';
import { HostError } from '../hostErrors';
import type { HostPaths } from '../hostPaths';

/** How long a host may hold the lock before its socket must answer. */
const LOCK_STARTUP_GRACE_MS = 10_000;
const SOCKET_PROBE_TIMEOUT_MS = 1_000;

export class HostLock {
  private held = true;

  private constructor(private readonly file: string) {}

  /** Takes the lock of `paths`, or fails with HostError 'already-running'. */
  static async acquire(paths: HostPaths): Promise<HostLock> {
    const takeover = `${paths.lock}.takeover`;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await createExclusive(paths.lock)) {
        return new HostLock(paths.lock);
      }
      if (await lockIsHeld(paths)) {
        throw new HostError('already-running', `A session host already serves ${paths.directory}.`);
      }
      if (!(await createExclusive(takeover))) {
        // Left by a starter that died while replacing the lock (it holds it for milliseconds).
        const left = await fsp.stat(takeover).then((stat) => Date.now() - stat.mtimeMs > LOCK_STARTUP_GRACE_MS, () => true);
        if (left) {
          await fsp.rm(takeover, { force: true });
          continue;
        }
        break;
      }
      try {
        // Another starter may have replaced the stale lock since it was looked at.
        if (await lockIsHeld(paths)) {
          throw new HostError('already-running', `A session host already serves ${paths.directory}.`);
        }
        await fsp.rm(paths.lock, { force: true });
        if (await createExclusive(paths.lock)) {
          return new HostLock(paths.lock);
        }
      } finally {
        await fsp.rm(takeover, { force: true });
      }
    }
    throw new HostError('already-running', `Another session host is starting in ${paths.directory}.`);
  }

  async release(): Promise<void> {
    if (this.held) {
      this.held = false;
      await fsp.rm(this.file, { force: true });
    }
  }
}

/** Creates `file` with our pid unless it exists; says whether it did. */
async function createExclusive(file: string): Promise<boolean> {
  try {
    await fsp.writeFile(file, String(process.pid), { mode: 0o600, flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return false;
    }
    throw error;
  }
}

/**
 * Whether the lock's owner is a live host: alive, and answering on the socket or
 * still starting. The pid alone is not enough: after a crash it may be reused.
 */
async function lockIsHeld(paths: HostPaths): Promise<boolean> {
  const [content, stat] = await Promise.all([fsp.readFile(paths.lock, 'utf8').catch(() => ''), fsp.stat(paths.lock).catch(() => undefined)]);
  const owner = Number(content.trim());
  if (!stat || !Number.isInteger(owner) || owner <= 0 || !isProcessAlive(owner)) {
    return false;
  }
  return Date.now() - stat.mtimeMs < LOCK_STARTUP_GRACE_MS || (await socketAnswers(paths.socket));
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which still means it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createConnection(socketPath);
    const finish = (answers: boolean) => {
      probe.destroy();
      resolve(answers);
    };
    probe.once('connect', () => finish(true));
    probe.once('error', () => finish(false));
    probe.setTimeout(SOCKET_PROBE_TIMEOUT_MS, () => finish(false));
  });
}
