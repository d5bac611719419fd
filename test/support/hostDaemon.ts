/** A session host daemon started as its own process, as the launcher starts it, for tests that need its pid and files. */
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { hostPaths, type HostPaths } from '../../src/extension/host/hostPaths';
import { isAlive } from './processes';
import { pollUntil } from './timing';

/** The compiled daemon, relative to the compiled test (out/test/<suite>/). */
export const HOST_SCRIPT = path.resolve(__dirname, '../../../dist/sessionHost.js');

export interface DaemonProcess {
  readonly pid: number;
  readonly paths: HostPaths;
  /** Whether the process has exited (and was reaped). */
  hasExited(): boolean;
  /** Sends SIGTERM unless it already exited, and waits for it to go. */
  stop(): Promise<void>;
}

/** Starts a daemon on `directory` and waits until its lock names it and its token is written. */
export async function startDaemon(directory: string, idleShutdownMs = 0): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [HOST_SCRIPT, '--directory', directory, '--idle-shutdown-ms', String(idleShutdownMs)], { stdio: 'ignore' });
  const pid = child.pid ?? 0;
  const paths = hostPaths(directory);
  // The lock comes first and the socket last; a socket left by a killed host refuses connections.
  const listening = async () => existsSync(paths.token) && lockOwner(paths) === pid && (await acceptsConnections(paths.socket));
  await pollUntil(async () => child.exitCode !== null || (await listening()), `the host on ${directory} listening`, { timeoutMs: 10_000 });
  if (child.exitCode !== null) {
    throw new Error(`the host exited with code ${child.exitCode} before listening`);
  }
  return {
    pid,
    paths,
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (isAlive(pid) && child.exitCode === null) {
        child.kill('SIGTERM');
        await pollUntil(() => child.exitCode !== null || child.signalCode !== null, `host ${pid} stopped`, { timeoutMs: 10_000 });
      }
    },
  };
}

function acceptsConnections(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The pid in the directory's lock, or 0 when there is none. */
export function lockOwner(paths: HostPaths): number {
  try {
    return Number(readFileSync(paths.lock, 'utf8').trim());
  } catch {
    return 0;
  }
}

/** Resident memory of a process in bytes, from /proc (Linux). */
export function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) {
    throw new Error(`no VmRSS for ${pid}`);
  }
  return Number(match[1]) * 1024;
}

/**
 * Ends the host that serves `directory`, if one runs: one a test stopped (SIGSTOP) is
 * continued first, or it could not act on SIGTERM.
 */
export async function endHostIn(directory: string, stoppedPid?: number): Promise<void> {
  if (stoppedPid !== undefined) {
    process.kill(stoppedPid, 'SIGCONT');
  }
  const pid = Number(await fsp.readFile(hostPaths(directory).lock, 'utf8').catch(() => '0'));
  if (pid > 0 && isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    await pollUntil(() => !isAlive(pid), 'host stopped', { timeoutMs: 5_000 });
  }
}
