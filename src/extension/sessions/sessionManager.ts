import { DEFAULT_MAX_SESSIONS, type SessionSettings, type TerminalSessionManager } from './api';
import { SessionError, requireSession } from './errors';
import { DisposableBase, Emitter, MutableDisposable, disposableInterval, type Disposable, type Event } from './lifecycle';
import { normalizeMilestoneId } from './milestoneId';
import { DEFAULT_CLOSE_GRACE_MS, type BaseEnvironment, type PtySpawnOptions } from './ptyProcess';
import { DEFAULT_REPLAY_BUFFER_BYTES } from './replayBuffer';
import { startSession, type Session, type SessionOptions, type SessionSnapshot } from './session';

/** The seed's timeout: 5 minutes. */
export const DEFAULT_DETACHED_TIMEOUT_MS = 5 * 60 * 1000;

export interface SessionManagerOptions {
  /**
   * How long a session may sit with no attached view and no activity before it is
   * closed; 0 keeps sessions until they are closed explicitly.
   */
  readonly detachedTimeoutMs?: number;
  readonly replayBufferBytes?: number;
  /** Creating more sessions than this fails with 'too-many-sessions'. */
  readonly maxSessions?: number;
  /** How often expired sessions are looked for; derived from the timeout when omitted. */
  readonly cleanupIntervalMs?: number;
  readonly closeGraceMs?: number;
  /** Spawn options every session starts from (shell, cwd, env), overridden per session. */
  readonly defaults?: PtySpawnOptions;
}

export type SessionChangeKind = 'created' | 'changed' | 'closed';

export interface SessionChange {
  readonly kind: SessionChangeKind;
  readonly session: Session;
}

/** Per start: what the window asking for the session chose, over the manager's settings. */
/** What the window that starts a session chooses for it alone. */
export interface StartSettings {
  readonly replayBufferBytes?: number;
  /** The environment the process starts from (the window's, not this process's): see startSession. */
  readonly base?: BaseEnvironment;
}

export interface GetOrCreateResult {
  readonly session: Session;
  readonly created: boolean;
}

/**
 * All sessions of this process, at most one live session per milestone.
 *
 * Expiry differs from the seed on purpose: a session that somebody is watching
 * never expires however quiet it is, and an unwatched one that still produces
 * output (an agent at work) is kept; only a session that is both unwatched and
 * silent for the timeout is closed.
 */
