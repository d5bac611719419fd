/**
 * The one message protocol between the extension host and a terminal webview.
 * Imported by both sides; it must not import vscode, DOM or node modules.
 *
 * Handshake: the webview posts `ready` first; the host posts nothing before it.
 * The host then sends `replay` (everything the session still holds) followed by
 * live `output`. Input typed while the replay is being parsed is dropped by the
 * webview, because it is xterm answering queries inside old output.
 */

/** When the host pauses a process for a view that is behind, in UTF-16 code units as xterm counts them. */
export interface FlowWindow {
  /** The host pauses the process above this many unacknowledged characters. */
  readonly highWatermarkChars: number;
  /** ... and resumes it below this many. */
  readonly lowWatermarkChars: number;
}

/** Flow control (same figures as VS Code, which acknowledges every 5,000 characters). */
export const FlowControl = {
  highWatermarkChars: 100_000,
  lowWatermarkChars: 5_000,
  /** Acknowledgements carried in the stream go after this many characters (never above the low mark). */
  ackBatchChars: 5_000,
  /**
   * A webview acknowledges a whole output message once xterm has parsed it, and each one travels
   * through the extension host, VS Code's connection and two iframes. With VS Code's window
   * above, a message or two filled it and xterm sat idle for every round trip (a third of a
   * flood, profiled). This window keeps a few messages on their way while xterm parses; it
   * is still well under a second of parsing, so Ctrl+C in a flood takes effect soon.
   */
  webview: { highWatermarkChars: 600_000, lowWatermarkChars: 300_000 } satisfies FlowWindow,
} as const;

/** Limits on what a webview may send; anything above is rejected, never truncated. */
export const MessageLimits = {
  /** One `input` message; the webview splits larger pastes into several messages. */
  maxInputChars: 65_536,
  maxCols: 2_000,
  maxRows: 1_000,
  maxUrlChars: 8_192,
  /** An ack can never acknowledge more than the host could have sent unacknowledged. */
  maxAckChars: 1_000_000_000,
} as const;

export type SignalName = 'SIGINT' | 'SIGTERM' | 'EOF';
export const SIGNAL_NAMES: readonly SignalName[] = ['SIGINT', 'SIGTERM', 'EOF'];

// ---- webview -> host ----

export interface ReadyMessage { readonly type: 'ready' }
export interface InputMessage { readonly type: 'input'; readonly data: string }
export interface ResizeMessage { readonly type: 'resize'; readonly cols: number; readonly rows: number }
export interface SignalMessage { readonly type: 'signal'; readonly signal: SignalName }
/** Characters that xterm has finished parsing since the previous ack. */
export interface AckMessage { readonly type: 'ack'; readonly chars: number }
/** The view got focus: its size now wins for the shared process. */
export interface FocusMessage { readonly type: 'focus' }
/** The user activated a link; the host validates the scheme before opening it. */
export interface OpenLinkMessage { readonly type: 'openLink'; readonly url: string }
/** The user asked to start the milestone's command again after it ended. */
export interface RestartMessage { readonly type: 'restart' }

export type WebviewToHostMessage =
  | ReadyMessage
  | InputMessage
  | ResizeMessage
  | SignalMessage
  | AckMessage
  | FocusMessage
  | OpenLinkMessage
  | RestartMessage;

// ---- host -> webview ----

/** What a view shows about its session, sent with the replay and on every change. */
export interface SessionInfo {
  readonly sessionId: string;
  readonly milestoneId: string;
  readonly title: string;
  readonly pid: number | undefined;
  readonly state: 'running' | 'exited';
  readonly exitCode: number | undefined;
  /** The signal number that ended the process, if one did (then the code says little). */
  readonly exitSignal: number | undefined;
  /** Epoch milliseconds when the process ended. */
  readonly exitedAt: number | undefined;
  /** Set while the session asks for the user (a bell, a notification, an unwatched exit) and nobody has looked yet. */
  readonly attention?: SessionAttentionInfo;
  /** 'working': output within the last few seconds. */
  readonly activity?: 'working' | 'idle';
  /** Epoch milliseconds of the last output, if there was any. */
  readonly lastOutputAt?: number;
}

/** Why a session needs the user; `message` is the program's text, already sanitised. */
export interface SessionAttentionInfo {
  readonly reason: 'bell' | 'notification' | 'exit';
  readonly message?: string;
  readonly at: number;
}

/**
 * terminal.integrated.gpuAcceleration, as VS Code's terminal reads it: 'auto' and 'on' draw with
 * WebGL where the page can, 'off' with xterm's DOM renderer.
 */
export type GpuAcceleration = 'auto' | 'on' | 'off';
export const GPU_ACCELERATION_VALUES: readonly GpuAcceleration[] = ['auto', 'on', 'off'];

