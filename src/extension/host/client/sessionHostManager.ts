import { connectToSessionHost } from './launcher';
import type { HostDisconnect, SessionHostClient } from './sessionHostClient';
import {
  DisposableBase,
  DisposableStore,
  Emitter,
  MutableDisposable,
  SessionError,
  requireSession,
  type Event,
  type SessionOptions,
  type SessionSettings,
  type SessionSnapshot,
  type TerminalSession,
  type TerminalSessionChange,
  type TerminalSessionManager,
} from '../../sessions';

export interface SessionHostManagerOptions {
  /** dist/sessionHost.js of this extension. */
  readonly hostScript: string;
  readonly clientVersion: string;
  /** This window's settings; a host already running takes them on when the window connects. */
  readonly settings: SessionSettings;
  readonly log: (message: string) => void;
}

/**
 * The extension host's session manager: a client of the session host process,
 * which keeps the PTYs alive across window reloads. When the host goes away (killed,
 * crashed) the next call that needs a session starts a new one; until then the
 * lists are empty and `onDidDisconnect` tells views to show their saved screens.
 */
export class SessionHostManager extends DisposableBase implements TerminalSessionManager {
  private client: SessionHostClient | undefined;
  private connecting: Promise<SessionHostClient> | undefined;
  /** The client and this manager's subscriptions to it, let go of together. */
  private readonly clientScope = this.register(new MutableDisposable<DisposableStore>());

  private readonly _onDidChangeSessions = this.register(new Emitter<TerminalSessionChange>());
  readonly onDidChangeSessions: Event<TerminalSessionChange> = this._onDidChangeSessions.event;
  private readonly _onDidDisconnect = this.register(new Emitter<HostDisconnect>());
  readonly onDidDisconnect: Event<HostDisconnect> = this._onDidDisconnect.event;
  private readonly _onDidBecomeUnresponsive = this.register(new Emitter<void>());
  /** The host is connected but silent (stopped, hung): views say so, and keep what they show. */
  readonly onDidBecomeUnresponsive: Event<void> = this._onDidBecomeUnresponsive.event;
  private readonly _onDidBecomeResponsive = this.register(new Emitter<void>());
  readonly onDidBecomeResponsive: Event<void> = this._onDidBecomeResponsive.event;

  private settings: SessionSettings;

  constructor(private readonly options: SessionHostManagerOptions) {
    super();
    this.settings = options.settings;
  }

  /** Connects (starting the host if needed); concurrent callers share one attempt. */
  connect(): Promise<SessionHostClient> {
    if (this.client?.connected) {
      return Promise.resolve(this.client);
    }
    this.connecting ??= connectToSessionHost({
      hostScript: this.options.hostScript,
      clientVersion: this.options.clientVersion,
      detachedTimeoutMs: this.settings.detachedTimeoutMs,
      replayBufferBytes: this.settings.replayBufferBytes,
      log: this.options.log,
    })
      .then((client) => this.adopt(client))
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  /** False while the connected host is silent; true without a host (that is a disconnect, not a hang). */
  get responsive(): boolean {
    return this.live()?.responsive ?? true;
  }

  /** New settings go to the host now, and to any host started later. */
  async configure(settings: SessionSettings): Promise<void> {
    this.settings = settings;
    await this.live()?.configure(settings);
  }

  async create(options: SessionOptions): Promise<TerminalSession> {
    return (await this.connect()).create(options);
  }

  async getOrCreate(options: SessionOptions): Promise<{ readonly session: TerminalSession; readonly created: boolean }> {
    return (await this.connect()).getOrCreate(options);
  }

  get(sessionId: string): TerminalSession | undefined {
    return this.live()?.get(sessionId);
  }

  getOrThrow(sessionId: string): TerminalSession {
    return requireSession(this.get(sessionId), sessionId);
  }

  getByMilestone(milestoneId: string): TerminalSession | undefined {
    return this.live()?.getByMilestone(milestoneId);
  }

  async close(sessionId: string): Promise<boolean> {
    return (await this.live()?.close(sessionId)) ?? false;
  }

  list(): SessionSnapshot[] {
    return this.live()?.list() ?? [];
  }

  all(): TerminalSession[] {
    return this.live()?.all() ?? [];
  }

  /** Leaves the host and its sessions running: a window reload comes back to them. */
  override dispose(): void {
    this.dropClient();
    super.dispose();
  }

  private live(): SessionHostClient | undefined {
    return this.client?.connected ? this.client : undefined;
  }

  private adopt(client: SessionHostClient): SessionHostClient {
    if (this.isDisposed) {
      client.dispose();
      throw new SessionError('manager-disposed', 'The extension is shutting down.');
    }
    this.dropClient();
    this.client = client;
    this.options.log(`Connected to the session host (pid ${client.hostPid}) with ${client.all().length} session(s).`);
    // A store disposes in reverse: the subscriptions end before the client does.
    const scope = new DisposableStore();
    scope.add(client);
    scope.add(client.onDidChangeSessions((change) => this._onDidChangeSessions.fire(change)));
    scope.add(
      client.onDidDisconnect((disconnect) => {
        this.options.log(`The session host connection ended: ${disconnect.reason}`);
        this._onDidDisconnect.fire(disconnect);
      }),
    );
    scope.add(
      client.onDidBecomeUnresponsive(() => {
        this.options.log(`The session host (pid ${client.hostPid}) is not responding.`);
        this._onDidBecomeUnresponsive.fire();
      }),
    );
    scope.add(client.onDidBecomeResponsive(() => this._onDidBecomeResponsive.fire()));
    this.clientScope.value = scope;
    for (const session of client.all()) {
      this._onDidChangeSessions.fire({ kind: 'created', session });
    }
    client.configure(this.settings).catch((error: Error) => this.options.log(`The session host kept its own settings: ${error.message}`));
    return client;
  }

  private dropClient(): void {
    this.clientScope.clear();
    this.client = undefined;
  }
}

let current: SessionHostManager | undefined;

/** The extension host's manager: one client of the session host per extension host. */
export function getSessionHostManager(options: SessionHostManagerOptions): SessionHostManager {
  current ??= new SessionHostManager(options);
  return current;
}

/** Drops the client (the host and its sessions keep running); tests and deactivate. */
export function resetSessionHostManager(): void {
  current?.dispose();
  current = undefined;
}
