/**
 * Typings for the API of the Milestone Terminals extension (milestone-terminals.milestone-terminals).
 * Copy this file into your extension; it needs nothing else.
 *
 * @example
 * ```ts
 * import * as vscode from 'vscode';
 * import type { MilestoneTerminalsExports } from './milestone-terminals';
 *
 * const extension = vscode.extensions.getExtension<MilestoneTerminalsExports>('milestone-terminals.milestone-terminals');
 * const terminals = (await extension!.activate()).getApi(1);
 * await terminals.openMilestoneTerminal({ milestoneId: 'fix-login', command: 'claude' });
 * const prompt = await terminals.waitFor('fix-login', { output: /Continue\? \[y\/n\]/ }, { timeoutMs: 60_000 });
 * await terminals.sendText('fix-login', 'y', { enter: true });
 * const { exitCode, lastLines } = await terminals.waitFor('fix-login', { exit: true });
 * ```
 *
 * Every method is also a command taking the same arguments, for tasks, keybindings and
 * extensions that do not want to import anything: `milestoneTerminals.api.sendText`,
 * `.readScreen`, `.waitFor`, `.close`, `.restart`, `.listSessions` (and `milestoneTerminals.open`
 * for openMilestoneTerminal). Through a command a pattern is given as `{ output: 'source', flags: 'i' }`,
 * since a RegExp does not survive the trip.
 *
 * Sessions are shared by every VS Code window and outlive window reloads: a session
 * started by another window is waited on and read the same way.
 *
 * Failures reject with an Error whose `kind` says what went wrong (see ApiErrorKind) and
 * whose message is meant for a person.
 */

export interface Disposable {
  dispose(): unknown;
}

/** Subscribe with a listener; dispose what it returns to unsubscribe (the shape of vscode.Event). */
export type Event<T> = (listener: (event: T) => unknown) => Disposable;

/** What `getExtension(...).exports` is: the newest API, and each version by number. */
export interface MilestoneTerminalsExports extends MilestoneTerminalsApiV1 {
  /** The newest version this build serves. */
  readonly apiVersion: 1;
  /** The API of `version`; throws (kind 'unsupported-version') for a version this build does not serve. */
  getApi(version: 1): MilestoneTerminalsApiV1;
}

export interface MilestoneTerminalsApiV1 {
  readonly version: 1;

  /**
   * Opens the milestone's terminal in an editor tab: its running (or exited) session, else a
   * new one started from `spec`, completed by the milestone's definition when `spec` is only an id.
   * Resolves undefined when it could not (the reason is shown to the user and logged).
   */
  openMilestoneTerminal(spec: string | MilestoneSpec): Promise<OpenedTerminal | undefined>;

  /** Every session of every window, running or exited, until it is closed. */
  listSessions(): SessionSummary[];

  /** Types `text` into the milestone's running session; `enter` adds a carriage return. */
  sendText(milestoneId: string, text: string, options?: { readonly enter?: boolean }): Promise<void>;

  /** The session's scrollback and screen as plain text. */
  readScreen(milestoneId: string): Promise<ScreenText>;

  /**
   * Resolves when the condition is met; rejects with kind 'timeout' after `options.timeoutMs`,
   * 'session-exited' when the process ends before the output matched, and 'session-closed'
   * when the session is closed meanwhile.
   */
  waitFor(milestoneId: string, condition: WaitCondition, options?: WaitOptions): Promise<WaitResult>;

  /** Ends the session's processes and forgets it (like Close in the tree); false when there was none. */
  close(milestoneId: string): Promise<boolean>;

  /**
   * Ends the milestone's process if it runs and starts it again with the same command. When
   * its session is gone (a reboot, an expired session), a definition's `resumeArgs` replace its `args`.
   */
  restart(milestoneId: string): Promise<OpenedTerminal>;

  /** A session was created, its process exited, or it was closed, in any window. */
  readonly onDidChangeSessionState: Event<SessionStateChange>;

