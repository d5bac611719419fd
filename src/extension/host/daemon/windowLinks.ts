/**
 * Per-session links to the sockets of the window that shows a session.
 *
 * A process keeps the environment it started with, but VS Code's per-window sockets
 * (WINDOW_SOCKET_VARIABLES) die with their window: after a reload `code file` or a git
 * credential prompt from a long-running session would reach nobody. So a session is
 * given a path of its own, <host directory>/links/<id>/<NAME>, a symbolic link the
 * host points at the socket of the window that attached last.
 *
 * The file operations are synchronous on purpose: a few syscalls in a private local
 * directory, and doing them in request order means a link never lags an attach that
 * the host has already answered.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { Disposable } from '../../sessions';
import { WINDOW_SOCKET_VARIABLES, type WireEnvironment } from '../protocol/messages';

/** The longest path connect() takes for a Unix socket: sun_path less its NUL. */
const MAX_SOCKET_PATH_BYTES = process.platform === 'darwin' ? 103 : 107;

type SocketVariable = (typeof WINDOW_SOCKET_VARIABLES)[number];

/** The window's socket variables that can be linked: only absolute paths (a relative one would resolve against the link). */
function socketPaths(environment: WireEnvironment): Map<SocketVariable, string> {
  const paths = new Map<SocketVariable, string>();
  for (const name of WINDOW_SOCKET_VARIABLES) {
    const value = environment[name];
    if (value !== undefined && path.isAbsolute(value)) {
      paths.set(name, value);
    }
  }
  return paths;
}

/** Makes the links of new sessions, in `<directory>/<random id>/`. */
export class WindowLinks {
  constructor(
    /** A directory only this user can reach (inside the host's private directory). */
    private readonly directory: string,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Links the window's socket variables. The returned environment holds the link
   * paths instead, for the session to start with; a variable that cannot be linked
   * keeps the window's own path (then it just does not follow later windows).
   */
  create(environment: WireEnvironment): SessionLinks {
    return new SessionLinks(path.join(this.directory, randomBytes(8).toString('hex')), environment, this.log);
  }
}

/** One session's links; disposing removes them. */
export class SessionLinks implements Disposable {
  /** What the session starts with: the window's environment with its sockets replaced by links. */
  readonly environment: WireEnvironment;
  private readonly linked = new Set<SocketVariable>();

  constructor(
    private readonly directory: string,
    windowEnvironment: WireEnvironment,
    private readonly log: (line: string) => void,
  ) {
    const startWith: Record<string, string> = { ...windowEnvironment };
    for (const [name, target] of socketPaths(windowEnvironment)) {
      const link = this.add(name, target);
      if (link !== undefined) {
        startWith[name] = link;
      }
    }
    this.environment = startWith;
  }

  /** Links `name` to `target`; the link's path, or undefined when it could not be made. */
  private add(name: SocketVariable, target: string): string | undefined {
    const link = path.join(this.directory, name);
    if (Buffer.byteLength(link) > MAX_SOCKET_PATH_BYTES) {
      this.log(`not linking ${name}: ${link} is longer than a socket path may be`);
      return undefined;
    }
    if (!this.point(name, target)) {
      return undefined;
    }
    this.linked.add(name);
    return link;
  }

  /** A window shows the session now: its sockets are the ones to reach. Variables the session was not started with cannot be added. */
  repoint(environment: WireEnvironment): void {
    for (const [name, target] of socketPaths(environment)) {
      if (this.linked.has(name)) {
        this.point(name, target);
      }
    }
  }

  /** Creates or atomically replaces the link (rename over it), recreating the directory if a cleaner removed it. */
  private point(name: SocketVariable, target: string): boolean {
    const link = path.join(this.directory, name);
    const temporary = `${link}.${randomBytes(4).toString('hex')}`;
    try {
      mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      symlinkSync(target, temporary);
      renameSync(temporary, link);
      return true;
    } catch (error) {
      rmSync(temporary, { force: true });
      this.log(`could not link ${name} to ${target}: ${(error as Error).message}`);
      return false;
    }
  }

  dispose(): void {
    try {
      rmSync(this.directory, { recursive: true, force: true });
    } catch (error) {
      this.log(`could not remove the links in ${this.directory}: ${(error as Error).message}`);
    }
  }
}
