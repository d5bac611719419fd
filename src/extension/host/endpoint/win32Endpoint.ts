/**
 * The host's endpoint on Windows: a named pipe. Any local user can list pipe names and a
 * pipe's default DACL lets Everyone read it, so neither the name nor the pipe is private:
 * - the name carries a random part, kept in a per-user file beside the token (under
 *   %LOCALAPPDATA%, which only the user can read), so another user cannot create the
 *   pipe before our host does and receive a window's connection;
 * - the token, in the same directory, is what a client proves itself with, as on Unix.
 * The random part stays while a host runs, so that a second host's listen on the same
 * name fails: the pipe itself says "already running" (libuv creates the first instance
 * with FILE_FLAG_FIRST_PIPE_INSTANCE). A host that shuts down removes the file, so the
 * next host serves on a name nobody has seen.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostError } from '../hostErrors';
import type { HostEndpoint, HostPaths } from './hostEndpoint';

const PIPE_NAME_PATTERN = /^[0-9a-f]{32}$/;

/** `\\.\pipe\…` for the random part kept in the directory. */
export function pipeAddress(paths: HostPaths, randomPart: string): string {
  return `\\\\.\\pipe\\milestone-terminals-${path.basename(paths.socket, '.pipe')}-${randomPart}`;
}

/** The random part of the pipe's name, or undefined when no host has named one (or the file is damaged). */
export async function readPipeName(paths: HostPaths): Promise<string | undefined> {
  const text = await fsp.readFile(paths.socket, 'utf8').catch(() => '');
  const name = text.trim();
  return PIPE_NAME_PATTERN.test(name) ? name : undefined;
}

export function newPipeName(): string {
  return randomBytes(16).toString('hex');
}

/**
 * NTFS permissions, not modes, keep other users out: the directory lives in the user's
 * profile, whose ACL admits only the user, SYSTEM and administrators, and what is created
 * in it inherits that. Node reports no owner or meaningful mode here, so what is checked
 * is that the path is a real directory, not a junction or link planted to redirect it.
 */
async function ensurePrivateDirectory(directory: string): Promise<void> {
  try {
    await fsp.mkdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  const stat = await fsp.lstat(directory);
  if (!stat.isDirectory()) {
    throw new HostError('insecure-directory', `${directory} is not a directory (a junction, link or file is in the way).`);
  }
}

export const win32Endpoint: HostEndpoint = {
  defaultDirectory() {
    const localAppData = process.env.LOCALAPPDATA || path.join(os.homedir(), 'AppData', 'Local');
    return path.join(localAppData, 'milestone-terminals');
  },

  /** No socket file: `socket` is the file that holds the random part of the pipe's name. */
  paths(directory, version) {
    const base = path.join(directory, `host-v${version}`);
    return { directory, socketDirectory: directory, socket: `${base}.pipe`, token: `${base}.token`, lock: `${base}.lock`, log: `${base}.log` };
  },

  ensurePrivateDirectory,

  async ensureHostDirectories(paths) {
    await ensurePrivateDirectory(paths.directory);
  },

  async address(paths) {
    const name = await readPipeName(paths);
    if (name === undefined) {
      throw new HostError('no-host', `No session host has named its pipe in ${paths.directory}.`);
    }
    return pipeAddress(paths, name);
  },
};
