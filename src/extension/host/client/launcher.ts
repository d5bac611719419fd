import { spawn } from 'node:child_process';
import { closeSync, openSync, promises as fsp } from 'node:fs';
import { MutableDisposable, disposableTimeout } from '../../sessions';
import { buildHostArguments } from '../hostCommandLine';
import { HostError } from '../hostErrors';
import { defaultHostDirectory, ensureHostDirectories, ensurePrivateDirectory, hostAddress, hostPaths } from '../hostPaths';
import { SessionHostClient } from './sessionHostClient';

export interface ConnectToSessionHostOptions {
  /** The compiled host entry point (dist/sessionHost.js). */
  readonly hostScript: string;
  /** The private directory; defaults to defaultHostDirectory(). */
  readonly directory?: string;
  readonly clientVersion?: string;
  /**
   * Settings for a host this call starts. A host that is already running keeps the
   * settings it was started with.
   */
  readonly detachedTimeoutMs?: number;
  readonly replayBufferBytes?: number;
  readonly idleShutdownMs?: number;
  /** How often a host this call starts beats; clients learn it from the host's welcome. */
  readonly heartbeatIntervalMs?: number;
  /** How long to wait for a started host to answer. */
  readonly startTimeoutMs?: number;
  /** How long the connected client waits for the answer to a request (see SessionHostClientOptions). */
  readonly requestTimeoutMs?: number;
  /** The runtime for the host; Electron's binary runs as Node with ELECTRON_RUN_AS_NODE. */
  readonly execPath?: string;
  readonly log?: (message: string) => void;
}

export const DEFAULT_HOST_START_TIMEOUT_MS = 10_000;
const RETRY_INTERVAL_MS = 100;

async function tryConnect(directory: string, options: ConnectToSessionHostOptions): Promise<SessionHostClient> {
  const paths = hostPaths(directory);
  // A socket in a short directory elsewhere (a too-long path): only if that one is ours and private.
  await ensureHostDirectories(paths);
  const address = await hostAddress(paths);
  let token: string;
  try {
    token = (await fsp.readFile(paths.token, 'utf8')).trim();
  } catch {
    throw new HostError('no-host', `No session host token in ${directory}.`);
  }
  return SessionHostClient.connect(address, token, {
    clientVersion: options.clientVersion,
    log: options.log,
    requestTimeoutMs: options.requestTimeoutMs,
  });
}

/** No host yet (one is started), or a host restarted between our reading its token and connecting (read it again). */
function isRetryable(error: unknown): error is HostError {
  return error instanceof HostError && (error.kind === 'no-host' || (error.kind === 'rejected' && /bad-token/.test(error.message)));
}

/**
 * Connects to this user's session host, starting one (detached, so it outlives the
 * extension host) when none answers. Fails with a HostError after the timeout.
 */
export async function connectToSessionHost(options: ConnectToSessionHostOptions): Promise<SessionHostClient> {
  const directory = options.directory ?? defaultHostDirectory();
  await ensurePrivateDirectory(directory);
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_HOST_START_TIMEOUT_MS;
  const deadline = Date.now() + startTimeoutMs;
  const retryWait = new MutableDisposable();
  let started: { exitCode: number | null } | undefined;
  let lastError: Error | undefined;
  try {
    for (;;) {
      try {
        return await tryConnect(directory, options);
      } catch (error) {
        if (!isRetryable(error)) {
          throw error;
        }
        lastError = error;
      }
      started ??= startHost(directory, options);
      if (Date.now() > deadline) {
        const exited = started.exitCode !== null ? ` The host process exited with code ${started.exitCode}.` : '';
        throw new HostError(
          'start-timeout',
          `The session host did not answer within ${startTimeoutMs} ms.${exited} See ${hostPaths(directory).log}. Last error: ${lastError.message}`,
        );
      }
      await new Promise<void>((resolve) => {
        retryWait.value = disposableTimeout(resolve, RETRY_INTERVAL_MS);
      });
    }
  } finally {
    retryWait.dispose();
  }
}

/**
 * Starts the host as a detached child. On Unix it gets a session of its own (setsid), so
 * the window's hangup does not reach it. On Windows libuv starts it with
 * DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP: no console shared with the extension host
 * and no Ctrl+C from it. libuv deliberately does not add CREATE_BREAKAWAY_FROM_JOB (it
 * makes CreateProcess fail under a job that forbids breakaway) and Node offers no way to
 * ask for it, so the host stays in any job object the extension host is in. No such
 * job with KILL_ON_JOB_CLOSE is known from VS Code (in microsoft/vscode#90351 a detached
 * child of an extension outlived VS Code on Windows), but a job set up by whatever
 * launched VS Code would end the host with it. Only a real Windows run can show which.
 */
function startHost(directory: string, options: ConnectToSessionHostOptions): { exitCode: number | null } {
  const status: { exitCode: number | null } = { exitCode: null };
  options.log?.(`starting the session host in ${directory}`);
  // What the host cannot log itself (it failed to load, a native crash) it prints: into its log too.
  const stderr = openSync(hostPaths(directory).log, 'a', 0o600);
  let child;
  try {
    child = spawn(options.execPath ?? process.execPath, [options.hostScript, ...buildHostArguments({ ...options, directory, hostVersion: options.clientVersion })], {
      detached: true,
      // No console window flashing up for the host on Windows.
      windowsHide: true,
      stdio: ['ignore', 'ignore', stderr],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
  } finally {
    closeSync(stderr);
  }
  child.on('exit', (code) => {
    status.exitCode = code;
  });
  child.on('error', (error) => options.log?.(`could not start the session host: ${error.message}`));
  child.unref();
  return status;
}
