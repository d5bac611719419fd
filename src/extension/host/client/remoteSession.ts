import { splitInput } from '../../../shared/input';
import type { SessionInfo, SignalName } from '../../../shared/protocol';
import {
  DisposableBase,
  Emitter,
  MutableDisposable,
  SessionError,
  disposableInterval,
  toDisposable,
  validateSize,
  type Disposable,
  type Event,
  type PtyExit,
  type ScreenSnapshot,
  type SessionOptions,
  type SessionSnapshot,
  type SessionState,
  type TerminalSession,
} from '../../sessions';
import { PAUSE_LEASE_MS, type HostRequest, type HostResults, type WireEnvironment, type WireSession } from '../protocol/messages';

/** Input is sent in pieces this long (UTF-16 units, at most 3 UTF-8 bytes each): far below the frame limit. */
const MAX_INPUT_CHARS_PER_FRAME = 256 * 1024;

/** What a session needs of the connection to its host. */
export interface HostChannel {
  request<R extends HostRequest>(request: R): Promise<HostResults[R['method']]>;
  /** Fire and forget: failures are logged. */
  notify(request: HostRequest): void;
  sendInput(handle: number, data: string): void;
  /** This window's per-window sockets (WINDOW_SOCKET_VARIABLES), which a session it shows should reach. */
  windowSockets(): WireEnvironment;
}

/** A session that lives in the session host, mirrored from the host's events. */
export class RemoteSession extends DisposableBase implements TerminalSession {
  private wire: WireSession;
  private disconnected = false;
  private screenInFlight: Promise<ScreenSnapshot> | undefined;
  /** While paused: repeats the pause before the host's lease on it runs out. */
  private readonly pauseRenewal = this.register(new MutableDisposable());

  private readonly _onData = this.register(new Emitter<string>());
  readonly onData: Event<string> = this._onData.event;
  private readonly _onExit = this.register(new Emitter<PtyExit>());
  readonly onExit: Event<PtyExit> = this._onExit.event;
  private readonly _onDidChange = this.register(new Emitter<TerminalSession>());
  readonly onDidChange: Event<TerminalSession> = this._onDidChange.event;

  constructor(
    private readonly host: HostChannel,
    wire: WireSession,
  ) {
    super();
    this.wire = wire;
  }

  get handle(): number {
    return this.wire.handle;
  }
  get id(): string {
    return this.wire.sessionId;
  }
  get milestoneId(): string {
    return this.wire.milestoneId;
  }
  get title(): string {
    return this.wire.title;
  }
  get options(): SessionOptions {
    return this.wire.options;
  }
  get createdAt(): number {
    return this.wire.createdAt;
  }
  get pid(): number {
    return this.wire.pid ?? 0;
  }
  /** After a disconnect nobody can reach the process any more: for the UI it has ended. */
  get state(): SessionState {
    return this.disconnected ? 'exited' : this.wire.state;
  }
  get exitCode(): number | undefined {
    return this.wire.exitCode;
  }
  get exitSignal(): number | undefined {
    return this.wire.exitSignal;
  }
  get exitedAt(): number | undefined {
    return this.wire.exitedAt;
  }
  get lastActivity(): number {
    return this.wire.lastActivity;
  }
  get attachedViews(): number {
    return this.wire.attachedViews;
  }

  /** Applies the host's latest description. */
  update(wire: WireSession): void {
    this.wire = wire;
  }

  /**
   * Every listener gets all output, also while a screen is in flight: output that
   * arrives before the screen response is in that screen (the host holds back what
   * is not), which is what TerminalSession.screen promises. Dropping it here
   * instead would starve the session's other views.
   */
  receiveOutput(data: string): void {
    this.wire = { ...this.wire, lastActivity: Date.now() };
    this._onData.fire(data);
  }

  fireExit(): void {
    this._onExit.fire({ exitCode: this.wire.exitCode ?? 0, signal: this.wire.exitSignal });
  }

