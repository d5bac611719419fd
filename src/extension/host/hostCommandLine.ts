/**
 * The session host's command line, built by the client that starts it and parsed by
 * the daemon: one list of options, so the two cannot drift apart.
 */
import { parseArgs } from 'node:util';

/** What a client chooses for a host it starts. */
export interface HostLaunchOptions {
  /** The private directory the host serves. */
  readonly directory: string;
  /** Logged by the host, so its log tells which build runs. */
  readonly hostVersion?: string;
  readonly detachedTimeoutMs?: number;
  readonly replayBufferBytes?: number;
  /** Shut down after this long with no session and no connection; 0 never does. */
  readonly idleShutdownMs?: number;
  /** How often the host tells its clients it is alive. */
  readonly heartbeatIntervalMs?: number;
}

type NumberOption = 'detachedTimeoutMs' | 'replayBufferBytes' | 'idleShutdownMs' | 'heartbeatIntervalMs';

const NUMBER_FLAGS: Readonly<Record<NumberOption, string>> = {
  detachedTimeoutMs: 'detached-timeout-ms',
  replayBufferBytes: 'replay-buffer-bytes',
  idleShutdownMs: 'idle-shutdown-ms',
  heartbeatIntervalMs: 'heartbeat-interval-ms',
};

/** The arguments after the host script. */
export function buildHostArguments(options: HostLaunchOptions): string[] {
  const args = ['--directory', options.directory];
  if (options.hostVersion !== undefined) {
    args.push('--host-version', options.hostVersion);
  }
  for (const [option, flag] of Object.entries(NUMBER_FLAGS) as [NumberOption, string][]) {
    const value = options[option];
    if (value !== undefined) {
      args.push(`--${flag}`, String(value));
    }
  }
  return args;
}

/** Parses what buildHostArguments built; throws with the offending flag otherwise. */
export function parseHostArguments(argv: readonly string[]): HostLaunchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      directory: { type: 'string' },
      'host-version': { type: 'string' },
      ...Object.fromEntries(Object.values(NUMBER_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
    },
    strict: true,
  });
  const text = values as Record<string, string | undefined>;
  if (text.directory === undefined) {
    throw new Error('--directory is required.');
  }
  const numbers: Partial<Record<NumberOption, number>> = {};
  for (const [option, flag] of Object.entries(NUMBER_FLAGS) as [NumberOption, string][]) {
    numbers[option] = optionalNumber(text[flag], flag);
  }
  return { directory: text.directory, hostVersion: text['host-version'], ...numbers };
}

function optionalNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) {
    throw new Error(`--${flag} must be a number of 0 or more, got ${JSON.stringify(value)}.`);
  }
  return parsed;
}
