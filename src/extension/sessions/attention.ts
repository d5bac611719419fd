/**
 * What in a session's output asks for the user: a bell, or a program's request for a
 * desktop notification (OSC 9, OSC 777;notify, OSC 99). Scanned wherever the output
 * arrives first (the session host, or this process for in-process sessions), across
 * chunk boundaries, without allocating for ordinary output.
 */
import { DisposableBase, Emitter, MutableDisposable, disposableTimeout, type Event } from './lifecycle';

export type AttentionReason = 'bell' | 'notification' | 'exit';

/** A milestone needs the user: why, what the program said (sanitised), and when (epoch ms). */
export interface SessionAttention {
  readonly reason: AttentionReason;
  readonly message?: string;
  readonly at: number;
}

/** What the scanner found: a bell, or a notification with its (untrusted, unsanitised) text. */
export type OutputSignal = { readonly kind: 'bell' } | { readonly kind: 'notification'; readonly text: string };

const BEL = 0x07;
const ESC = 0x1b;
const CAN = 0x18;
const SUB = 0x1a;
const BACKSLASH = 0x5c;

/** An OSC longer than this is not a notification we read (a clipboard or image payload): only its end is looked for. */
const MAX_OSC_CHARS = 4096;
/** A notification's text is cut to this many characters. */
export const MAX_ATTENTION_MESSAGE_CHARS = 200;

const enum ScanState {
  Ground,
  /** After ESC, before the introducer. */
  Escape,
  /** Inside an OSC payload. */
  Osc,
  /** Inside an OSC, after an ESC that may start its ST. */
  OscEscape,
  /** Inside a DCS, SOS, PM or APC string: a BEL there ends it and is no bell. */
  OtherString,
  OtherStringEscape,
}

/**
 * A streaming reader of a terminal's output that reports bells outside of strings and
 * notification requests. A BEL that ends an OSC or DCS is a terminator, not a bell.
 */
export class OutputSignalScanner {
  private state = ScanState.Ground;
  private osc = '';
  /** The OSC grew past MAX_OSC_CHARS: its content is dropped, its end still awaited. */
  private oscTooLong = false;

  /** Scans the next chunk; returns what it found, in order (usually nothing). */
  scan(data: string): OutputSignal[] {
    const found: OutputSignal[] = [];
    let index = 0;
    // Cached positions of the next ESC and BEL, so that ordinary output is searched once, not per sequence.
    let nextEscape = -2;
    let nextBell = -2;
    const length = data.length;
    while (index < length) {
      switch (this.state) {
        case ScanState.Ground: {
          if (nextEscape !== -1 && nextEscape < index) {
            nextEscape = data.indexOf('\x1b', index);
          }
          if (nextBell !== -1 && nextBell < index) {
            nextBell = data.indexOf('\x07', index);
          }
          if (nextBell !== -1 && (nextEscape === -1 || nextBell < nextEscape)) {
            found.push({ kind: 'bell' });
            index = nextBell + 1;
          } else if (nextEscape !== -1) {
            this.state = ScanState.Escape;
            index = nextEscape + 1;
          } else {
            index = length;
          }
          break;
        }
        case ScanState.Escape: {
          const code = data.charCodeAt(index++);
          if (code === 0x5d) {
            this.state = ScanState.Osc;
            this.osc = '';
            this.oscTooLong = false;
          } else if (code === 0x50 || code === 0x58 || code === 0x5e || code === 0x5f) {
            this.state = ScanState.OtherString;
          } else if (code === ESC) {
            this.state = ScanState.Escape;
          } else {
            // CSI and the rest hold no BEL that ends them: their bytes are scanned as ground.
            this.state = ScanState.Ground;
          }
          break;
        }
        case ScanState.Osc: {
          const end = endOfStringContent(data, index);
          this.collect(data, index, end);
          if (end === length) {
            index = length;
            break;
          }
          const code = data.charCodeAt(end);
          index = end + 1;
          if (code === BEL) {
            this.dispatchOsc(found);
            this.state = ScanState.Ground;
          } else if (code === ESC) {
            this.state = ScanState.OscEscape;
          } else {
            this.state = ScanState.Ground; // CAN or SUB cancels the sequence
          }
          break;
        }
        case ScanState.OscEscape: {
          if (data.charCodeAt(index) === BACKSLASH) {
            index++;
            this.dispatchOsc(found);
            this.state = ScanState.Ground;
          } else {
            // An ESC that is not ST aborts the OSC and starts a new sequence.
            this.state = ScanState.Escape;
          }
          break;
        }
        case ScanState.OtherString: {
          const end = endOfStringContent(data, index);
          if (end === length) {
            index = length;
            break;
          }
          const code = data.charCodeAt(end);
          index = end + 1;
          this.state = code === ESC ? ScanState.OtherStringEscape : ScanState.Ground;
          break;
        }
        case ScanState.OtherStringEscape: {
          if (data.charCodeAt(index) === BACKSLASH) {
            index++;
            this.state = ScanState.Ground;
          } else {
            this.state = ScanState.Escape;
          }
          break;
        }
      }
    }
    return found;
  }