  fireChange(): void {
    this._onDidChange.fire(this);
  }

  markDisconnected(): void {
    if (!this.disconnected) {
      this.disconnected = true;
      this.fireChange();
    }
  }

  attach(): Disposable {
    this.host.notify({ method: 'attach', sessionId: this.id, environment: this.host.windowSockets() });
    return toDisposable(() => this.host.notify({ method: 'detach', sessionId: this.id }));
  }

  /** Until disposed the host sends this window the session's output, as for a view, without counting one. */
  watchOutput(): Disposable {
    this.host.notify({ method: 'watchOutput', sessionId: this.id });
    return toDisposable(() => this.host.notify({ method: 'unwatchOutput', sessionId: this.id }));
  }

  write(data: string): void {
    if (this.state === 'exited') {
      throw new SessionError('session-exited', `Session ${this.id} has ended or its host is gone; input was not sent.`);
    }
    for (const piece of splitInput(data, MAX_INPUT_CHARS_PER_FRAME)) {
      this.host.sendInput(this.handle, piece);
    }
  }

  resize(cols: number, rows: number): void {
    validateSize(cols, rows);
    this.host.notify({ method: 'resize', sessionId: this.id, cols, rows });
  }

  signal(name: SignalName): void {
    this.host.notify({ method: 'signal', sessionId: this.id, signal: name });
  }

  pause(): void {
    this.host.notify({ method: 'pause', sessionId: this.id });
    // Renewed only while this process runs: if it hangs, the host lifts the pause by itself.
    this.pauseRenewal.value = disposableInterval(() => this.host.notify({ method: 'pause', sessionId: this.id }), PAUSE_LEASE_MS / 3);
  }

  resume(): void {
    this.pauseRenewal.clear();
    this.host.notify({ method: 'resume', sessionId: this.id });
  }

  /**
   * One request in flight per session, shared by concurrent callers: the host holds
   * this client's output from the request until the response, so everything received
   * before the response is in the screen. (Overlapping requests would each need
   * their own cut of the held output.)
   */
  screen(): Promise<ScreenSnapshot> {
    this.screenInFlight ??= this.host
      .request({ method: 'screen', sessionId: this.id })
      .then(({ screen, cols, rows }) => ({ data: screen, size: cols !== undefined && rows !== undefined ? { cols, rows } : undefined }))
      .finally(() => {
        this.screenInFlight = undefined;
      });
    return this.screenInFlight;
  }

  async screenText(): Promise<string[]> {
    return (await this.host.request({ method: 'screenText', sessionId: this.id })).lines;
  }

  clearReplay(): void {
    this.host.notify({ method: 'clearReplay', sessionId: this.id });
  }

  clearAttention(): void {
    if (this.wire.attention && !this.disconnected) {
      this.host.notify({ method: 'clearAttention', sessionId: this.id });
    }
  }

  info(): SessionInfo {
    return {
      sessionId: this.id,
      milestoneId: this.milestoneId,
      title: this.title,
      pid: this.wire.pid,
      state: this.state,
      exitCode: this.exitCode,
      exitSignal: this.exitSignal,
      exitedAt: this.exitedAt,
      attention: this.disconnected ? undefined : this.wire.attention,
      activity: this.disconnected ? 'idle' : this.wire.activity,
      lastOutputAt: this.wire.lastOutputAt,
    };
  }

  async currentSnapshot(): Promise<SessionSnapshot> {
    const { sessions } = await this.host.request({ method: 'list' });
    const wire = sessions.find((candidate) => candidate.sessionId === this.id);
    if (wire) {
      this.update(wire);
    }
    return this.snapshot();
  }

  snapshot(): SessionSnapshot {
    return {
      ...this.info(),
      createdAt: this.createdAt,
      lastActivity: this.lastActivity,
      attachedViews: this.attachedViews,
      replayBytes: this.wire.replayBytes,
      cwd: this.wire.cwd,
      command: this.wire.command,
    };
  }
}
