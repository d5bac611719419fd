/**
 * The host's endpoint on Linux and macOS: a Unix socket in a private (0700) directory.
 * The directory's mode is what keeps other users out; the token guards against a
 * process of the same user that is not ours.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostError } from '../hostErrors';
import type { HostEndpoint, HostPaths } from './hostEndpoint';

/** The longest Unix socket path the OS takes, in bytes (sun_path less its NUL). */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'darwin' ? 103 : 107;

function fits(socketPath: string): boolean {
  return Buffer.byteLength(socketPath, 'utf8') <= MAX_SOCKET_PATH_BYTES;
}

async function ensurePrivateDirectory(directory: string): Promise<void> {
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

export const posixEndpoint: HostEndpoint = {
  defaultDirectory() {
    const runtime = process.env.XDG_RUNTIME_DIR;
    if (runtime) {
      return path.join(runtime, 'milestone-terminals');
    }
    return path.join(os.tmpdir(), `milestone-terminals-${os.userInfo().uid}`);
  },

  /** A socket whose path in `directory` would pass the OS's limit goes in a short private directory in tmp. */
  paths(directory, version) {
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
  },

  ensurePrivateDirectory,

  async ensureHostDirectories(paths: HostPaths) {
    if (!fits(paths.socket)) {
      // Even the short directory is too deep (a long TMPDIR): the host could not be reached at all.
      throw new HostError(
        'socket-path-too-long',
        `The session host's socket path would be longer than the ${MAX_SOCKET_PATH_BYTES} bytes the OS allows, in ${paths.directory} and in ${paths.socketDirectory}. Choose a shorter MILESTONE_TERMINALS_HOST_DIR or TMPDIR.`,
      );
    }
    await ensurePrivateDirectory(paths.directory);
    if (paths.socketDirectory !== paths.directory) {
      await ensurePrivateDirectory(paths.socketDirectory);
    }
  },

  async address(paths) {
    return paths.socket;
  },
};
