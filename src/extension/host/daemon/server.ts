import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  DisposableBase,
  Emitter,
  MutableDisposable,
  SessionManager,
  disposableInterval,
  disposableTimeout,
  isSessionError,
  type BaseEnvironment,
  type Event,
  type Session,
  type SessionChange,
  type SessionSettings,
} from '../../sessions';
import { HostError, isHostError } from '../hostErrors';
import { defaultHostDirectory, ensurePrivateDirectory, hostPaths, type HostPaths } from '../hostPaths';
import { DEFAULT_MAX_FRAME_BYTES, FrameKind, decodeDataPayload, encodeJsonFrame, type Frame } from '../protocol/frames';
import {
  MessageError,
  PAUSE_LEASE_MS,
  MessageLimits,
  PROTOCOL_VERSION,
  parseHello,
  parseRequestMessage,
  type HostMessage,
  type HostRequest,
  type HostResults,
  type SessionEventKind,
  type WireEnvironment,
  type WireError,
  type WireSession,
} from '../protocol/messages';
import { Connection } from './connection';
import { createHostFiles, type HostFiles } from './hostFiles';
import { HostLog, errorText } from './hostLog';
import { HostedSession } from './hostedSession';
import { DEFAULT_TRANSCRIPT_MAX_BYTES, DEFAULT_TRANSCRIPT_RETENTION_MS } from './transcript';
import { sweepTranscripts, transcriptDirectory } from './transcriptFiles';
import { WindowLinks, type SessionLinks } from './windowLinks';

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
  /** How long a client's pause holds unless renewed; defaults to PAUSE_LEASE_MS. */
  readonly pauseLeaseMs?: number;
  /** Sessions at most, until a client configures another cap. */
  readonly maxSessions?: number;
  readonly hostVersion?: string;
  /** How often the host checks that its socket, token and lock are still in place. */
  readonly findableCheckMs?: number;
  /** How often every client is sent a heartbeat. */
  readonly heartbeatIntervalMs?: number;
  /** Each session's transcript until a client configures another cap; 0 keeps none. */
  readonly transcriptMaxBytes?: number;
  /** Transcripts not written for this long are removed, until a client configures another period. */
  readonly transcriptRetentionMs?: number;
  /** How often old transcripts are looked for (besides at start and when the period changes). */
  readonly transcriptSweepIntervalMs?: number;
}

interface StartedSession {
  readonly session: Session;
  readonly created: boolean;
}

export const DEFAULT_IDLE_SHUTDOWN_MS = 5_000;
const DEFAULT_HELLO_TIMEOUT_MS = 5_000;
/**
 * A window that reads stays far below this (its views pause what they fall behind on);
 * one this far behind is stuck and dropped. At 64 MiB, 20 stuck clients of a flooding
 * session stalled every other client's echo for seconds (bench/stuckClients.ts).
 */
const DEFAULT_MAX_CLIENT_BACKLOG_BYTES = 8 * 1024 * 1024;
/** A wiped directory leaves new windows unable to reach the host until it notices. */
const DEFAULT_FINDABLE_CHECK_MS = 1_000;
/** Often enough that a window notices a stopped host within seconds; a beat costs a few bytes. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 2_000;
const DEFAULT_TRANSCRIPT_SWEEP_INTERVAL_MS = 60 * 60_000;

/**
 * The session host: owns the PTYs of every window, outlives any of them, and
 * serves them over a Unix socket in a private directory, or a named pipe on Windows
 * (see hostPaths.ts and endpoint/).
 * This class listens, authenticates and answers requests; a Connection owns each
 * client's socket and a HostedSession each session's mirror and pauses.
 */
