import { appendFileSync, closeSync, copyFileSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { setUnexpectedErrorHandler } from '../../sessions';

/** Past this size the log is moved to `<log>.old` (one generation), while running too. */
export const MAX_LOG_BYTES = 1024 * 1024;

const LINE_BREAKS = /\r\n|[\n\r\u0085\u2028\u2029]/g;
/** C0 and C1 controls, DEL, and the bidi controls that reorder what a reader sees. */
const UNSAFE_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * One entry as it is written: a timestamp, then the text with every control character
 * escaped and every line break followed by a tab, so that client versions, milestone
 * ids or error messages can neither start a line of their own nor drive the terminal
 * of whoever reads the log.
 */
export function logLine(text: string): string {
  const safe = text
    .replace(UNSAFE_CHARACTERS, (character) => `\\u{${character.codePointAt(0)!.toString(16)}}`)
    .replace(LINE_BREAKS, '\n\t');
  return `${new Date().toISOString()} ${safe}\n`;
}

export function errorText(error: unknown): string {
  return (error as Error | undefined)?.stack ?? String(error);
}

/**
 * The host's log file: the daemon has no terminal, so this is where it reports. Lines
 * are written synchronously (they are few) to a descriptor opened for appending, which
 * the daemon's stderr shares (see the launcher): rotation copies the file aside and
 * truncates it in place, so both keep writing to the current log.
 */
export class HostLog {
  private fd: number | undefined;
  private size: number;

  private constructor(
    private readonly file: string,
    private readonly maxBytes: number,
  ) {
    this.fd = openSync(file, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
    this.rotateIfFull();
  }

  static async open(file: string, maxBytes = MAX_LOG_BYTES): Promise<HostLog> {
    return new HostLog(file, maxBytes);
  }

  append(text: string): void {
    if (this.fd === undefined) {
      return;
    }
    const line = Buffer.from(logLine(text), 'utf8');
    try {
      writeSync(this.fd, line);
      this.size += line.length;
      this.rotateIfFull();
    } catch {
      // A full disk must not take the sessions down with it; the log is a convenience.
    }
  }

  private rotateIfFull(): void {
    if (this.fd === undefined || this.size <= this.maxBytes) {
      return;
    }
    try {
      copyFileSync(this.file, `${this.file}.old`);
      ftruncateSync(this.fd, 0);
      this.size = 0;
    } catch {
      // Same as a failed write: keep serving; the next append tries again.
    }
  }

  /** Closes the file; everything appended is already written. */
  close(): Promise<void> {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    return Promise.resolve();
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
 * daemon's stdout is ignored, so the default handler would print them to nobody.
 */
export function logUnexpectedErrors(appendLog: (line: string) => void): void {
  setUnexpectedErrorHandler((error) => appendLog(`unexpected error: ${errorText(error)}`));
}
