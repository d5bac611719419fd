import * as net from 'node:net';
import {
  DisposableBase,
  Emitter,
  MutableDisposable,
  disposableTimeout,
  normalizeMilestoneId,
  requireSession,
  toDisposable,
  type Event,
  type SessionOptions,
  type SessionSettings,
  type SessionSnapshot,
  type TerminalSession,
  type TerminalSessionChange,
  type TerminalSessionManager,
} from '../../sessions';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameError, FrameKind, decodeDataPayload, encodeDataFrame, encodeJsonFrame, type Frame } from '../protocol/frames';
import { HostError } from '../hostErrors';
import {
  MessageError,
  PROTOCOL_VERSION,
  WINDOW_SOCKET_VARIABLES,
  parseHostMessage,
  parseReject,
  type ClientMessage,
  type HostMessage,
  type HostRequest,
  type HostResults,
  type RejectMessage,
  type SessionEventMessage,
  type WireEnvironment,
  type WireSession,
} from '../protocol/messages';
import { HostHeartbeat } from './hostHeartbeat';
import { DEFAULT_REQUEST_TIMEOUT_MS, PendingRequests } from './pendingRequests';
import { RemoteSession, type HostChannel } from './remoteSession';
import { resultFromWire } from './wireErrors';

const HANDSHAKE_TIMEOUT_MS = 5_000;

/** Why the connection to the host ended. */
export interface HostDisconnect {
  readonly reason: string;
  /** Set when the host turned this client away. */
  readonly reject?: RejectMessage;
}

export interface SessionHostClientOptions {
  /** Told to the host for its log. */
  readonly clientVersion?: string;
  /** Where failures of fire-and-forget requests (resize, signal, ...) and late answers are reported. */
  readonly log?: (message: string) => void;
  readonly maxFrameBytes?: number;
  /** How long a request waits for its answer; defaults to DEFAULT_REQUEST_TIMEOUT_MS. */
  readonly requestTimeoutMs?: number;
  /**
   * This window's environment, read at each create and attach: sessions start from it
   * and their per-window sockets follow it. This process's environment by default.
   */
  readonly environment?: () => NodeJS.ProcessEnv;
}

/**
 * The session manager API, served by the session host over its socket. Getters are
 * synchronous: the client keeps every session's state current from host events.
 */
export class SessionHostClient extends DisposableBase implements TerminalSessionManager, HostChannel {
  private readonly decoder: FrameDecoder;
  private readonly requests: PendingRequests;
  private readonly sessions = new Map<string, RemoteSession>();
  private readonly byHandle = new Map<number, RemoteSession>();
  private readonly queue: Frame[] = [];
  private draining = false;
  private readonly scheduledDrain = this.register(new MutableDisposable());
  private readonly handshakeTimeout = this.register(new MutableDisposable());
  private welcome: { resolve: (pid: number) => void; reject: (error: Error) => void } | undefined;
  /** Watches for silence from the host, at the cadence its welcome announced. */
  private readonly heartbeat = this.register(new MutableDisposable<HostHeartbeat>());
  private closedReason: HostDisconnect | undefined;
  private _hostPid = 0;

  private readonly _onDidChangeSessions = this.register(new Emitter<TerminalSessionChange>());
  readonly onDidChangeSessions: Event<TerminalSessionChange> = this._onDidChangeSessions.event;
  private readonly _onDidDisconnect = this.register(new Emitter<HostDisconnect>());
  /** The host died or the socket closed (not fired for dispose()). Sessions then report 'exited'. */
  readonly onDidDisconnect: Event<HostDisconnect> = this._onDidDisconnect.event;
  private readonly _onDidBecomeUnresponsive = this.register(new Emitter<void>());
  /** The host is connected but has sent nothing for several heartbeat intervals (stopped, or hung). */
  readonly onDidBecomeUnresponsive: Event<void> = this._onDidBecomeUnresponsive.event;
  private readonly _onDidBecomeResponsive = this.register(new Emitter<void>());
  /** The host that was unresponsive is heard from again. */
  readonly onDidBecomeResponsive: Event<void> = this._onDidBecomeResponsive.event;