export class SessionHostServer extends DisposableBase {
  readonly manager: SessionManager;
  readonly paths: HostPaths;
  /** The listener on the socket path or pipe; replaced when the directory was wiped and the host listens again. */
  private server: net.Server | undefined;
  private readonly connections = new Set<Connection>();
  /** What each window configured: its own policy, which must not decide for the other windows. */
  private readonly connectionSettings = new Map<Connection, SessionSettings>();
  private readonly hosted = new Map<string, HostedSession>();
  private readonly byHandle = new Map<number, HostedSession>();
  private readonly windowLinks: WindowLinks;
  /** Links of sessions started with a window's environment, by session id. */
  private readonly sessionLinks = new Map<string, SessionLinks>();
  private nextHandle = 1;
  private nextConnectionId = 1;
  private token = Buffer.alloc(0);
  private log: HostLog | undefined;
  private files: HostFiles | undefined;
  /** Set once another host serves the directory: this one only serves the clients it has. */
  private handedOver = false;
  private checkingFindable = false;
  private readonly findableCheckMs: number;
  private readonly idleTimer = this.register(new MutableDisposable());
  private readonly heartbeat = this.register(new MutableDisposable());
  private shuttingDown: Promise<void> | undefined;
  private readonly idleShutdownMs: number;
  private readonly helloTimeoutMs: number;
  private readonly maxFrameBytes: number;
  private readonly maxClientBacklogBytes: number;
  private readonly pauseLeaseMs: number;
  private readonly hostVersion: string;
  private readonly heartbeatIntervalMs: number;
  readonly transcriptDirectory: string;
  /** Machine settings: the window that configured them last decides, for sessions started from then on. */
  private transcriptMaxBytes: number;
  private transcriptRetentionMs: number;
  private readonly transcriptSweepIntervalMs: number;
  private sweeping: Promise<void> | undefined;
  private readonly closingTranscripts = new Set<Promise<void>>();

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
    this.pauseLeaseMs = options.pauseLeaseMs ?? PAUSE_LEASE_MS;
    this.hostVersion = options.hostVersion ?? 'unknown';
    this.findableCheckMs = options.findableCheckMs ?? DEFAULT_FINDABLE_CHECK_MS;
    this.transcriptDirectory = transcriptDirectory(this.paths.directory);
    this.transcriptMaxBytes = options.transcriptMaxBytes ?? DEFAULT_TRANSCRIPT_MAX_BYTES;
    this.transcriptRetentionMs = options.transcriptRetentionMs ?? DEFAULT_TRANSCRIPT_RETENTION_MS;
    this.transcriptSweepIntervalMs = options.transcriptSweepIntervalMs ?? DEFAULT_TRANSCRIPT_SWEEP_INTERVAL_MS;
    this.windowLinks = new WindowLinks(path.join(this.paths.directory, 'links'), (line) => this.appendLog(line));
    // Within what a client accepts in the welcome, or no client could connect.
    this.heartbeatIntervalMs = Math.min(
      MessageLimits.maxHeartbeatIntervalMs,
      Math.max(MessageLimits.minHeartbeatIntervalMs, Math.round(options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS)),
    );
    this.manager = this.register(
      new SessionManager({
        detachedTimeoutMs: options.detachedTimeoutMs,
        replayBufferBytes: options.replayBufferBytes,
        maxSessions: options.maxSessions,
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
    if (this.paths.socketDirectory !== this.paths.directory) {
      this.appendLog(`a socket in ${this.paths.directory} would pass the OS's limit on socket paths: it goes in ${this.paths.socketDirectory}`);
    }
    this.token = randomBytes(32);
    this.files = createHostFiles(this.paths, this.token.toString('hex'));
    await this.files.publish((address) => this.listenOn(address));
    this.appendLog(`listening on ${this.files.address} (pid ${process.pid}, protocol ${PROTOCOL_VERSION}, version ${this.hostVersion})`);
    if (this.findableCheckMs > 0) {
      this.register(disposableInterval(() => void this.checkFindable(), this.findableCheckMs));
    }
    this.heartbeat.value = disposableInterval(() => this.broadcast({ type: 'heartbeat' }), this.heartbeatIntervalMs);
    await ensurePrivateDirectory(this.transcriptDirectory);
    void this.sweepTranscripts();
    this.register(disposableInterval(() => void this.sweepTranscripts(), this.transcriptSweepIntervalMs, { keepsProcessAlive: false }));
    this.updateIdleTimer();
  }

  /** Where clients reach this host (a socket path or a pipe name); undefined before it listens. */
  get address(): string | undefined {
    return this.files?.address;
  }

  /** Removes transcripts older than the retention period; one sweep at a time. */
  sweepTranscripts(): Promise<void> {
    this.sweeping ??= sweepTranscripts(this.transcriptDirectory, this.transcriptRetentionMs, new Set(this.hosted.keys()))
      .then((removed) => {
        if (removed.length > 0) {
          this.appendLog(`removed ${removed.length} transcripts older than ${Math.round(this.transcriptRetentionMs / 60_000)} minutes`);
        }
      })
      .catch((error: unknown) => this.appendLog(`could not sweep old transcripts: ${errorText(error)}`))
      .finally(() => {
        this.sweeping = undefined;
      });
    return this.sweeping;
  }

  /** Listens on `address` with a new listener; a previous one stops accepting, its clients stay. */
  private async listenOn(address: string): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.appendLog(`server error: ${error.message}`));
    this.server?.close();
    this.server = server;
  }

