import { SerializeAddon } from '@xterm/addon-serialize';
import { Terminal } from '@xterm/headless';
import { bufferText } from '../../../shared/screenText';
import { PARSING_OPTIONS, configureParsing } from '../../../shared/terminalParsing';
import { SEQUENCE_LOOKBACK_CHARS, unterminatedSequence, type Disposable, type ScreenSnapshot } from '../../sessions';

export const MIRROR_SCROLLBACK_LINES = 1_000;
/**
 * Each cell costs the mirror 12 bytes whatever it holds; scrollback is cut so that
 * screen and scrollback together stay within this many cells (~12 MB). An ordinary
 * terminal keeps all its scrollback; the largest allowed (2000x1000) keeps only its
 * screen, about 24 MB instead of 50. The webview keeps its own, full scrollback.
 */
export const MIRROR_MAX_CELLS = 1_000_000;

/** The scrollback a mirror of this size keeps. */
export function mirrorScrollback(cols: number, rows: number): number {
  return Math.max(0, Math.min(MIRROR_SCROLLBACK_LINES, Math.floor(MIRROR_MAX_CELLS / cols) - rows));
}
/**
 * Parsing lags a flood (the mirror parses ~45 MB/s, a PTY delivers up to ~100 MB/s)
 * and xterm 6 throws beyond 50 MB of backlog, so the session is paused above this
 * many unparsed characters and resumed below the low mark.
 */
export const MIRROR_HIGH_WATERMARK_CHARS = 1_000_000;
export const MIRROR_LOW_WATERMARK_CHARS = 200_000;

/**
 * A headless terminal fed every output chunk of a session, so a new view gets the
 * current screen (alternate buffer, colours, cursor, modes) rather than a raw tail.
 */
export class TerminalMirror implements Disposable {
  private readonly terminal: Terminal;
  private readonly serializer = new SerializeAddon();
  private unparsedChars = 0;
  /** The end of what was written, to find an escape sequence split across chunks. */
  private tail = '';
  private throttled = false;
  /** Screens asked for and not yet read, answered on dispose so no caller waits forever. */
  private readonly pendingReads = new Set<() => void>();
  private disposed = false;

  constructor(
    cols: number,
    rows: number,
    /** Called with true when the mirror needs the producer to pause, false when it may resume. */
    private readonly onBackpressure: (pause: boolean) => void,
  ) {
    this.terminal = new Terminal({ ...PARSING_OPTIONS, cols, rows, scrollback: mirrorScrollback(cols, rows) });
    configureParsing(this.terminal);
    this.terminal.loadAddon(this.serializer);
  }

  write(data: string): void {
    this.tail = data.length >= SEQUENCE_LOOKBACK_CHARS ? data.slice(-SEQUENCE_LOOKBACK_CHARS) : (this.tail + data).slice(-SEQUENCE_LOOKBACK_CHARS);
    this.unparsedChars += data.length;
    this.terminal.write(data, () => {
      this.unparsedChars -= data.length;
      if (this.throttled && this.unparsedChars < MIRROR_LOW_WATERMARK_CHARS) {
        this.throttled = false;
        this.onBackpressure(false);
      }
    });
    if (!this.throttled && this.unparsedChars > MIRROR_HIGH_WATERMARK_CHARS) {
      this.throttled = true;
      this.onBackpressure(true);
    }
  }

  /** Resizes once the output written so far has been parsed at the old size. */
  resize(cols: number, rows: number): void {
    this.afterParsing(() => {
      const scrollback = mirrorScrollback(cols, rows);
      // A smaller scrollback is cut before the screen grows, so the two never add up past the budget.
      if (scrollback < (this.terminal.options.scrollback ?? 0)) {
        this.terminal.options.scrollback = scrollback;
      }
      this.terminal.resize(cols, rows);
      this.terminal.options.scrollback = scrollback;
    });
  }

  clear(): void {
    this.afterParsing(() => this.terminal.clear());
  }

  /** The screen after every chunk written before this call, and none written after. */
  screen(): Promise<ScreenSnapshot> {
    // A chunk may end inside an escape sequence: the parser holds that part, the
    // serialized screen does not, so it is appended for the next output to complete.
    const openSequence = unterminatedSequence(this.tail);
    return this.readAfterParsing(() => ({
      data: this.serializer.serialize() + openSequence,
      size: { cols: this.terminal.cols, rows: this.terminal.rows },
    }));
  }

  /** The scrollback and screen as plain text lines (see bufferText), after every chunk written before this call. */
  text(): Promise<string[]> {
    return this.readAfterParsing(() => bufferText(this.terminal.buffer.active));
  }

  /** xterm parses asynchronously: the read runs in the callback of an empty write. */
  private readAfterParsing<T>(read: () => T): Promise<T> {
    return new Promise((resolve) => {
      const answer = () => {
        this.pendingReads.delete(answer);
        resolve(read());
      };
      this.pendingReads.add(answer);
      this.afterParsing(answer);
    });
  }

  private afterParsing(action: () => void): void {
    this.terminal.write('', () => {
      if (!this.disposed) {
        action();
      }
    });
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    for (const answer of [...this.pendingReads]) {
      answer();
    }
    this.disposed = true;
    this.serializer.dispose();
    this.terminal.dispose();
  }
}