export class SessionManager extends DisposableBase implements TerminalSessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly byMilestone = new Map<string, Session>();
  /** Starts in flight, so concurrent get-or-create calls share one process. */
  private readonly starting = new Map<string, Promise<Session>>();
  /** Each known session's change listener, dropped when the session is forgotten. */
  private readonly sessionListeners = new Map<Session, Disposable>();

  private readonly _onDidChangeSessions = this.register(new Emitter<SessionChange>());
  readonly onDidChangeSessions: Event<SessionChange> = this._onDidChangeSessions.event;

  private settings: SessionSettings;
  private readonly closeGraceMs: number;
  /** Looks for expired sessions; empty while sessions are kept until closed. */
  private readonly cleanup = this.register(new MutableDisposable());

  constructor(private readonly options: SessionManagerOptions = {}) {
    super();
    this.closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
    this.settings = this.apply({
      detachedTimeoutMs: options.detachedTimeoutMs ?? DEFAULT_DETACHED_TIMEOUT_MS,
      replayBufferBytes: options.replayBufferBytes ?? DEFAULT_REPLAY_BUFFER_BYTES,
      maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
    });
  }

  get detachedTimeoutMs(): number {
    return this.settings.detachedTimeoutMs;
  }

  get replayBufferBytes(): number {
    return this.settings.replayBufferBytes;
  }

  /** The user changed the settings: the timeout holds for every session from now on, the buffer size for new ones. */
  async configure(settings: SessionSettings): Promise<void> {
    this.assertUsable();
    this.settings = this.apply(settings);
  }

  private apply(settings: SessionSettings): SessionSettings {
    const { detachedTimeoutMs } = settings;
    if (!Number.isFinite(detachedTimeoutMs) || detachedTimeoutMs < 0) {
      throw new SessionError('invalid-argument', `The detached timeout must be 0 or more milliseconds, got ${detachedTimeoutMs}.`);
    }
    const maxSessions = settings.maxSessions ?? this.settings?.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if (!Number.isInteger(maxSessions) || maxSessions < 1) {
      throw new SessionError('invalid-argument', `The session cap must be a whole number of 1 or more, got ${maxSessions}.`);
    }
    this.cleanup.clear();
    if (detachedTimeoutMs > 0) {
      const interval = this.options.cleanupIntervalMs ?? Math.min(30_000, Math.max(1_000, detachedTimeoutMs / 5));
      this.cleanup.value = disposableInterval(() => void this.cleanupExpired(), interval, { keepsProcessAlive: false });
    }
    return { detachedTimeoutMs, replayBufferBytes: settings.replayBufferBytes, maxSessions };
  }

  /** Starts a session for a milestone that has no live one. */
  async create(options: SessionOptions, startSettings: StartSettings = {}): Promise<Session> {
    this.assertUsable();
    const milestoneId = normalizeMilestoneId(options.milestoneId);
    if (this.liveSessionFor(milestoneId) || this.starting.has(milestoneId)) {
      throw new SessionError('invalid-argument', `Milestone "${milestoneId}" already has a running session.`);
    }
    return this.start({ ...options, milestoneId }, startSettings);
  }

  get(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  /** Like `get`, for callers that hold an id they expect to be valid. */
  getOrThrow(sessionId: string): Session {
    return requireSession(this.sessions.get(sessionId), sessionId);
  }

  /** The milestone's session, running or exited (an exited one keeps its output until closed). */
  getByMilestone(milestoneId: string): Session | undefined {
    return this.byMilestone.get(normalizeMilestoneId(milestoneId));
  }

  /**
   * The milestone's running session, or a new one. An exited session is replaced.
   * Concurrent calls for one milestone get the same session.
   */
  async getOrCreate(options: SessionOptions, startSettings: StartSettings = {}): Promise<GetOrCreateResult> {
    this.assertUsable();
    const milestoneId = normalizeMilestoneId(options.milestoneId);
    const live = this.liveSessionFor(milestoneId);
    if (live) {
      return { session: live, created: false };
    }
    const pending = this.starting.get(milestoneId);
    if (pending) {
      return { session: await pending, created: false };
    }
    return { session: await this.start({ ...options, milestoneId }, startSettings), created: true };
  }

  /** Ends the session's processes and forgets it. False when the id is unknown. */
  async close(sessionId: string): Promise<boolean> {
    const session = this.sessions.get(sessionId);
    if (!session) {
      return false;
    }
    this.forget(session);
    await session.close(this.closeGraceMs);
    return true;
  }

  list(): SessionSnapshot[] {
    return [...this.sessions.values()].map((session) => session.snapshot());
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  isExpired(session: Session, now = Date.now()): boolean {
    const detachedSince = session.detachedSince;
    if (this.detachedTimeoutMs === 0 || detachedSince === undefined) {
      return false;
    }
    return now - Math.max(detachedSince, session.lastActivity) > this.detachedTimeoutMs;
  }

  /** Closes every expired session; resolves with how many were closed. */
  async cleanupExpired(now = Date.now()): Promise<number> {
    const expired = this.all().filter((session) => this.isExpired(session, now));
    await Promise.all(expired.map((session) => this.close(session.id)));
    return expired.length;
  }

  /** Closes every session and waits until their processes are gone. */
  async closeAll(): Promise<void> {
    await Promise.all(this.all().map((session) => this.close(session.id)));
  }

  override dispose(): void {
    void this.closeAll();
    super.dispose();
  }

  private liveSessionFor(milestoneId: string): Session | undefined {
    const session = this.byMilestone.get(milestoneId);
    return session?.state === 'running' ? session : undefined;
  }

  private async start(options: SessionOptions, startSettings: StartSettings): Promise<Session> {
    const milestoneId = options.milestoneId;
    const merged: SessionOptions = {
      ...this.options.defaults,
      ...options,
      env: { ...this.options.defaults?.env, ...options.env },
    };
    this.assertRoomForOneMore(milestoneId);
    const starting = startSession(merged, startSettings.replayBufferBytes ?? this.replayBufferBytes, startSettings.base);
    this.starting.set(milestoneId, starting);
    let session: Session;
    try {
      session = await starting;
    } finally {
      this.starting.delete(milestoneId);
    }
    if (this.isDisposed) {
      await session.close(this.closeGraceMs);
      throw new SessionError('manager-disposed', 'The session manager was disposed while the session started.');
    }
    const previous = this.byMilestone.get(milestoneId);
    if (previous) {
      // Only an exited session can be here (live ones are reused); its output goes with it.
      this.forget(previous);
      previous.dispose();
    }
    this.sessions.set(session.id, session);
    this.byMilestone.set(milestoneId, session);
    this.sessionListeners.set(session, session.onDidChange(() => this._onDidChangeSessions.fire({ kind: 'changed', session })));
    this._onDidChangeSessions.fire({ kind: 'created', session });
    return session;
  }

  private forget(session: Session): void {
    if (!this.sessions.delete(session.id)) {
      return;
    }
    // A closing session still reports its exit; listeners already saw it go.
    this.sessionListeners.get(session)?.dispose();
    this.sessionListeners.delete(session);
    if (this.byMilestone.get(session.milestoneId) === session) {
      this.byMilestone.delete(session.milestoneId);
    }
    this._onDidChangeSessions.fire({ kind: 'closed', session });
  }

  /** Every session holds file descriptors and a PTY of the machine: past the cap, a clear error instead of exhausting them. */
  private assertRoomForOneMore(milestoneId: string): void {
    const max = this.settings.maxSessions ?? DEFAULT_MAX_SESSIONS;
    // An exited session of the same milestone is replaced by the new one.
    const replaced = this.byMilestone.has(milestoneId) ? 1 : 0;
    if (this.sessions.size - replaced + this.starting.size >= max) {
      throw new SessionError(
        'too-many-sessions',
        `There are already ${max} sessions, the most allowed (setting milestoneTerminals.maxSessions). Close a session to start another.`,
      );
    }
  }

  private assertUsable(): void {
    if (this.isDisposed) {
      throw new SessionError('manager-disposed', 'The session manager has been disposed.');
    }
  }
}

let current: SessionManager | undefined;

/** The process-wide manager, created on first use with `options`. */
export function getSessionManager(options?: SessionManagerOptions): SessionManager {
  current ??= new SessionManager(options);
  return current;
}

/** Closes every session of the process-wide manager and forgets it (tests, deactivate). */
export async function resetSessionManager(): Promise<void> {
  const manager = current;
  current = undefined;
  if (manager) {
    await manager.closeAll();
    manager.dispose();
  }
}
