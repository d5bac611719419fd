/**
 * The session host daemon: started detached by the first window that needs it
 * (see connectToSessionHost), it owns the PTYs so they survive window reloads, and
 * exits by itself once it has had no session and no client for a while. This file
 * only wires: arguments, the server, signals and where errors go.
 */
import { parseHostArguments } from '../hostCommandLine';
import { isHostError } from '../hostErrors';
import { hostPaths } from '../hostPaths';
import { appendToLogFile, errorText, logUnexpectedErrors } from './hostLog';
import { SessionHostServer } from './server';

/** Set once the arguments are read, so a failure to start can be logged where the client looks. */
let directory: string | undefined;

async function main(): Promise<void> {
  const options = parseHostArguments(process.argv.slice(2));
  directory = options.directory;
  const server = await SessionHostServer.start(options);
  server.onDidShutdown(() => process.exit(0));
  // The daemon has no terminal: what it has to say goes to its log (its stderr is appended there too).
  logUnexpectedErrors((line) => server.appendLog(line));
  // One bad message or listener must not take down every user's session with it.
  process.on('uncaughtException', (error) => server.appendLog(`uncaught: ${errorText(error)}`));
  process.on('unhandledRejection', (error) => server.appendLog(`unhandled rejection: ${errorText(error)}`));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      server.appendLog(`${signal}: shutting down`);
      void server.shutdown();
    });
  }
  // Detached, there is no terminal to hang up; a stray SIGHUP must not end every session.
  process.on('SIGHUP', () => server.appendLog('SIGHUP ignored'));
}

main().catch((error: unknown) => {
  // Another host won the race to start: the client connects to that one.
  if (isHostError(error, 'already-running')) {
    process.exit(0);
  }
  const message = `milestone-terminals session host: ${errorText(error)}`;
  // Not into a directory that failed the privacy check: it may not be ours.
  if (directory !== undefined && !isHostError(error, 'insecure-directory')) {
    appendToLogFile(hostPaths(directory).log, `failed to start: ${message}`);
  }
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
