import { appendFileSync, createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import { setUnexpectedErrorHandler } from '../../sessions';

/** A larger log is moved aside at start so the directory never grows without bound. */
const MAX_LOG_BYTES = 1024 * 1024;

function logLine(line: string): string {
  return `${new Date().toISOString()} ${line}\n`;
}

export function errorText(error: unknown): string {
  return (error as Error | undefined)?.stack ?? String(error);
}

/** The host's log file: the daemon has no terminal, so this is where it reports. */
export class HostLog {
  private stream: WriteStream | undefined;

  private constructor(file: string) {
    this.stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
    this.stream.on('error', () => {
      // A full disk must not take the sessions down with it; the log is a convenience.
      this.stream = undefined;
    });
  }

  static async open(file: string): Promise<HostLog> {
    const size = await fsp.stat(file).then((stat) => stat.size, () => 0);
    if (size > MAX_LOG_BYTES) {
      await fsp.rename(file, `${file}.old`);
    }
    return new HostLog(file);
  }

  append(line: string): void {
    this.stream?.write(logLine(line));
  }

  /** Resolves once everything appended so far is written. */
  close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    return new Promise((resolve) => (stream ? stream.end(() => resolve()) : resolve()));
  }
}

/** For a host that failed before its log was open; best effort, like the log itself. */
export function appendToLogFile(file: string, line: string): void {
  try {
    appendFileSync(file, logLine(line), { mode: 0o600 });
  } catch {
    // Nowhere better to report it: the caller also writes it to stderr.
  }
}

/**
 * Errors no caller can handle (a listener that threw) go to the host's log: the
 * daemon's stdio is ignored, so the default handler would print them to nobody.
 */
export function logUnexpectedErrors(appendLog: (line: string) => void): void {
  setUnexpectedErrorHandler((error) => appendLog(`unexpected error: ${errorText(error)}`));
}
