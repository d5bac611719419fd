/**
 * The session host daemon: started detached by the first window that needs it
 * (see connectToSessionHost), it owns the PTYs so they survive window reloads, and
 * exits by itself once it has had no session and no client for a while.
 */
import { parseHostArguments } from '../hostCommandLine';
import { isHostError } from '../hostPaths';
import { SessionHostServer } from './server';

async function main(): Promise<void> {
  const server = await SessionHostServer.start(parseHostArguments(process.argv.slice(2)));
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