  private collect(data: string, start: number, end: number): void {
    if (this.oscTooLong || start === end) {
      return;
    }
    this.osc += data.slice(start, end);
    if (this.osc.length > MAX_OSC_CHARS) {
      this.osc = '';
      this.oscTooLong = true;
    }
  }

  private dispatchOsc(found: OutputSignal[]): void {
    if (!this.oscTooLong) {
      const text = notificationText(this.osc);
      if (text !== undefined) {
        found.push({ kind: 'notification', text });
      }
    }
    this.osc = '';
    this.oscTooLong = false;
  }
}

/** The first BEL, ESC, CAN or SUB at or after `start`, or the text's length. */
function endOfStringContent(data: string, start: number): number {
  for (let index = start; index < data.length; index++) {
    const code = data.charCodeAt(index);
    if (code === BEL || code === ESC || code === CAN || code === SUB) {
      return index;
    }
  }
  return data.length;
}

/**
 * The text of an OSC that asks for a desktop notification, or undefined for any other OSC:
 * `9;text` (iTerm2; but not ConEmu's `9;N;...` sub-commands such as 9;4 progress),
 * `777;notify;title;body` (rxvt/Ghostty) and `99;metadata;payload` (kitty; a payload
 * announced as continued (d=0) or base64 (e=1) gives a notification without text).
 */
export function notificationText(osc: string): string | undefined {
  const separator = osc.indexOf(';');
  if (separator < 0) {
    return undefined;
  }
  const command = osc.slice(0, separator);
  const rest = osc.slice(separator + 1);
  switch (command) {
    case '9':
      return /^\d+(;|$)/.test(rest) ? undefined : rest;
    case '777': {
      const [action, title = '', body = ''] = rest.split(';');
      if (action !== 'notify') {
        return undefined;
      }
      return [title, body].filter(Boolean).join(': ');
    }
    case '99': {
      const payloadStart = rest.indexOf(';');
      const metadata = payloadStart < 0 ? rest : rest.slice(0, payloadStart);
      const payload = payloadStart < 0 ? '' : rest.slice(payloadStart + 1);
      const keys = new Map(metadata.split(':').map((pair) => pair.split('=') as [string, string | undefined]));
      if (keys.get('d') === '0') {
        return undefined; // more chunks follow; the last one raises it
      }
      return keys.get('e') === '1' || (keys.has('p') && keys.get('p') !== 'title' && keys.get('p') !== 'body') ? '' : payload;
    }
    default:
      return undefined;
  }
}

/**
 * A program's text made safe to show in a notification or tooltip: no control or
 * bidirectional-override characters (which could disguise the text), whitespace folded, cut.
 */
export function sanitizeAttentionMessage(text: string): string | undefined {
  const cleaned = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!cleaned) {
    return undefined;
  }
  return cleaned.length > MAX_ATTENTION_MESSAGE_CHARS ? `${cleaned.slice(0, MAX_ATTENTION_MESSAGE_CHARS - 1)}…` : cleaned;
}

