import { randomUUID } from 'node:crypto';
import type { SessionInfo, SignalName } from '../../shared/protocol';
import type { ScreenSnapshot, TerminalSession } from './api';
import { SessionSignals } from './attention';
import { DisposableBase, Emitter, toDisposable, type Disposable, type Event } from './lifecycle';
import { plainTextLines } from './plainText';
import { PtyProcess, type BaseEnvironment, type PtyExit, type PtySpawnOptions } from './ptyProcess';
import { DEFAULT_REPLAY_BUFFER_BYTES, ReplayBuffer } from './replayBuffer';

export type SessionState = 'running' | 'exited';

export interface SessionOptions extends PtySpawnOptions {
  readonly milestoneId: string;
  /** Shown in tabs and the tree; the milestone id when omitted. */
  readonly title?: string;
}

/** A plain, serialisable description of a session, for lists and other processes. */
export interface SessionSnapshot extends SessionInfo {
  readonly createdAt: number;
  readonly lastActivity: number;
  readonly attachedViews: number;
  readonly replayBytes: number;
  readonly cwd: string | undefined;
  readonly command: string;
}

/**
 * A milestone's process and the output it has produced. Views come and go
 * (`attach`); the session keeps the replay so a new view can show the screen.
 */
export class Session extends DisposableBase implements TerminalSession {
  readonly id = randomUUID();
  readonly milestoneId: string;
  readonly title: string;
  readonly createdAt = Date.now();
  readonly replay: ReplayBuffer;

  private _lastActivity = this.createdAt;
  private _detachedSince: number | undefined = this.createdAt;
  private _attachedViews = 0;
  private _exit: PtyExit | undefined;
  private _exitedAt: number | undefined;
  /** Attention and activity, scanned from the output here, where it first arrives. */
  private readonly signals = this.register(new SessionSignals());

  private readonly _onData = this.register(new Emitter<string>());
  /** Output, in order, after it was added to the replay buffer. */
  readonly onData: Event<string> = this._onData.event;
  private readonly _onExit = this.register(new Emitter<PtyExit>());
  readonly onExit: Event<PtyExit> = this._onExit.event;
  private readonly _onDidChange = this.register(new Emitter<Session>());
  /** State, attachment count or exit changed (not fired for output: see onData). */
  readonly onDidChange: Event<Session> = this._onDidChange.event;

  constructor(
    readonly options: SessionOptions,
    private readonly pty: PtyProcess,
    replayBufferBytes: number = DEFAULT_REPLAY_BUFFER_BYTES,
  ) {
    super();
    this.milestoneId = options.milestoneId;
    this.title = options.title?.trim() || options.milestoneId;
    this.replay = new ReplayBuffer(replayBufferBytes);
    this.register(pty);
    this.register(
      pty.onData((data) => {
        this.replay.add(data);
        this._lastActivity = Date.now();
        this._onData.fire(data);
        this.signals.output(data);
      }),
    );
    this.register(this.signals.onDidChange(() => this._onDidChange.fire(this)));
    this.register(
      pty.onExit((exit) => {
        this._exit = exit;
        this._exitedAt = Date.now();
        this._lastActivity = this._exitedAt;
        this._onExit.fire(exit);
        // Fires its own change only if nobody was watching; the one below covers the exit.
        this.signals.exited(this._attachedViews > 0);
        this._onDidChange.fire(this);
      }),
    );
  }

  get pid(): number {
    return this.pty.pid;
  }

  get state(): SessionState {
    return this._exit ? 'exited' : 'running';
  }

  get exitCode(): number | undefined {
    return this._exit?.exitCode;
  }

  get exitSignal(): number | undefined {
    return this._exit?.signal;
  }

  get exit(): PtyExit | undefined {
    return this._exit;
  }

  get exitedAt(): number | undefined {
    return this._exitedAt;
  }

  get lastActivity(): number {
    return this._lastActivity;
  }

  get attachedViews(): number {
    return this._attachedViews;
  }

  /** Since when nobody has been looking; undefined while a view is attached. */
  get detachedSince(): number | undefined {
    return this._detachedSince;
  }

  get cols(): number {
    return this.pty.cols;
  }

  get rows(): number {
    return this.pty.rows;
  }

  /** Counts a view as watching until the returned disposable is disposed. */
  attach(): Disposable {
    this._attachedViews++;
    this._detachedSince = undefined;
    this._onDidChange.fire(this);
    return toDisposable(() => {
      this._attachedViews--;
      if (this._attachedViews === 0) {
        this._detachedSince = Date.now();
      }
      if (!this.isDisposed) {
        this._onDidChange.fire(this);
      }
    });
  }

  /** The raw output kept, with the size it is shown at now. */
  screen(): Promise<ScreenSnapshot> {
    return Promise.resolve({ data: this.replay.getReplay(), size: { cols: this.pty.cols, rows: this.pty.rows } });
  }

  /** Only the replay is kept here, not a parsed screen: its text with line ends, without cursor movements applied. */
  screenText(): Promise<string[]> {
    return Promise.resolve(plainTextLines(this.replay.getReplay()));
  }

  /** In process every output chunk reaches onData anyway. */
  watchOutput(): Disposable {
    return toDisposable(() => undefined);
  }

  clearReplay(): void {
    this.replay.clear();
  }

  clearAttention(): void {
    this.signals.clear();
  }

  touch(): void {
    this._lastActivity = Date.now();
  }

  write(data: string): void {
    this.pty.write(data);
    this.touch();
  }

  resize(cols: number, rows: number): void {
    this.pty.resize(cols, rows);
  }

  signal(name: SignalName): void {
    this.pty.signal(name);
    this.touch();
  }

  pause(): void {
    this.pty.pause();
  }

  resume(): void {
    this.pty.resume();
  }

  whenExited(): Promise<PtyExit> {
    return this.pty.whenExited();
  }

  /** Ends the process (and its whole session of processes) and releases everything. */
  async close(graceMs?: number): Promise<PtyExit> {
    const exit = await this.pty.close(graceMs);
    this.dispose();
    return exit;
  }

  info(): SessionInfo {
    return {
      sessionId: this.id,
      milestoneId: this.milestoneId,
      title: this.title,
      pid: this.pid,
      state: this.state,
      exitCode: this.exitCode,
      exitSignal: this.exitSignal,
      exitedAt: this._exitedAt,
      attention: this.signals.attention,
      activity: this.signals.activity,
      lastOutputAt: this.signals.lastOutputAt,
    };
  }

  currentSnapshot(): Promise<SessionSnapshot> {
    return Promise.resolve(this.snapshot());
  }

  snapshot(): SessionSnapshot {
    return {
      ...this.info(),
      createdAt: this.createdAt,
      lastActivity: this._lastActivity,
      attachedViews: this._attachedViews,
      replayBytes: this.replay.byteLength,
      cwd: this.options.cwd,
      command: this.pty.file,
    };
  }
}

/** `base`: the environment of the window that asked (see BaseEnvironment); kept out of `options`, which every window is shown. */
export async function startSession(options: SessionOptions, replayBufferBytes?: number, base?: BaseEnvironment): Promise<Session> {
  const pty = await PtyProcess.spawn(options, base);
  return new Session(options, pty, replayBufferBytes);
}
