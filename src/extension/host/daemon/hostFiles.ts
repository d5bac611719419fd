/**
 * The files that make a host findable, with what this host needs to tell them from
 * another host's. A directory can be wiped under a running host (logout, a tmp cleaner)
 * and another host start in it; then the names are the same but the files are not ours,
 * and removing them would strand that host's sessions.
 */
import { promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { ensureHostDirectories, type HostPaths } from '../hostPaths';
import { HostLock, fileIdentity, sameFile, type FileIdentity } from './hostLock';
import { PipeHostFiles } from './pipeHostFiles';

/** Listens on an address (a socket path or a pipe name) with a new listener; rejects with the listen error. */
export type Listen = (address: string) => Promise<void>;

export interface HostFiles {
  /**
   * Makes the host findable, or findable again: re-creates the directory, takes the
   * lock unless it still holds it (HostError 'already-running' when another host
   * does), writes the token and, if its address no longer leads here, listens anew.
   */
  publish(listen: Listen): Promise<void>;
  /** Where clients reach this host once published. */
  readonly address: string | undefined;
  /** Whether lock, token and address all still lead to this host. */
  intact(): Promise<boolean>;
  /** Another host serves the directory now: nothing there is ours to remove any more. */
  disown(): void;
  /** Removes what this host published, each file only if it is still the one it made. */
  removeOwned(): Promise<void>;
}

/** The platform's way: a socket and a pid lock on Unix, a named pipe that is its own lock on Windows. */
export function createHostFiles(paths: HostPaths, tokenText: string): HostFiles {
  return process.platform === 'win32' ? new PipeHostFiles(paths, tokenText) : new SocketHostFiles(paths, tokenText);
}

/** Unix: lock file, token and a socket renamed into place, each told apart by its inode. */
class SocketHostFiles implements HostFiles {
  private lock: HostLock | undefined;
  private token: FileIdentity | undefined;
  private socket: FileIdentity | undefined;

  constructor(
    private readonly paths: HostPaths,
    private readonly tokenText: string,
  ) {}

  get address(): string {
    return this.paths.socket;
  }

  async publish(listen: Listen): Promise<void> {
    await ensureHostDirectories(this.paths);
    if (!(await this.lock?.isOwned())) {
      this.lock = await HostLock.acquire(this.paths);
    }
    if (!(await this.tokenIsOurs())) {
      const temporary = `${this.paths.token}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      await fsp.writeFile(temporary, this.tokenText, { mode: 0o600, flag: 'w' });
      await fsp.rename(temporary, this.paths.token);
      this.token = await fileIdentity(this.paths.token);
    }
    if (!(await this.socketIsOurs())) {
      // Node unlinks a listener's path when it closes, which after a wipe may be another
      // host's socket; so it listens on a name of its own, renamed into place (replacing a
      // socket left by a host that died: the lock is ours). No longer than the real name,
      // so it fits wherever that does.
      const listening = path.join(path.dirname(this.paths.socket), `.${randomBytes(4).toString('hex')}`);
      await listen(listening);
      await fsp.chmod(listening, 0o600);
      await fsp.rename(listening, this.paths.socket);
      this.socket = await fileIdentity(this.paths.socket);
    }
  }

  async intact(): Promise<boolean> {
    return (await this.socketIsOurs()) && (await this.tokenIsOurs()) && (this.lock !== undefined && (await this.lock.isOwned()));
  }

  disown(): void {
    this.lock = undefined;
    this.token = undefined;
    this.socket = undefined;
  }

  /** Socket and token, then the lock. */
  async removeOwned(): Promise<void> {
    // Another host could replace a file between the check and the removal only if a wipe
    // and its whole start fell into that microsecond gap.
    const owned = [(await this.socketIsOurs()) && this.paths.socket, (await this.tokenIsOurs()) && this.paths.token].filter((file) => file !== false);
    await Promise.all(owned.map((file) => fsp.rm(file, { force: true })));
    // The lock goes last: a host that takes it next writes its own socket and token.
    await this.lock?.release();
    this.disown();
  }

  private async socketIsOurs(): Promise<boolean> {
    return sameFile(this.socket, await fileIdentity(this.paths.socket));
  }

  private async tokenIsOurs(): Promise<boolean> {
    if (!sameFile(this.token, await fileIdentity(this.paths.token))) {
      return false;
    }
    return (await fsp.readFile(this.paths.token, 'utf8').catch(() => '')) === this.tokenText;
  }
}
