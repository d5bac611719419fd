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
import { createHash } from 'node:crypto';
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
  /** `directory`, or a short private one when the socket's path would be too long there. */
  readonly socketDirectory: string;
  readonly socket: string;
  readonly token: string;
  readonly lock: string;
  readonly log: string;
}

/** The longest Unix socket path the OS takes, in bytes (sun_path less its NUL). */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'darwin' ? 103 : 107;

function fits(socketPath: string): boolean {
  return Buffer.byteLength(socketPath, 'utf8') <= MAX_SOCKET_PATH_BYTES;
}

/** The host's files in `directory`; a socket whose path there would pass the OS's limit goes in a short private directory in tmp. */
export function hostPaths(directory: string, version: number = PROTOCOL_VERSION): HostPaths {
  const base = path.join(directory, `host-v${version}`);
  const files = { directory, token: `${base}.token`, lock: `${base}.lock`, log: `${base}.log` };
  const socketName = `host-v${version}.sock`;
  if (fits(path.join(directory, socketName))) {
    return { ...files, socketDirectory: directory, socket: path.join(directory, socketName) };
  }
  // The same directory always maps to the same short one, so client and host agree on it.
  const digest = createHash('sha256').update(directory).digest('hex').slice(0, 16);
  const socketDirectory = path.join(os.tmpdir(), `mt-${os.userInfo().uid}-${digest}`);
  return { ...files, socketDirectory, socket: path.join(socketDirectory, socketName) };
}

/**
 * The host's directory and, if the socket lives elsewhere, that one: each created
 * private or checked. HostError 'socket-path-too-long' if no socket path fits.
 */
export async function ensureHostDirectories(paths: HostPaths): Promise<void> {
  if (!fits(paths.socket)) {
    // Even the short directory is too deep (a long TMPDIR): the host could not be reached at all.
    throw new HostError(
      'socket-path-too-long',
      `The session host's socket path would be longer than the ${MAX_SOCKET_PATH_BYTES} bytes the OS allows, in ${paths.directory} and in ${paths.socketDirectory}. Choose a shorter ${HOST_DIRECTORY_ENV} or TMPDIR.`,
    );
  }
  await ensurePrivateDirectory(paths.directory);
  if (paths.socketDirectory !== paths.directory) {
    await ensurePrivateDirectory(paths.socketDirectory);
  }
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
