/**
 * The session host daemon: started detached by the first window that needs it
 * (see connectToSessionHost), it owns the PTYs so they survive window reloads, and
 * exits by itself once it has had no session and no client for a while.
 */
import { parseArgs } from 'node:util';
import { isHostError } from './hostPaths';
import { SessionHostServer, type SessionHostServerOptions } from './server';

function optionalNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new Error(`--${name} must be a number of 0 or more, got ${JSON.stringify(value)}.`);
  }
  return parsed;
}

function parseOptions(argv: string[]): SessionHostServerOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      directory: { type: 'string' },
      'host-version': { type: 'string' },
      'detached-timeout-ms': { type: 'string' },
      'replay-buffer-bytes': { type: 'string' },
      'idle-shutdown-ms': { type: 'string' },
    },
    strict: true,
  });
  return {
    directory: values.directory,
    hostVersion: values['host-version'],
    detachedTimeoutMs: optionalNumber(values['detached-timeout-ms'], 'detached-timeout-ms'),
    replayBufferBytes: optionalNumber(values['replay-buffer-bytes'], 'replay-buffer-bytes'),
    idleShutdownMs: optionalNumber(values['idle-shutdown-ms'], 'idle-shutdown-ms'),
  };
}

async function main(): Promise<void> {
  const server = await SessionHostServer.start(parseOptions(process.argv.slice(2)));
  server.onDidShutdown(() => process.exit(0));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      server.appendLog(`${signal}: shutting down`);
      void server.shutdown();
    });
  }
  // Detached, there is no terminal to hang up; a stray SIGHUP must not end every session.
  process.on('SIGHUP', () => server.appendLog('SIGHUP ignored'));
  // One bad message or listener must not take down every user's session with it.
  process.on('uncaughtException', (error) => server.appendLog(`uncaught: ${error.stack ?? String(error)}`));
  process.on('unhandledRejection', (error) => server.appendLog(`unhandled rejection: ${(error as Error)?.stack ?? String(error)}`));
}

main().catch((error: unknown) => {
  // Another host won the race to start: the client connects to that one.
  if (isHostError(error, 'already-running')) {
    process.exit(0);
  }
  process.stderr.write(`milestone-terminals session host: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
