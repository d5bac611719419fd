import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as net from 'node:net';
import { DisposableBase, Emitter, MutableDisposable, SessionManager, disposableInterval, disposableTimeout, isSessionError, type Event, type Session, type SessionChange } from '../../sessions';
import { HostError } from '../hostErrors';
import { defaultHostDirectory, ensurePrivateDirectory, hostPaths, type HostPaths } from '../hostPaths';
import { DEFAULT_MAX_FRAME_BYTES, FrameKind, decodeDataPayload, encodeJsonFrame, type Frame } from '../protocol/frames';
import {
  MessageError,
  MessageLimits,
  PROTOCOL_VERSION,
  parseHello,
  parseRequestMessage,
  type HostMessage,
  type HostRequest,
  type HostResults,
  type SessionEventKind,
  type WireError,
  type WireSession,
} from '../protocol/messages';
import { Connection } from './connection';
import { HostLock } from './hostLock';
import { HostLog, errorText } from './hostLog';
import { HostedSession } from './hostedSession';

export interface SessionHostServerOptions {
  /** The private directory; defaults to defaultHostDirectory(). */
  readonly directory?: string;
  readonly detachedTimeoutMs?: number;
  readonly replayBufferBytes?: number;
  readonly cleanupIntervalMs?: number;
  readonly closeGraceMs?: number;
  /** Shut down after this long with no session and no connection; 0 never does. */
  readonly idleShutdownMs?: number;
  /** A connection that has not said hello by then is dropped. */
  readonly helloTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  /** Output queued for one client that does not read; above it the client is dropped. */
  readonly maxClientBacklogBytes?: number;
  readonly hostVersion?: string;
  /** How often every client is sent a heartbeat. */
  readonly heartbeatIntervalMs?: number;
}

export const DEFAULT_IDLE_SHUTDOWN_MS = 5_000;
const DEFAULT_HELLO_TIMEOUT_MS = 5_000;
/** Rather than letting one stuck window grow the host without bound. */
const DEFAULT_MAX_CLIENT_BACKLOG_BYTES = 64 * 1024 * 1024;
/** Often enough that a window notices a stopped host within seconds; a beat costs a few bytes. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * The session host: owns the PTYs of every window, outlives any of them, and
 * serves them over a Unix socket in a private directory (see hostPaths.ts).
 * This class listens, authenticates and answers requests; a Connection owns each
 * client's socket and a HostedSession each session's mirror and pauses.
 */
export class SessionHostServer extends DisposableBase {
  readonly manager: SessionManager;
  readonly paths: HostPaths;
  private readonly server = net.createServer((socket) => this.accept(socket));
  private readonly connections = new Set<Connection>();
  private readonly hosted = new Map<string, HostedSession>();
  private readonly byHandle = new Map<number, HostedSession>();
  private nextHandle = 1;
  private nextConnectionId = 1;
  private token = Buffer.alloc(0);
  private log: HostLog | undefined;
  private lock: HostLock | undefined;
  private readonly idleTimer = this.register(new MutableDisposable());
  private readonly heartbeat = this.register(new MutableDisposable());
  private shuttingDown: Promise<void> | undefined;
  private readonly idleShutdownMs: number;
  private readonly helloTimeoutMs: number;
  private readonly maxFrameBytes: number;
  private readonly maxClientBacklogBytes: number;
  private readonly hostVersion: string;
  private readonly heartbeatIntervalMs: number;

  private readonly _onDidShutdown = this.register(new Emitter<void>());
  /** Fired once the host has shut down (idle, or asked to). */
  readonly onDidShutdown: Event<void> = this._onDidShutdown.event;

  /** Takes the directory's lock, writes a fresh token and listens. */
  static async start(options: SessionHostServerOptions = {}): Promise<SessionHostServer> {
    const server = new SessionHostServer(options);
    try {
      await server.listen();
    } catch (error) {
      await server.shutdown();
      throw error;
    }
    return server;
  }