/** After this long without output a session is idle. */
export const WORKING_WINDOW_MS = 3_000;
/**
 * After attention was raised (and perhaps cleared at once by a window that shows the
 * session), another is raised no sooner than this: a flood of bells is one attention.
 */
export const ATTENTION_MIN_INTERVAL_MS = 2_000;

export type ActivityState = 'working' | 'idle';

/**
 * A session's attention and activity: fed its output and exit, it fires onDidChange on
 * transitions only (attention raised or cleared, working to idle and back), never per chunk.
 */
export class SessionSignals extends DisposableBase {
  private readonly scanner = new OutputSignalScanner();
  private _attention: SessionAttention | undefined;
  private _lastOutputAt: number | undefined;
  private _activity: ActivityState = 'idle';
  private lastRaisedAt = Number.NEGATIVE_INFINITY;
  private readonly idleTimer = this.register(new MutableDisposable());

  private readonly _onDidChange = this.register(new Emitter<void>());
  readonly onDidChange: Event<void> = this._onDidChange.event;

  constructor(private readonly workingWindowMs = WORKING_WINDOW_MS) {
    super();
  }

  get attention(): SessionAttention | undefined {
    return this._attention;
  }

  get lastOutputAt(): number | undefined {
    return this._lastOutputAt;
  }

  get activity(): ActivityState {
    return this._activity;
  }

  output(data: string): void {
    const now = Date.now();
    this._lastOutputAt = now;
    let changed = false;
    if (this._activity === 'idle') {
      this._activity = 'working';
      changed = true;
      this.scheduleIdleCheck(this.workingWindowMs);
    }
    const signals = this.scanner.scan(data);
    if (signals.length > 0) {
      // The notification's text says more than a bell: it wins within one chunk.
      const signal = signals.find((candidate) => candidate.kind === 'notification') ?? signals[0];
      changed = this.raise(signal.kind === 'notification' ? { reason: 'notification', message: sanitizeAttentionMessage(signal.text), at: now } : { reason: 'bell', at: now }) || changed;
    }
    if (changed) {
      this._onDidChange.fire();
    }
  }

  /** The process ended; `watched`: some view was attached, so someone saw it end. */
  exited(watched: boolean): void {
    this.idleTimer.clear();
    const wasWorking = this._activity === 'working';
    this._activity = 'idle';
    const raised = !watched && this.raise({ reason: 'exit', at: Date.now() }, true);
    if (raised || wasWorking) {
      this._onDidChange.fire();
    }
  }

  /** Someone saw the session; returns whether there was anything to clear. */
  clear(): boolean {
    if (!this._attention) {
      return false;
    }
    this._attention = undefined;
    this._onDidChange.fire();
    return true;
  }

  /**
   * An exit always replaces what was pending (it is the last thing that happens), and a
   * notification a pending bell (its text says more: agents ring and then notify);
   * otherwise the first signal stays.
   */
  private raise(attention: SessionAttention, always = false): boolean {
    const upgrade = this._attention?.reason === 'bell' && attention.reason === 'notification';
    if (!always && !upgrade && (this._attention || attention.at - this.lastRaisedAt < ATTENTION_MIN_INTERVAL_MS)) {
      return false;
    }
    this._attention = attention;
    this.lastRaisedAt = attention.at;
    return true;
  }

  /** One timer per working spell, re-armed for the remainder instead of per chunk. */
  private scheduleIdleCheck(delayMs: number): void {
    this.idleTimer.value = disposableTimeout(() => {
      const silentFor = Date.now() - (this._lastOutputAt ?? 0);
      if (silentFor < this.workingWindowMs) {
        this.scheduleIdleCheck(this.workingWindowMs - silentFor);
        return;
      }
      this._activity = 'idle';
      this._onDidChange.fire();
    }, delayMs);
  }
}