  /**
   * A wiped directory (logout, a tmp cleaner) makes the host unreachable for new
   * windows. It re-creates its files and listens again; if another host has started
   * there meanwhile, that one is where new windows go: this one keeps serving its
   * clients and sessions, stops being findable and exits when idle, removing nothing.
   */
  private async checkFindable(): Promise<void> {
    if (this.checkingFindable || this.handedOver || this.shuttingDown || !this.files) {
      return;
    }
    this.checkingFindable = true;
    try {
      if (await this.files.intact()) {
        return;
      }
      if (this.shuttingDown) {
        return;
      }
      await this.files.publish((address) => this.listenOn(address));
      await this.reopenLog();
      this.appendLog(`socket, token or lock of pid ${process.pid} were gone from ${this.paths.directory}; listening again on ${this.files.address}`);
    } catch (error) {
      if (isHostError(error, 'already-running')) {
        await this.reopenLog().catch(() => undefined);
        this.handOver();
      } else {
        this.appendLog(`could not make the host findable again (retrying): ${errorText(error)}`);
      }
    } finally {
      this.checkingFindable = false;
    }
  }

  private handOver(): void {
    this.handedOver = true;
    this.files?.disown();
    this.server?.close();
    this.server = undefined;
    this.appendLog(
      `pid ${process.pid}: another host now serves ${this.paths.directory}; this one keeps its ${this.hosted.size} sessions for its ${this.connections.size} clients and exits once they are gone`,
    );
  }

  /** The log file may have been deleted with the directory: appends go to the one at the path now. */
  private async reopenLog(): Promise<void> {
    const previous = this.log;
    this.log = await HostLog.open(this.paths.log);
    await previous?.close();
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
    const transcript = this.transcriptMaxBytes > 0 ? { directory: this.transcriptDirectory, maxBytes: this.transcriptMaxBytes, onError: (line: string) => this.appendLog(line) } : undefined;
    const hosted = new HostedSession(session, this.nextHandle++, transcript);
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
    this.trackTranscriptClose(hosted);
    this.sessionLinks.get(sessionId)?.dispose();
    this.sessionLinks.delete(sessionId);
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
    if (this.connectionSettings.delete(connection) && this.connectionSettings.size > 0) {
      void this.applyLongestTimeout().catch((error: unknown) => this.appendLog(`could not apply the remaining windows' timeout: ${errorText(error)}`));
    }
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
    const { data, size } = await hosted.mirror.screen();
    connection.sendMessage({ type: 'response', id, ok: true, result: { screen: data, ...size } satisfies HostResults['screen'] });
    connection.releaseOutput(sessionId);
  }

