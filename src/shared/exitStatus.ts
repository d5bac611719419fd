/**
 * How a process ended, in words, for the tree, the tab's banner and the log. Shared by
 * the extension and the webview, so it imports nothing.
 */

/** Signals whose numbers are the same on Linux and macOS; others are shown by number only. */
const PORTABLE_SIGNAL_NAMES: Readonly<Record<number, string>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
};

export interface ExitStatus {
  readonly exitCode: number | undefined;
  /** The signal number that ended the process, if one did. */
  readonly exitSignal: number | undefined;
}

/** "killed by SIGKILL (signal 9)", "exited with code 1", or "ended" when neither is known. */
export function describeExitStatus({ exitCode, exitSignal }: ExitStatus): string {
  if (exitSignal) {
    const name = PORTABLE_SIGNAL_NAMES[exitSignal];
    return name ? `killed by ${name} (signal ${exitSignal})` : `killed by signal ${exitSignal}`;
  }
  return exitCode === undefined ? 'ended' : `exited with code ${exitCode}`;
}

/** A signal or a non-zero code: shown in the error colour. */
export function endedInError({ exitCode, exitSignal }: ExitStatus): boolean {
  return Boolean(exitSignal) || (exitCode !== undefined && exitCode !== 0);
}
