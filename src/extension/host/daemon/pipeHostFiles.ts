/**
 * Windows: a named pipe whose random name is kept in the directory (see
 * endpoint/win32Endpoint.ts), and the token beside it. No lock file: a second listen on
 * a pipe name in use fails (EADDRINUSE), so the pipe decides which host serves, and it
 * is released by the OS when its host dies, however it dies.
 */
import { promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { newPipeName, pipeAddress, readPipeName } from '../endpoint/win32Endpoint';
import { HostError } from '../hostErrors';
import { ensureHostDirectories, type HostPaths } from '../hostPaths';
import type { HostFiles, Listen } from './hostFiles';

export class PipeHostFiles implements HostFiles {
  /** The random part of the name this host listens on. */
  private pipeName: string | undefined;
  private tokenWritten = false;

  constructor(
    private readonly paths: HostPaths,
    private readonly tokenText: string,
  ) {}

  get address(): string | undefined {
    return this.pipeName === undefined ? undefined : pipeAddress(this.paths, this.pipeName);
  }

  async publish(listen: Listen): Promise<void> {
    await ensureHostDirectories(this.paths);
    const name = await this.claimName();
    if (name !== this.pipeName) {
      try {
        await listen(pipeAddress(this.paths, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new HostError('already-running', `A session host already serves ${this.paths.directory}.`);
        }
        throw error;
      }
      this.pipeName = name;
    }
    if (!(await this.tokenIsOurs())) {
      // Whole or not at all: a client must never read half a token.
      const temporary = `${this.paths.token}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      await fsp.writeFile(temporary, this.tokenText, { flag: 'w' });
      await fsp.rename(temporary, this.paths.token);
      this.tokenWritten = true;
    }
  }

  /**
   * The name in the directory, written first if there is none: this host's own after a
   * wipe (it still listens there), else a fresh one. Of two starters that both find
   * none, the exclusive create lets one name it and the other read that name.
   */
  private async claimName(): Promise<string> {
    const existing = await readPipeName(this.paths);
    if (existing !== undefined) {
      return existing;
    }
    const proposed = this.pipeName ?? newPipeName();
    try {
      await fsp.writeFile(this.paths.socket, proposed, { flag: 'wx' });
      return proposed;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    const written = await readPipeName(this.paths);
    if (written !== undefined) {
      return written;
    }
    // A damaged file (not a name) that no starter could have written: replace it.
    await fsp.writeFile(this.paths.socket, proposed);
    return proposed;
  }

  async intact(): Promise<boolean> {
    return this.pipeName !== undefined && (await readPipeName(this.paths)) === this.pipeName && (await this.tokenIsOurs());
  }

  disown(): void {
    this.pipeName = undefined;
    this.tokenWritten = false;
  }

  /**
   * The token, and the name file so that the next host serves on a name nobody could
   * have listed while this one ran; each only if it still is this host's.
   */
  async removeOwned(): Promise<void> {
    if (await this.tokenIsOurs()) {
      await fsp.rm(this.paths.token, { force: true });
    }
    if (this.pipeName !== undefined && (await readPipeName(this.paths)) === this.pipeName) {
      await fsp.rm(this.paths.socket, { force: true });
    }
    this.disown();
  }

  private async tokenIsOurs(): Promise<boolean> {
    return this.tokenWritten && (await fsp.readFile(this.paths.token, 'utf8').catch(() => '')) === this.tokenText;
  }
}
