/**
 * Where the session host lives on disk: a private directory holding its socket,
 * auth token, lock and log.
 *
 * Version policy: every file name carries the protocol version (`host-v<N>.sock`,
 * `host-v<N>.token`, ...). A client only ever connects to the host of its own
 * version, and starts one when none answers. After an update that changes the
 * protocol, windows still running the old extension keep talking to the old host
 * (their sessions stay reachable), new windows start a new host next to it, and
 * the old host exits by itself once its last session and client are gone. The
 * price: sessions of the old host are not visible to new windows. The HELLO still
 * carries the version, so a host reached by mistake rejects instead of misparsing.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostError } from './hostErrors';
import { PROTOCOL_VERSION } from './protocol/messages';

/** Overrides the directory (tests, or several isolated hosts on one machine). */
export const HOST_DIRECTORY_ENV = 'MILESTONE_TERMINALS_HOST_DIR';

export function defaultHostDirectory(): string {
  const override = process.env[HOST_DIRECTORY_ENV];
  if (override) {
    return path.resolve(override);
  }
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (runtime) {
    return path.join(runtime, 'milestone-terminals');
  }
  return path.join(os.tmpdir(), `milestone-terminals-${os.userInfo().uid}`);
}

export interface HostPaths {
  readonly directory: string;
  readonly socket: string;
  readonly token: string;
  readonly lock: string;
  readonly log: string;
}

export function hostPaths(directory: string, version: number = PROTOCOL_VERSION): HostPaths {
  const base = path.join(directory, `host-v${version}`);
  return { directory, socket: `${base}.sock`, token: `${base}.token`, lock: `${base}.lock`, log: `${base}.log` };
}

/**
 * Creates the directory (mode 0700) or checks that an existing one is ours and
 * private. Anything else could let another user read the token or plant a socket.
 */
export async function ensurePrivateDirectory(directory: string): Promise<void> {
  try {
    await fsp.mkdir(directory, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  const stat = await fsp.lstat(directory);
  const uid = process.getuid?.();
  if (!stat.isDirectory()) {
    throw new HostError('insecure-directory', `${directory} is not a directory (a symbolic link or file is in the way).`);
  }
  if (uid !== undefined && stat.uid !== uid) {
    throw new HostError('insecure-directory', `${directory} belongs to user ${stat.uid}, not to this user (${uid}).`);
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new HostError('insecure-directory', `${directory} is accessible to group or others (mode ${(stat.mode & 0o777).toString(8)}); expected 700.`);
  }
}
