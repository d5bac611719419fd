import type { SessionInfo, SignalName } from '../../shared/protocol';
import type { Disposable, Event } from './lifecycle';
import type { PtyExit } from './ptyProcess';
import type { SessionOptions, SessionSnapshot, SessionState } from './session';

/**
 * A milestone's session as the UI sees it, wherever the process lives: in this
 * process (Session) or in the session host that outlives windows (a remote proxy).
 */
/** A session's screen as a fresh terminal must write it, and the size it was drawn at. */
export interface ScreenSnapshot {
  readonly data: string;
  /**
   * Written into a terminal of another size, `data` wraps or lands elsewhere. Absent from a
   * session host of an earlier version.
   */
  readonly size?: { readonly cols: number; readonly rows: number };
}

export interface TerminalSession {
  readonly id: string;
  readonly milestoneId: string;
  readonly title: string;
  readonly options: SessionOptions;
  readonly createdAt: number;
  readonly pid: number;
  readonly state: SessionState;
  readonly exitCode: number | undefined;
  readonly exitSignal: number | undefined;
  readonly exitedAt: number | undefined;
  readonly lastActivity: number;
  readonly attachedViews: number;
  readonly onData: Event<string>;
  readonly onExit: Event<PtyExit>;
  readonly onDidChange: Event<TerminalSession>;
  /** Counts a view as watching (for expiry) until disposed. */
  attach(): Disposable;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  signal(name: SignalName): void;
  /** Flow control: stop / restart reading the process's output. */
  pause(): void;
  resume(): void;
  /**
   * What a fresh terminal must write to show the session's current screen. Output
   * that `onData` delivers before the promise settles is already part of it; output
   * delivered after it is not.
   */
  screen(): Promise<ScreenSnapshot>;
  /**
   * The scrollback and screen as plain text lines (no escape sequences; see bufferText), with
   * every output chunk `onData` delivered before the call.
   */
  screenText(): Promise<string[]>;
  /**
   * While held, `onData` delivers all of the session's output, without counting as a view
   * (for expiry or the views count): a window's proxy of a session it does not show gets none otherwise.
   */
  watchOutput(): Disposable;
  clearReplay(): void;
  /** Someone has seen the session: its attention goes, in every window. */
  clearAttention(): void;
  info(): SessionInfo;
  snapshot(): SessionSnapshot;
  /**
   * The snapshot as the process's owner has it now. A window's proxy of a session it does
   * not show gets no output, so its cached figures (output kept, last activity) lag.
   */
  currentSnapshot(): Promise<SessionSnapshot>;
}

export interface TerminalSessionChange {
  readonly kind: 'created' | 'changed' | 'closed';
  readonly session: TerminalSession;
}

/** The session manager's API, served in process or by the session host. */
/** What the settings may ask for: a week, 1 KiB to 16 MiB, and 1 to 1,000 sessions. */
export const SessionSettingLimits = {
  maxDetachedTimeoutMs: 7 * 24 * 60 * 60_000,
  minReplayBufferBytes: 1024,
  maxReplayBufferBytes: 16 * 1024 * 1024,
  /** Each session holds a few of the host's file descriptors and one of the machine's PTYs; the host's fd limit is far above this. */
  maxSessions: 1_000,
  maxTranscriptBytes: 1024 * 1024 * 1024,
  maxTranscriptRetentionMs: 365 * 24 * 60 * 60_000,
} as const;

/** Sessions one host runs at most unless the user chose otherwise. */
export const DEFAULT_MAX_SESSIONS = 100;

/** The user's settings a manager works by; they can change while sessions run. */
export interface SessionSettings {
  /** How long an unwatched, silent session is kept; 0 keeps it until it is closed. Applies to every session. */
  readonly detachedTimeoutMs: number;
  /** The replay buffer of sessions started from now on. */
  readonly replayBufferBytes: number;
  /** How many sessions may exist at once (running or exited, not yet closed); unset keeps the current cap. */
  readonly maxSessions?: number;
  /** The session host's transcript of each session it starts from now on, in bytes; 0 keeps none. Unset: the host's default. */
  readonly transcriptMaxBytes?: number;
  /** How long the host keeps transcripts of ended sessions; unset: the host's default. */
  readonly transcriptRetentionMs?: number;
}

export interface TerminalSessionManager extends Disposable {
  readonly onDidChangeSessions: Event<TerminalSessionChange>;
  configure(settings: SessionSettings): Promise<void>;
  create(options: SessionOptions): Promise<TerminalSession>;
  get(sessionId: string): TerminalSession | undefined;
  getOrThrow(sessionId: string): TerminalSession;
  getByMilestone(milestoneId: string): TerminalSession | undefined;
  getOrCreate(options: SessionOptions): Promise<{ readonly session: TerminalSession; readonly created: boolean }>;
  close(sessionId: string): Promise<boolean>;
  list(): SessionSnapshot[];
  all(): TerminalSession[];
}