  /** Connects, authenticates and loads the host's sessions. Fails with a HostError. */
  static async connect(socketPath: string, token: string, options: SessionHostClientOptions = {}): Promise<SessionHostClient> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const candidate = net.createConnection(socketPath);
      candidate.once('connect', () => {
        candidate.off('error', reject);
        resolve(candidate);
      });
      candidate.once('error', (error: NodeJS.ErrnoException) => {
        reject(new HostError('no-host', `No session host answers at ${socketPath} (${error.code ?? error.message}).`));
      });
    });
    const client = new SessionHostClient(socket, options);
    try {
      await client.handshake(token, options.clientVersion ?? 'unknown');
      const { sessions } = await client.request({ method: 'list' });
      for (const wire of sessions) {
        client.upsert(wire);
      }
    } catch (error) {
      client.dispose();
      throw error;
    }
    return client;
  }

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: SessionHostClientOptions,
  ) {
    super();
    this.decoder = new FrameDecoder(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.requests = this.register(new PendingRequests(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, (message) => options.log?.(message)));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => {
      // Reported through 'close', which always follows.
    });
    socket.on('close', () => this.disconnect({ reason: 'The connection to the session host closed.' }));
  }

  get connected(): boolean {
    return this.closedReason === undefined;
  }

  get hostPid(): number {
    return this._hostPid;
  }

  /** False while the host is connected but silent; see onDidBecomeUnresponsive. */
  get responsive(): boolean {
    return this.heartbeat.value?.responsive ?? true;
  }

  private handshake(token: string, clientVersion: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.handshakeTimeout.value = disposableTimeout(() => {
        reject(new HostError('no-host', `The session host did not answer the handshake within ${HANDSHAKE_TIMEOUT_MS} ms.`));
      }, HANDSHAKE_TIMEOUT_MS);
      this.welcome = {
        resolve: (pid) => {
          this.handshakeTimeout.clear();
          this._hostPid = pid;
          resolve();
        },
        reject: (error) => {
          this.handshakeTimeout.clear();
          reject(error);
        },
      };
      this.sendMessage({ type: 'hello', token, protocolVersion: PROTOCOL_VERSION, clientVersion });
    });
  }

  // ---- TerminalSessionManager ----

  async configure(settings: SessionSettings): Promise<void> {
    await this.request({ method: 'configure', settings });
  }

  async create(options: SessionOptions): Promise<TerminalSession> {
    const { session } = await this.request({ method: 'create', options, environment: this.windowEnvironment() });
    return this.upsert(session);
  }

  get(sessionId: string): TerminalSession | undefined {
    return this.sessions.get(sessionId);
  }

  getOrThrow(sessionId: string): TerminalSession {
    return requireSession(this.sessions.get(sessionId), sessionId);
  }

  getByMilestone(milestoneId: string): TerminalSession | undefined {
    const id = normalizeMilestoneId(milestoneId);
    for (const session of this.sessions.values()) {
      if (session.milestoneId === id) {
        return session;
      }
    }
    return undefined;
  }

  async getOrCreate(options: SessionOptions): Promise<{ readonly session: TerminalSession; readonly created: boolean }> {
    const { session, created } = await this.request({ method: 'getOrCreate', options, environment: this.windowEnvironment() });
    return { session: this.upsert(session), created };
  }

  async close(sessionId: string): Promise<boolean> {
    return (await this.request({ method: 'close', sessionId })).closed;
  }

  list(): SessionSnapshot[] {
    return this.all().map((session) => session.snapshot());
  }

  all(): TerminalSession[] {
    return [...this.sessions.values()];
  }

  // ---- sending ----

  /** This window's variables (`names` only, when given), as the host takes them. */
  private windowEnvironment(names?: readonly string[]): WireEnvironment {
    const source = this.options.environment?.() ?? process.env;
    const environment: Record<string, string> = {};
    for (const name of names ?? Object.keys(source)) {
      const value = source[name];
      if (value !== undefined) {
        environment[name] = value;
      }
    }
    return environment;
  }

  windowSockets(): WireEnvironment {
    return this.windowEnvironment(WINDOW_SOCKET_VARIABLES);
  }

  /** Fails with a HostError when the host is gone or does not answer within the request timeout. */
  request<R extends HostRequest>(request: R): Promise<HostResults[R['method']]> {
    if (this.closedReason) {
      return Promise.reject(new HostError('disconnected', `The session host is not connected: ${this.closedReason.reason}`));
    }
    const result = this.requests.add(request.method, (id) => this.sendMessage({ type: 'request', id, request }));
    return result as Promise<HostResults[R['method']]>;
  }

  /** Fire and forget: failures are only logged (the in-process API has no way to report them either). */
  notify(request: HostRequest): void {
    if (this.closedReason) {
      return;
    }
    this.request(request).catch((error: Error) => this.options.log?.(`${request.method} failed: ${error.message}`));
  }

  sendInput(handle: number, data: string): void {
    if (!this.closedReason) {
      this.socket.write(encodeDataFrame(FrameKind.Input, handle, data));
    }
  }

  private sendMessage(message: ClientMessage): void {
    this.socket.write(encodeJsonFrame(FrameKind.Control, message));
  }

  // ---- receiving ----

  private receive(chunk: Buffer): void {
    this.heartbeat.value?.heard();
    try {
      this.queue.push(...this.decoder.push(chunk));
    } catch (error) {
      if (error instanceof FrameError) {
        this.protocolFailure(`The session host sent a bad frame: ${error.message}`);
        return;
      }
      throw error;
    }
    this.drain();
  }

  /**
   * Handles queued frames in order. After a screen response the rest waits for a
   * later turn of the event loop, so whoever awaits the screen writes it before
   * onData delivers what follows it.
   */
  private drain(): void {
    if (this.draining || this.scheduledDrain.value) {
      return;
    }
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closedReason) {
        const frame = this.queue.shift() as Frame;
        if (this.handleFrame(frame)) {
          const immediate = setImmediate(() => {
            this.scheduledDrain.clear();
            this.drain();
          });
          this.scheduledDrain.value = toDisposable(() => clearImmediate(immediate));
          return;
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Returns true when the frame answered a screen request. */
  private handleFrame(frame: Frame): boolean {
    switch (frame.kind) {
      case FrameKind.Output: {
        const { handle, data } = decodeDataPayload(frame.payload);
        this.byHandle.get(handle)?.receiveOutput(data);
        return false;
      }
      case FrameKind.Control: {
        let message: HostMessage;
        try {
          message = parseHostMessage(frame.payload);
        } catch (error) {
          if (error instanceof MessageError) {
            this.protocolFailure(`The session host sent a bad message: ${error.message}`);
            return false;
          }
          throw error;
        }
        return this.handleMessage(message);
      }
      case FrameKind.Reject: {
        let reject: RejectMessage | undefined;
        try {
          reject = parseReject(frame.payload);
        } catch {
          // An unreadable reason is still a rejection.
        }
        const reason = `The session host refused the connection${reject ? ` (${reject.reason}): ${reject.message}` : '.'}`;
        this.welcome?.reject(new HostError('rejected', reason));
        this.disconnect({ reason, reject });
        return false;
      }
      case FrameKind.Input:
        this.protocolFailure('The session host sent an input frame.');
        return false;
    }
  }

  private handleMessage(message: HostMessage): boolean {
    switch (message.type) {
      case 'welcome':
        if (message.protocolVersion !== PROTOCOL_VERSION) {
          this.protocolFailure(`The session host speaks protocol ${message.protocolVersion}, this client ${PROTOCOL_VERSION}.`);
          return false;
        }
        this.watchHeartbeat(message.heartbeatIntervalMs);
        this.welcome?.resolve(message.hostPid);
        this.welcome = undefined;
        return false;
      case 'heartbeat':
        return false; // its arrival was noted in receive()
      case 'response': {
        const method = this.requests.settle(message.id, (method) => resultFromWire(method, message));
        return method === 'screen' && message.ok;
      }
      case 'event':
        this.handleEvent(message);
        return false;
    }
  }

  private watchHeartbeat(intervalMs: number): void {
    const heartbeat = new HostHeartbeat(intervalMs, (message) => this.options.log?.(message));
    // These subscriptions end with the heartbeat's emitters, when it is replaced or disposed.
    heartbeat.onDidBecomeUnresponsive(() => this._onDidBecomeUnresponsive.fire());
    heartbeat.onDidBecomeResponsive(() => this._onDidBecomeResponsive.fire());
    this.heartbeat.value = heartbeat;
  }

  private handleEvent(message: SessionEventMessage): void {
    const wire = message.session;
    switch (message.event) {
      case 'created':
        this.upsert(wire);
        break;
      case 'changed': {
        const session = this.upsert(wire);
        session.fireChange();
        this._onDidChangeSessions.fire({ kind: 'changed', session });
        break;
      }
      case 'exit':
        this.upsert(wire).fireExit();
        break;
      case 'closed': {
        const session = this.sessions.get(wire.sessionId);
        if (session) {
          session.update(wire);
          this.forget(session);
        }
        break;
      }
    }
  }

  // ---- the registry of sessions ----

  /** The proxy for `wire`, created (and announced) on first sight, updated otherwise. */
  private upsert(wire: WireSession): RemoteSession {
    const existing = this.sessions.get(wire.sessionId);
    if (existing) {
      existing.update(wire);
      return existing;
    }
    const session = new RemoteSession(this, wire);
    this.sessions.set(session.id, session);
    this.byHandle.set(session.handle, session);
    this._onDidChangeSessions.fire({ kind: 'created', session });
    return session;
  }

  private forget(session: RemoteSession): void {
    this.sessions.delete(session.id);
    this.byHandle.delete(session.handle);
    this._onDidChangeSessions.fire({ kind: 'closed', session });
    session.dispose();
  }

  // ---- ending ----

  private protocolFailure(reason: string): void {
    this.options.log?.(reason);
    this.disconnect({ reason });
  }

  private disconnect(why: HostDisconnect): void {
    if (this.closedReason) {
      return;
    }
    this.closedReason = why;
    // Gone is not hung: no word about responsiveness after this.
    this.heartbeat.clear();
    this.socket.destroy();
    this.queue.length = 0;
    this.scheduledDrain.clear();
    const error = new HostError('disconnected', why.reason);
    this.welcome?.reject(error);
    this.welcome = undefined;
    this.requests.rejectAll(error);
    for (const session of this.sessions.values()) {
      session.markDisconnected();
    }
    if (!this.isDisposed) {
      this._onDidDisconnect.fire(why);
    }
  }

  /** Leaves the host and its sessions running; only this window lets go. */
  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    super.dispose();
    this.disconnect({ reason: 'The client was disposed.' });
    for (const session of this.sessions.values()) {
      session.dispose();
    }
  }
}