  private async execute(connection: Connection, request: Exclude<HostRequest, { method: 'screen' }>): Promise<HostResults[HostRequest['method']]> {
    switch (request.method) {
      case 'list':
        return { sessions: [...this.hosted.values()].map((hosted) => hosted.toWire()) };
      case 'create': {
        const replayBufferBytes = this.connectionSettings.get(connection)?.replayBufferBytes;
        const { session } = await this.startFor(request.environment, async (base) => ({ session: await this.manager.create(request.options, { replayBufferBytes, base }), created: true }));
        return { session: this.wireOf(session) };
      }
      case 'getOrCreate': {
        const replayBufferBytes = this.connectionSettings.get(connection)?.replayBufferBytes;
        const { session, created } = await this.startFor(request.environment, (base) => this.manager.getOrCreate(request.options, { replayBufferBytes, base }));
        return { session: this.wireOf(session), created };
      }
      case 'close':
        return { closed: await this.manager.close(request.sessionId) };
      case 'attach':
        connection.attach(request.sessionId, this.hostedOrThrow(request.sessionId).session.attach());
        if (request.environment) {
          this.sessionLinks.get(request.sessionId)?.repoint(request.environment);
        }
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
        this.hostedOrThrow(request.sessionId).setPaused(connection, true, this.pauseLeaseMs);
        return {};
      case 'resume':
        this.hostedOrThrow(request.sessionId).setPaused(connection, false);
        return {};
      case 'clearReplay':
        this.hostedOrThrow(request.sessionId).clearReplay();
        return {};
      case 'screenText':
        return { lines: await this.hostedOrThrow(request.sessionId).mirror.text() };
      case 'watchOutput':
        this.hostedOrThrow(request.sessionId);
        connection.watchOutput(request.sessionId);
        return {};
      case 'unwatchOutput':
        this.hostedOrThrow(request.sessionId);
        connection.unwatchOutput(request.sessionId);
        return {};
      case 'clearAttention':
        // The session's change event tells every window.
        this.hostedOrThrow(request.sessionId).session.clearAttention();
        return {};
      case 'configure':
        this.connectionSettings.set(connection, request.settings);
        this.configureTranscripts(request.settings);
        // The cap is the user's machine setting: the window that changed it last decides.
        await this.applyLongestTimeout(request.settings.maxSessions);
        return {};
    }
  }

  /**
   * Starts a session from the asking window's environment (the host's own when the
   * request has none), its per-window sockets replaced by links the host repoints on attach.
   */
  private async startFor(
    environment: WireEnvironment | undefined,
    start: (base: BaseEnvironment | undefined) => Promise<StartedSession>,
  ): Promise<StartedSession> {
    const links = environment && this.windowLinks.create(environment);
    let result: StartedSession;
    try {
      result = await start(links?.environment);
    } catch (error) {
      links?.dispose();
      throw error;
    }
    if (links) {
      // Not ours when an existing session was returned, or when it was already closed again.
      if (result.created && this.hosted.has(result.session.id)) {
        this.sessionLinks.set(result.session.id, links);
      } else {
        links.dispose();
      }
    }
    return result;
  }

  /**
   * Windows share the host, and each may only lengthen how long detached sessions are
   * kept, never shorten it for the others: the longest timeout of the connected windows
   * applies, 0 (keep until closed) above all. A window's buffer size goes only to the
   * sessions it creates. `maxSessions` unset keeps the current cap.
   */
  private async applyLongestTimeout(maxSessions?: number): Promise<void> {
    const timeouts = [...this.connectionSettings.values()].map((settings) => settings.detachedTimeoutMs);
    const detachedTimeoutMs = timeouts.includes(0) ? 0 : Math.max(...timeouts);
    if (detachedTimeoutMs !== this.manager.detachedTimeoutMs) {
      this.appendLog(`detached sessions are now kept ${detachedTimeoutMs === 0 ? 'until closed' : `for ${detachedTimeoutMs} ms`}`);
    }
    await this.manager.configure({ detachedTimeoutMs, replayBufferBytes: this.manager.replayBufferBytes, maxSessions });
  }

  /** A transcript still writing its last output; the host waits for it before it exits. */
  private trackTranscriptClose(hosted: HostedSession): void {
    const closed = hosted.transcript?.closed;
    if (closed) {
      this.closingTranscripts.add(closed);
      void closed.finally(() => this.closingTranscripts.delete(closed));
    }
  }

  private configureTranscripts(settings: SessionSettings): void {
    if (settings.transcriptMaxBytes !== undefined) {
      this.transcriptMaxBytes = settings.transcriptMaxBytes;
    }
    if (settings.transcriptRetentionMs !== undefined && settings.transcriptRetentionMs !== this.transcriptRetentionMs) {
      this.transcriptRetentionMs = settings.transcriptRetentionMs;
      void this.sweepTranscripts();
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
    const server = this.server;
    await new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
    await this.manager.closeAll();
    await Promise.all([...this.closingTranscripts, this.sweeping]);
    // Only what is still ours: after a wipe the names may lead to another host's files.
    await this.files?.removeOwned();
    this.files = undefined;
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