  /**
   * A session started or stopped needing the user, in any window: it rang the bell, asked for
   * a desktop notification (OSC 9, OSC 777;notify, OSC 99), or ended while no one watched it;
   * `attention` is undefined once someone has seen it.
   */
  readonly onDidChangeAttention: Event<AttentionChange>;
}

/** How a milestone's terminal starts; only `milestoneId` is required. */
export interface MilestoneSpec {
  readonly milestoneId: string;
  readonly title?: string;
  readonly cwd?: string;
  readonly command?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface OpenedTerminal {
  readonly milestoneId: string;
  readonly sessionId: string;
  readonly pid: number;
}

export interface SessionSummary {
  readonly sessionId: string;
  readonly milestoneId: string;
  readonly title: string;
  readonly pid: number | undefined;
  readonly state: 'running' | 'exited';
  readonly exitCode: number | undefined;
  /** The number of the signal that ended the process, if one did. */
  readonly exitSignal: number | undefined;
  readonly exitedAt: number | undefined;
  readonly createdAt: number;
  readonly lastActivity: number;
  /** Views (tabs, terminal panels) showing it, in all windows. */
  readonly attachedViews: number;
  readonly command: string;
  readonly cwd: string | undefined;
}

export interface ScreenText {
  readonly milestoneId: string;
  readonly sessionId: string;
  readonly state: 'running' | 'exited';
  /**
   * Scrollback then screen, oldest first: no escape sequences or colours, a wide character
   * (編) once, a line the terminal wrapped as one line, no blank lines after the last text.
   */
  readonly lines: string[];
}

/**
 * - `{ exit: true }`: the process has ended (at once if it already has).
 * - `{ idleMs }`: the session printed nothing for `idleMs` milliseconds, counted from the call.
 * - `{ output }`: output printed after the call matches; with `includeScreen`, text already on
 *   the screen and in the scrollback counts too. The pattern runs against plain text (escape
 *   sequences removed, "\r\n" and a lone "\r" as "\n") of the last 32 KiB of output; a
 *   string is a pattern's source, compiled with `flags` (`g` and `y` are ignored).
 */
export type WaitCondition =
  | { readonly exit: true }
  | { readonly idleMs: number }
  | { readonly output: RegExp | string; readonly flags?: string; readonly includeScreen?: boolean };

export interface WaitOptions {
  /** Reject with kind 'timeout' after this many milliseconds; no limit when absent. */
  readonly timeoutMs?: number;
  /** How many of the screen's last lines the result carries; 20 when absent. */
  readonly lastLines?: number;
}

export interface WaitResult {
  /** Which condition was met. */
  readonly reason: 'exit' | 'idle' | 'output';
  readonly state: 'running' | 'exited';
  /** Set once the process has ended (undefined if the session host went away with it). */
  readonly exitCode: number | undefined;
  readonly signal: number | undefined;
  /** The text the pattern matched, for `{ output }`. */
  readonly matched: string | undefined;
  /** The last lines of the screen when the condition was met (plain text, as in ScreenText). */
  readonly lastLines: string[];
}

export interface SessionStateChange {
  /** 'created': a session appeared (its process runs); 'exited': its process ended; 'closed': it is gone. */
  readonly change: 'created' | 'exited' | 'closed';
  readonly milestoneId: string;
  readonly sessionId: string;
  readonly state: 'running' | 'exited';
  readonly exitCode: number | undefined;
  readonly signal: number | undefined;
}

export interface AttentionChange {
  readonly milestoneId: string;
  readonly sessionId: string;
  /** `message` is the program's own text (controls and bidi characters removed, at most 200 characters). */
  readonly attention: { readonly reason: 'bell' | 'notification' | 'exit'; readonly message?: string; readonly at: number } | undefined;
}

/**
 * The `kind` of an error the API rejects with. Starting a process (restart) can also fail with
 * the kinds of the session core, such as 'cwd-not-found', 'command-not-found' or 'too-many-sessions'.
 */
export type ApiErrorKind =
  | 'invalid-argument'
  | 'invalid-milestone-id'
  | 'no-session'
  | 'session-exited'
  | 'session-closed'
  | 'timeout'
  | 'unsupported-version';