  private constructor(options: SessionHostServerOptions) {
    super();
    this.paths = hostPaths(options.directory ?? defaultHostDirectory());
    this.idleShutdownMs = options.idleShutdownMs ?? DEFAULT_IDLE_SHUTDOWN_MS;
    this.helloTimeoutMs = options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxClientBacklogBytes = options.maxClientBacklogBytes ?? DEFAULT_MAX_CLIENT_BACKLOG_BYTES;
    this.hostVersion = options.hostVersion ?? 'unknown';
    // Within what a client accepts in the welcome, or no client could connect.
    this.heartbeatIntervalMs = Math.min(
      MessageLimits.maxHeartbeatIntervalMs,
      Math.max(MessageLimits.minHeartbeatIntervalMs, Math.round(options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS)),
    );
    this.manager = this.register(
      new SessionManager({
        detachedTimeoutMs: options.detachedTimeoutMs,
        replayBufferBytes: options.replayBufferBytes,
        cleanupIntervalMs: options.cleanupIntervalMs,
        closeGraceMs: options.closeGraceMs,
      }),
    );
    this.register(this.manager.onDidChangeSessions((change) => this.onSessionChange(change)));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private async listen(): Promise<void> {
    await ensurePrivateDirectory(this.paths.directory);
    this.log = await HostLog.open(this.paths.log);
    this.lock = await HostLock.acquire(this.paths);
    this.token = randomBytes(32);
    const temporary = `${this.paths.token}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await fsp.writeFile(temporary, this.token.toString('hex'), { mode: 0o600, flag: 'w' });
    await fsp.rename(temporary, this.paths.token);
    // The lock is ours, so a socket file left here belongs to a host that died.
    await fsp.rm(this.paths.socket, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.paths.socket, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    await fsp.chmod(this.paths.socket, 0o600);
    this.server.on('error', (error) => this.appendLog(`server error: ${error.message}`));
    this.appendLog(`listening on ${this.paths.socket} (pid ${process.pid}, protocol ${PROTOCOL_VERSION}, version ${this.hostVersion})`);
    this.heartbeat.value = disposableInterval(() => this.broadcast({ type: 'heartbeat' }), this.heartbeatIntervalMs);
    this.updateIdleTimer();
  }

  appendLog(line: string): void {
    this.log?.append(line);
  }

  // ---- sessions ----

  private onSessionChange(change: SessionChange): void {
    const { session } = change;
    switch (change.kind) {
      case 'created':
        this.host(session);
        this.appendLog(`session ${session.id} created for milestone ${JSON.stringify(session.milestoneId)}, pid ${session.pid}`);
        break;
      case 'changed':
        break;
      case 'closed':
        this.appendLog(`session ${session.id} closed`);
        break;
    }
    const hosted = this.hosted.get(session.id);
    if (hosted) {
      this.broadcastEvent(change.kind, hosted);
    }
    if (change.kind === 'closed') {
      this.unhost(session.id);
    }
    this.updateIdleTimer();
  }

  private host(session: Session): void {
    const hosted = new HostedSession(session, this.nextHandle++);
    hosted.onDidOutput((frame) => this.broadcastOutput(hosted, frame));
    hosted.onDidExit((exit) => {
      this.appendLog(`session ${session.id} exited with code ${exit.exitCode}${exit.signal ? `, signal ${exit.signal}` : ''}`);
      this.broadcastEvent('exit', hosted);
    });
    this.hosted.set(session.id, hosted);
    this.byHandle.set(hosted.handle, hosted);
  }

  private unhost(sessionId: string): void {
    const hosted = this.hosted.get(sessionId);
    if (!hosted) {
      return;
    }
    this.hosted.delete(sessionId);
    this.byHandle.delete(hosted.handle);
    hosted.dispose();
    for (const connection of this.connections) {
      connection.forget(sessionId);
    }
  }

  private wireOf(session: Session): WireSession {
    const hosted = this.hosted.get(session.id);
    if (!hosted) {
      throw new HostError('protocol', `Session ${session.id} is not hosted.`);
    }
    return hosted.toWire();
  }

  private hostedOrThrow(sessionId: string): HostedSession {
    const hosted = this.hosted.get(this.manager.getOrThrow(sessionId).id);
    if (!hosted) {
      throw new HostError('protocol', `Session ${sessionId} is not hosted.`);
    }
    return hosted;
  }

  private broadcastEvent(event: SessionEventKind, hosted: HostedSession): void {
    this.broadcast({ type: 'event', event, session: hosted.toWire() });
  }

  /** To every client that has authenticated; encoded once for all of them. */
  private broadcast(message: HostMessage): void {
    const frame = encodeJsonFrame(FrameKind.Control, message);
    for (const connection of this.connections) {
      if (connection.authenticated) {
        connection.send(frame);
      }
    }
  }

  private broadcastOutput(hosted: HostedSession, frame: Buffer): void {
    for (const connection of this.connections) {
      if (connection.authenticated) {
        connection.sendOutput(hosted.session.id, frame);
      }
    }
  }

  // ---- connections ----

  private accept(socket: net.Socket): void {
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    const connection = new Connection(this.nextConnectionId++, socket, {
      maxFrameBytes: this.maxFrameBytes,
      maxBacklogBytes: this.maxClientBacklogBytes,
      log: (line) => this.appendLog(line),
    });
    this.connections.add(connection);
    connection.onDidReceiveFrame((frame) => (connection.authenticated ? this.handleFrame(connection, frame) : this.handleHello(connection, frame)));
    connection.onDidClose(() => this.forgetConnection(connection));
    connection.expectHelloWithin(this.helloTimeoutMs);
    this.updateIdleTimer();
  }

  /** The client is gone: its pauses lift; its sessions live on. */
  private forgetConnection(connection: Connection): void {
    this.connections.delete(connection);
    for (const hosted of this.hosted.values()) {
      hosted.setPaused(connection, false);
    }
    this.updateIdleTimer();
  }

  private handleHello(connection: Connection, frame: Frame): void {
    if (frame.kind !== FrameKind.Control) {
      connection.reject('bad-hello', 'The first frame must be a hello control message.');
      return;
    }
    let hello;
    try {
      hello = parseHello(frame.payload);
    } catch (error) {
      if (error instanceof MessageError) {
        connection.reject('bad-hello', error.message);
        return;
      }
      throw error;
    }
    if (hello.protocolVersion !== PROTOCOL_VERSION) {
      connection.reject('protocol-version', `This host speaks protocol ${PROTOCOL_VERSION}, the client ${hello.protocolVersion}.`);
      return;
    }
    const token = Buffer.from(hello.token, 'utf8');
    const expected = Buffer.from(this.token.toString('hex'), 'utf8');
    if (token.length !== expected.length || !timingSafeEqual(token, expected)) {
      connection.reject('bad-token', 'Wrong authentication token.');
      return;
    }
    connection.markAuthenticated(hello.clientVersion);
    connection.sendMessage({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, hostVersion: this.hostVersion, hostPid: process.pid, heartbeatIntervalMs: this.heartbeatIntervalMs });
  }

  private handleFrame(connection: Connection, frame: Frame): void {
    switch (frame.kind) {
      case FrameKind.Control: {
        const parsed = parseRequestMessage(frame.payload);
        if ('error' in parsed) {
          if (parsed.id === undefined) {
            connection.reject('bad-message', parsed.error.message);
          } else {
            respondError(connection, parsed.id, { kind: 'bad-request', message: parsed.error.message });
          }
          return;
        }
        void this.handleRequest(connection, parsed.id, parsed.request);
        return;
      }
      case FrameKind.Input: {
        let payload;
        try {
          payload = decodeDataPayload(frame.payload);
        } catch (error) {
          connection.reject('bad-frame', (error as Error).message);
          return;
        }
        const hosted = this.byHandle.get(payload.handle);
        if (hosted && hosted.session.state === 'running') {
          hosted.session.write(payload.data);
        }
        // Otherwise the session ended or closed while the keystrokes were on their way: nothing to type into.
        return;
      }
      case FrameKind.Output:
      case FrameKind.Reject:
        connection.reject('bad-frame', `A client may not send frames of kind ${frame.kind}.`);
        return;
    }
  }

  // ---- requests ----

  private async handleRequest(connection: Connection, id: number, request: HostRequest): Promise<void> {
    if (request.method === 'screen') {
      await this.handleScreen(connection, id, request.sessionId);
      return;
    }
    try {
      const result = await this.execute(connection, request);
      connection.sendMessage({ type: 'response', id, ok: true, result });
    } catch (error) {
      if (isSessionError(error)) {
        respondError(connection, id, { kind: error.kind, message: error.message });
      } else {
        this.appendLog(`request ${request.method} failed: ${errorText(error)}`);
        respondError(connection, id, { kind: 'internal', message: (error as Error).message ?? String(error) });
      }
    }
  }

  /**
   * The ordering contract: the response holds exactly the output this client was
   * sent before it; output produced meanwhile is held and follows the response.
   */
  private async handleScreen(connection: Connection, id: number, sessionId: string): Promise<void> {
    const hosted = this.hosted.get(sessionId);
    if (!hosted) {
      respondError(connection, id, { kind: 'unknown-session', message: `No session with id "${sessionId}".` });
      return;
    }
    // Synchronously, before any await: output from now on is not in this screen.
    connection.holdOutput(sessionId);
    const screen = await hosted.mirror.screen();
    connection.sendMessage({ type: 'response', id, ok: true, result: { screen } satisfies HostResults['screen'] });
    connection.releaseOutput(sessionId);
  }

  private async execute(connection: Connection, request: Exclude<HostRequest, { method: 'screen' }>): Promise<HostResults[HostRequest['method']]> {
    switch (request.method) {
      case 'list':
        return { sessions: [...this.hosted.values()].map((hosted) => hosted.toWire()) };
      case 'create': {
        const session = await this.manager.create(request.options);
        return { session: this.wireOf(session) };
      }
      case 'getOrCreate': {
        const { session, created } = await this.manager.getOrCreate(request.options);
        return { session: this.wireOf(session), created };
      }
      case 'close':
        return { closed: await this.manager.close(request.sessionId) };
      case 'attach':
        connection.attach(request.sessionId, this.hostedOrThrow(request.sessionId).session.attach());
        return {};
      case 'detach':
        this.hostedOrThrow(request.sessionId);
        connection.detach(request.sessionId);
        return {};
      case 'resize':
        this.hostedOrThrow(request.sessionId).resize(request.cols, request.rows);
        return {};
      case 'signal':
        this.hostedOrThrow(request.sessionId).session.signal(request.signal);
        return {};
      case 'pause':
      case 'resume':
        this.hostedOrThrow(request.sessionId).setPaused(connection, request.method === 'pause');
        return {};
      case 'clearReplay':
        this.hostedOrThrow(request.sessionId).clearReplay();
        return {};
      case 'configure':
        // Windows share the host; the one that changed its settings last decides.
        await this.manager.configure(request.settings);
        return {};
    }
  }

  // ---- lifetime ----

  private updateIdleTimer(): void {
    const idle = this.hosted.size === 0 && this.connections.size === 0 && !this.shuttingDown;
    if (!idle || this.idleShutdownMs <= 0) {
      this.idleTimer.clear();
      return;
    }
    this.idleTimer.value ??= disposableTimeout(() => {
      this.idleTimer.clear();
      if (this.hosted.size === 0 && this.connections.size === 0) {
        this.appendLog('idle: shutting down');
        void this.shutdown();
      }
    }, this.idleShutdownMs);
  }

  /** Closes every session and connection, removes the socket, token and lock. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.doShutdown();
    return this.shuttingDown;
  }

  private async doShutdown(): Promise<void> {
    this.idleTimer.clear();
    this.heartbeat.clear();
    for (const connection of [...this.connections]) {
      connection.destroy();
    }
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
    await this.manager.closeAll();
    if (this.lock) {
      // The lock goes last: a host that takes it next writes its own socket and token.
      await Promise.all([this.paths.socket, this.paths.token].map((file) => fsp.rm(file, { force: true })));
      await this.lock.release();
      this.lock = undefined;
    }
    this.appendLog('shut down');
    await this.log?.close();
    this.log = undefined;
    this._onDidShutdown.fire();
    this.dispose();
  }

  override dispose(): void {
    if (!this.shuttingDown) {
      void this.shutdown();
      return;
    }
    super.dispose();
  }
}

function respondError(connection: Connection, id: number, error: WireError): void {
  connection.sendMessage({ type: 'response', id, ok: false, error });
}
