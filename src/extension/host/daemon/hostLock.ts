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

  private constructor(
    private readonly file: string,
    private readonly identity: FileIdentity | undefined,
  ) {}

  private static async created(file: string): Promise<HostLock> {
    return new HostLock(file, await fileIdentity(file));
  }

  /** Takes the lock of `paths`, or fails with HostError 'already-running'. */
  static async acquire(paths: HostPaths): Promise<HostLock> {
    const takeover = `${paths.lock}.takeover`;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await createExclusive(paths.lock)) {
        return HostLock.created(paths.lock);
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
          return HostLock.created(paths.lock);
        }
      } finally {
        await fsp.rm(takeover, { force: true });
      }
    }
    throw new HostError('already-running', `Another session host is starting in ${paths.directory}.`);
  }

  /**
   * Whether the lock file is still the one this host created and still names it: a
   * wiped directory may hold another host's lock under the same name by now.
   */
  async isOwned(): Promise<boolean> {
    if (!this.held) {
      return false;
    }
    const content = await fsp.readFile(this.file, 'utf8').catch(() => '');
    return content.trim() === String(process.pid) && sameFile(this.identity, await fileIdentity(this.file));
  }

  /** Removes the lock file only if it is still ours. */
  async release(): Promise<void> {
    if (this.held) {
      const owned = await this.isOwned();
      this.held = false;
      if (owned) {
        await fsp.rm(this.file, { force: true });
      }
    }
  }
}

/**
 * Which file a path leads to. Inode numbers are reused once a file is deleted, so the
 * change time (nanoseconds) is compared too.
 */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly ctimeNs: bigint;
}

export async function fileIdentity(file: string): Promise<FileIdentity | undefined> {
  const stat = await fsp.lstat(file, { bigint: true }).catch(() => undefined);
  return stat && { dev: stat.dev, ino: stat.ino, ctimeNs: stat.ctimeNs };
}

export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino && a.ctimeNs === b.ctimeNs;
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