/** Appearance taken from VS Code settings and theme; colours come from CSS variables. */
export interface TerminalAppearance {
  readonly fontFamily: string;
  readonly fontSize: number;
  readonly lineHeight: number;
  readonly cursorBlink: boolean;
  readonly cursorStyle: 'block' | 'underline' | 'bar';
  readonly scrollback: number;
  /** terminal.integrated.minimumContrastRatio: text is recoloured until it reaches this contrast (1 = off). */
  readonly minimumContrastRatio: number;
  readonly gpuAcceleration: GpuAcceleration;
}

export interface ReplayMessage {
  readonly type: 'replay';
  /** Clears the view first: a replay always describes the whole screen. */
  readonly data: string;
  /** The size `data` was drawn at, when known: a new page writes it at that size before it lays out. */
  readonly size?: { readonly cols: number; readonly rows: number };
  readonly session: SessionInfo;
  readonly appearance: TerminalAppearance;
}
export interface OutputMessage { readonly type: 'output'; readonly data: string }
export interface SessionMessage { readonly type: 'session'; readonly session: SessionInfo }
export interface AppearanceMessage { readonly type: 'appearance'; readonly appearance: TerminalAppearance }
/** A notice the view prints inside the terminal, e.g. that the process ended with the old window. */
export interface NoticeMessage { readonly type: 'notice'; readonly text: string }

/** HOST_NOT_RESPONDING: the session host is connected but silent; cleared when it answers again. */
export type ErrorCode = 'VALIDATION' | 'NO_SESSION' | 'SPAWN_FAILED' | 'SESSION_EXITED' | 'INTERNAL' | 'HOST_NOT_RESPONDING';
export interface ErrorMessage { readonly type: 'error'; readonly code: ErrorCode; readonly message: string }
/** The condition behind an error shown earlier has passed: its banner goes, any other error's stays. */
export interface ClearErrorMessage { readonly type: 'clearError'; readonly code: ErrorCode }

export type HostToWebviewMessage =
  | ReplayMessage
  | OutputMessage
  | SessionMessage
  | AppearanceMessage
  | NoticeMessage
  | ErrorMessage
  | ClearErrorMessage;

// ---- validation of what the webview sends (it is untrusted input) ----

export type ParseResult =
  | { readonly ok: true; readonly message: WebviewToHostMessage }
  | { readonly ok: false; readonly error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** A size a terminal may take: what a webview may ask for, and what a replay may be drawn at. */
export function isTerminalSize<T extends Record<string, unknown>>(value: T): value is T & { cols: number; rows: number } {
  return isIntegerIn(value.cols, 1, MessageLimits.maxCols) && isIntegerIn(value.rows, 1, MessageLimits.maxRows);
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}

function accept(message: WebviewToHostMessage): ParseResult {
  return { ok: true, message };
}

/**
 * Checks type, field types and sizes of a message from a webview. Unknown extra
 * fields are ignored; the returned message is a fresh object holding only known fields.
 */
export function parseWebviewMessage(raw: unknown): ParseResult {
  if (!isRecord(raw)) {
    return fail('message is not an object');
  }
  const type = raw.type;
  switch (type) {
    case 'ready':
    case 'focus':
    case 'restart':
      return accept({ type });
    case 'input': {
      const data = raw.data;
      if (typeof data !== 'string') {
        return fail('input.data must be a string');
      }
      if (data.length > MessageLimits.maxInputChars) {
        return fail(`input.data is ${data.length} characters; the limit per message is ${MessageLimits.maxInputChars}`);
      }
      return accept({ type, data });
    }
    case 'resize': {
      if (!isTerminalSize(raw)) {
        return fail(`resize needs integer cols 1..${MessageLimits.maxCols} and rows 1..${MessageLimits.maxRows}`);
      }
      return accept({ type, cols: raw.cols, rows: raw.rows });
    }
    case 'signal': {
      const signal = raw.signal;
      if (!SIGNAL_NAMES.includes(signal as SignalName)) {
        return fail(`signal must be one of ${SIGNAL_NAMES.join(', ')}`);
      }
      return accept({ type, signal: signal as SignalName });
    }
    case 'ack': {
      const chars = raw.chars;
      if (!isIntegerIn(chars, 1, MessageLimits.maxAckChars)) {
        return fail('ack.chars must be a positive integer');
      }
      return accept({ type, chars });
    }
    case 'openLink': {
      const url = raw.url;
      if (typeof url !== 'string' || url.length === 0 || url.length > MessageLimits.maxUrlChars) {
        return fail(`openLink.url must be a non-empty string of at most ${MessageLimits.maxUrlChars} characters`);
      }
      return accept({ type, url });
    }
    default:
      return fail(`unknown message type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : typeof type)}`);
  }
}
