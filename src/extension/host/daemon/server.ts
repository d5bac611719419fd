import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import * as net from 'node:net';
import {
  DisposableBase,
  Emitter,
  SessionManager,
  isSessionError,
  type Disposable,
  type Event,
  type Session,
  type SessionChange,
} from '../../sessions';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameError, FrameKind, decodeDataPayload, encodeDataFrame, encodeJsonFrame, type Frame } from '../protocol/frames';
import { HostError, defaultHostDirectory, ensurePrivateDirectory, hostPaths, type HostPaths } from '../hostPaths';
import {
  MessageError,
  PROTOCOL_VERSION,
  parseHello,
  parseRequestMessage,
  type HostMessage,
  type HostRequest,
  type HostResults,
  type RejectMessage,
  type SessionEventKind,
  type WireError,
  type WireSession,
} from '../protocol/messages';
import { TerminalMirror } from './terminalMirror';

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
  readonly hostVersion?: string;
}

export const DEFAULT_IDLE_SHUTDOWN_MS = 5_000;
const DEFAULT_HELLO_TIMEOUT_MS = 5_000;
/**
 * Output queued for one client that does not read. Above it the client is dropped
 * rather than letting one stuck window grow the host without bound.
 */
const MAX_CLIENT_BACKLOG_BYTES = 64 * 1024 * 1024;
/** How long a host may hold the lock before its socket must answer. */
const LOCK_STARTUP_GRACE_MS = 10_000;
/** A larger log is moved aside at start so the directory never grows without bound. */
const MAX_LOG_BYTES = 1024 * 1024;

/** One session as hosted: its mirror, its frame handle and who asked it to pause. */
interface HostedSession {
  readonly session: Session;
  readonly handle: number;
  readonly mirror: TerminalMirror;
  /** Connections that asked for a pause, plus the mirror while it is behind. */
  readonly pausers: Set<object>;
  ptyPaused: boolean;
  readonly subscriptions: Disposable[];
}

/** Output held back for one client while its screen request is in flight. */
interface HeldOutput {
  pendingScreens: number;
  readonly frames: Buffer[];
}

class Connection {
  readonly decoder: FrameDecoder;
  authenticated = false;
  clientVersion = '';
  /** Views this client attached, per session id; each entry counts in the session. */
  readonly attachments = new Map<string, Disposable[]>();
  readonly held = new Map<string, HeldOutput>();
  closed = false;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    maxFrameBytes: number,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
  }
}

/**
 * The session host: owns the PTYs of every window, outlives any of them, and
 * serves them over a Unix socket in a private directory (see hostPaths.ts).
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
  private log: WriteStream | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private shuttingDown: Promise<void> | undefined;
  private ownsLock = false;
  private readonly idleShutdownMs: number;
  private readonly helloTimeoutMs: number;
  private readonly maxFrameBytes: number;
  private readonly hostVersion: string;

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
    this.hostVersion = options.hostVersion ?? 'unknown';
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
    await this.openLog();
    await this.acquireLock();
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
    this.updateIdleTimer();
  }

  /**
   * One host per directory and version. A lock whose owner is dead is replaced, by one
   * starter only: they take turns through a short-lived second lock, or one could remove
   * the lock another had just taken and both would serve.
   */
  private async acquireLock(): Promise<void> {
    const takeover = `${this.paths.lock}.takeover`;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await this.createExclusive(this.paths.lock)) {
        this.ownsLock = true;
        return;
      }
      if (await this.lockIsHeld()) {
        throw new HostError('already-running', `A session host already serves ${this.paths.directory}.`);
      }
      if (!(await this.createExclusive(takeover))) {
        // Left by a starter that died while replacing the lock (it holds it for milliseconds).
        const left = await fsp.stat(takeover).then((stat) => Date.now() - stat.mtimeMs > LOCK_STARTUP_GRACE_MS, () => true);
        if (left) {
          await fsp.rm(takeover, { force: true });
          continue;
        }
        break;
      }
      try {
        // Another starter may have replaced the stale lock since it was looked at.
        if (await this.lockIsHeld()) {
          throw new HostError('already-running', `A session host already serves ${this.paths.directory}.`);
        }
        await fsp.rm(this.paths.lock, { force: true });
        if (await this.createExclusive(this.paths.lock)) {
          this.ownsLock = true;
          return;
        }
      } finally {
        await fsp.rm(takeover, { force: true });
      }
    }
    throw new HostError('already-running', `Another session host is starting in ${this.paths.directory}.`);
  }

  /** Creates `file` with our pid unless it exists; says whether it did. */
  private async createExclusive(file: string): Promise<boolean> {
    try {
      await fsp.writeFile(file, String(process.pid), { mode: 0o600, flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        return false;
      }
      throw error;
    }
  }

  /**
   * Whether the lock's owner is a live host: alive, and answering on the socket or
   * still starting. The pid alone is not enough: after a crash it may be reused.
   */
  private async lockIsHeld(): Promise<boolean> {
    const [content, stat] = await Promise.all([fsp.readFile(this.paths.lock, 'utf8').catch(() => ''), fsp.stat(this.paths.lock).catch(() => undefined)]);
    const owner = Number(content.trim());
    if (!stat || !Number.isInteger(owner) || owner <= 0 || !isProcessAlive(owner)) {
      return false;
    }
    return Date.now() - stat.mtimeMs < LOCK_STARTUP_GRACE_MS || (await socketAnswers(this.paths.socket));
  }

  private async openLog(): Promise<void> {
    const size = await fsp.stat(this.paths.log).then((stat) => stat.size, () => 0);
    if (size > MAX_LOG_BYTES) {
      await fsp.rename(this.paths.log, `${this.paths.log}.old`);
    }
    this.log = createWriteStream(this.paths.log, { flags: 'a', mode: 0o600 });
    this.log.on('error', () => {
      // A full disk must not take the sessions down with it; the log is a convenience.
      this.log = undefined;
    });
  }

  appendLog(line: string): void {
    this.log?.write(`${new Date().toISOString()} ${line}\n`);
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
    const handle = this.nextHandle++;
    const hosted: HostedSession = {
      session,
      handle,
      mirror: new TerminalMirror(session.cols, session.rows, (pause) => this.setPaused(hosted, hosted.mirror, pause)),
      pausers: new Set(),
      ptyPaused: false,
      subscriptions: [],
    };
    // Hosted in the manager's 'created' event, before the PTY's first output can arrive.
    hosted.subscriptions.push(
      session.onData((data) => {
        // Mirror first: a screen request that arrives after this frame went out must include it.
        hosted.mirror.write(data);
        this.broadcastOutput(hosted, encodeDataFrame(FrameKind.Output, handle, data));
      }),
      session.onExit((exit) => {
        this.appendLog(`session ${session.id} exited with code ${exit.exitCode}${exit.signal ? `, signal ${exit.signal}` : ''}`);
        this.broadcastEvent('exit', hosted);
      }),
    );
    this.hosted.set(session.id, hosted);
    this.byHandle.set(handle, hosted);
  }

  private unhost(sessionId: string): void {
    const hosted = this.hosted.get(sessionId);
    if (!hosted) {
      return;
    }
    this.hosted.delete(sessionId);
    this.byHandle.delete(hosted.handle);
    for (const subscription of hosted.subscriptions) {
      subscription.dispose();
    }
    hosted.mirror.dispose();
    for (const connection of this.connections) {
      for (const attachment of connection.attachments.get(sessionId) ?? []) {
        attachment.dispose();
      }
      connection.attachments.delete(sessionId);
    }
  }

  private setPaused(hosted: HostedSession, pauser: object, pause: boolean): void {
    if (pause) {
      hosted.pausers.add(pauser);
    } else {
      hosted.pausers.delete(pauser);
    }
    const shouldPause = hosted.pausers.size > 0;
    if (shouldPause === hosted.ptyPaused || hosted.session.state === 'exited') {
      return;
    }
    hosted.ptyPaused = shouldPause;
    if (shouldPause) {
      hosted.session.pause();
    } else {
      hosted.session.resume();
    }
  }

  private wire(hosted: HostedSession): WireSession {
    const { session } = hosted;
    return {
      ...session.snapshot(),
      handle: hosted.handle,
      options: session.options,
      cols: session.cols,
      rows: session.rows,
      exitSignal: session.exit?.signal,
    };
  }

  private wireOf(session: Session): WireSession {
    const hosted = this.hosted.get(session.id);
    if (!hosted) {
      throw new HostError('protocol', `Session ${session.id} is not hosted.`);
    }
    return this.wire(hosted);
  }

  private broadcastEvent(event: SessionEventKind, hosted: HostedSession): void {
    const frame = encodeJsonFrame(FrameKind.Control, { type: 'event', event, session: this.wire(hosted) } satisfies HostMessage);
    for (const connection of this.connections) {
      if (connection.authenticated) {
        this.send(connection, frame);
      }
    }
  }

  private broadcastOutput(hosted: HostedSession, frame: Buffer): void {
    for (const connection of this.connections) {
      if (!connection.authenticated) {
        continue;
      }
      const held = connection.held.get(hosted.session.id);
      if (held) {
        held.frames.push(frame);
      } else {
        this.send(connection, frame);
      }
    }
  }

  // ---- connections ----

  private accept(socket: net.Socket): void {
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    const connection = new Connection(this.nextConnectionId++, socket, this.maxFrameBytes);
    this.connections.add(connection);
    this.updateIdleTimer();
    const helloTimer = setTimeout(() => this.reject(connection, 'bad-hello', `No hello within ${this.helloTimeoutMs} ms.`), this.helloTimeoutMs);
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = connection.decoder.push(chunk);
      } catch (error) {
        if (error instanceof FrameError) {
          this.reject(connection, 'bad-frame', error.message);
          return;
        }
        throw error;
      }
      for (const frame of frames) {
        if (connection.closed) {
          return;
        }
        if (!connection.authenticated) {
          this.handleHello(connection, frame);
          if (connection.authenticated) {
            clearTimeout(helloTimer);
          }
        } else {
          this.handleFrame(connection, frame);
        }
      }
    });
    // EPIPE / ECONNRESET from a client that went away mid-write: only that connection ends.
    socket.on('error', (error) => this.appendLog(`connection ${connection.id}: ${error.message}`));
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.drop(connection);
    });
  }

  private handleHello(connection: Connection, frame: Frame): void {
    if (frame.kind !== FrameKind.Control) {
      this.reject(connection, 'bad-hello', 'The first frame must be a hello control message.');
      return;
    }
    let hello;
    try {
      hello = parseHello(frame.payload);
    } catch (error) {
      if (error instanceof MessageError) {
        this.reject(connection, 'bad-hello', error.message);
        return;
      }
      throw error;
    }
    if (hello.protocolVersion !== PROTOCOL_VERSION) {
      this.reject(connection, 'protocol-version', `This host speaks protocol ${PROTOCOL_VERSION}, the client ${hello.protocolVersion}.`);
      return;
    }
    const token = Buffer.from(hello.token, 'utf8');
    const expected = Buffer.from(this.token.toString('hex'), 'utf8');
    if (token.length !== expected.length || !timingSafeEqual(token, expected)) {
      this.reject(connection, 'bad-token', 'Wrong authentication token.');
      return;
    }
    connection.authenticated = true;
    connection.clientVersion = hello.clientVersion;
    this.appendLog(`connection ${connection.id}: client ${hello.clientVersion} authenticated`);
    this.sendMessage(connection, { type: 'welcome', protocolVersion: PROTOCOL_VERSION, hostVersion: this.hostVersion, hostPid: process.pid });
  }

  private handleFrame(connection: Connection, frame: Frame): void {
    switch (frame.kind) {
      case FrameKind.Control: {
        const parsed = parseRequestMessage(frame.payload);
        if ('error' in parsed) {
          if (parsed.id === undefined) {
            this.reject(connection, 'bad-message', parsed.error.message);
          } else {
            this.respondError(connection, parsed.id, { kind: 'bad-request', message: parsed.error.message });
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
          this.reject(connection, 'bad-frame', (error as Error).message);
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
        this.reject(connection, 'bad-frame', `A client may not send frames of kind ${frame.kind}.`);
        return;
    }
  }

  private async handleRequest(connection: Connection, id: number, request: HostRequest): Promise<void> {
    if (request.method === 'screen') {
      await this.handleScreen(connection, id, request.sessionId);
      return;
    }
    try {
      const result = await this.execute(connection, request);
      this.sendMessage(connection, { type: 'response', id, ok: true, result });
    } catch (error) {
      if (isSessionError(error)) {
        this.respondError(connection, id, { kind: error.kind, message: error.message });
      } else {
        this.appendLog(`request ${request.method} failed: ${(error as Error).stack ?? String(error)}`);
        this.respondError(connection, id, { kind: 'internal', message: (error as Error).message ?? String(error) });
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
      this.respondError(connection, id, { kind: 'unknown-session', message: `No session with id "${sessionId}".` });
      return;
    }
    // Synchronously, before any await: output from now on is not in this screen.
    const held = connection.held.get(sessionId) ?? { pendingScreens: 0, frames: [] };
    held.pendingScreens++;
    connection.held.set(sessionId, held);
    const screen = await hosted.mirror.screen();
    this.sendMessage(connection, { type: 'response', id, ok: true, result: { screen } satisfies HostResults['screen'] });
    this.releaseHeld(connection, sessionId);
  }

  private async execute(connection: Connection, request: Exclude<HostRequest, { method: 'screen' }>): Promise<HostResults[HostRequest['method']]> {
    switch (request.method) {
      case 'list':
        return { sessions: [...this.hosted.values()].map((hosted) => this.wire(hosted)) };
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
      case 'attach': {
        const hosted = this.hostedOrThrow(request.sessionId);
        const list = connection.attachments.get(request.sessionId) ?? [];
        list.push(hosted.session.attach());
        connection.attachments.set(request.sessionId, list);
        return {};
      }
      case 'detach':
        this.hostedOrThrow(request.sessionId);
        connection.attachments.get(request.sessionId)?.pop()?.dispose();
        return {};
      case 'resize': {
        const hosted = this.hostedOrThrow(request.sessionId);
        hosted.session.resize(request.cols, request.rows);
        hosted.mirror.resize(request.cols, request.rows);
        return {};
      }
      case 'signal':
        this.hostedOrThrow(request.sessionId).session.signal(request.signal);
        return {};
      case 'pause':
      case 'resume': {
        const hosted = this.hostedOrThrow(request.sessionId);
        this.setPaused(hosted, connection, request.method === 'pause');
        return {};
      }
      case 'clearReplay': {
        const hosted = this.hostedOrThrow(request.sessionId);
        hosted.session.clearReplay();
        hosted.mirror.clear();
        return {};
      }
      case 'configure':
        // Windows share the host; the one that changed its settings last decides.
        await this.manager.configure(request.settings);
        return {};
    }
  }

  private hostedOrThrow(sessionId: string): HostedSession {
    const hosted = this.hosted.get(this.manager.getOrThrow(sessionId).id);
    if (!hosted) {
      throw new HostError('protocol', `Session ${sessionId} is not hosted.`);
    }
    return hosted;
  }

  /** After a screen response: output held since the request follows it, in order. */
  private releaseHeld(connection: Connection, sessionId: string): void {
    const held = connection.held.get(sessionId);
    if (!held) {
      return;
    }
    held.pendingScreens--;
    if (held.pendingScreens > 0) {
      return;
    }
    connection.held.delete(sessionId);
    for (const frame of held.frames) {
      this.send(connection, frame);
    }
  }

  private respondError(connection: Connection, id: number, error: WireError): void {
    this.sendMessage(connection, { type: 'response', id, ok: false, error });
  }

  private sendMessage(connection: Connection, message: HostMessage): void {
    this.send(connection, encodeJsonFrame(FrameKind.Control, message));
  }

  private send(connection: Connection, frame: Buffer): void {
    if (connection.closed) {
      return;
    }
    connection.socket.write(frame);
    if (connection.socket.writableLength > MAX_CLIENT_BACKLOG_BYTES) {
      this.appendLog(`connection ${connection.id}: dropped, ${connection.socket.writableLength} bytes unread`);
      connection.socket.destroy();
      this.drop(connection);
    }
  }

  /** Tells the peer why, then drops only this connection. */
  private reject(connection: Connection, reason: RejectMessage['reason'], message: string): void {
    if (connection.closed) {
      return;
    }
    this.appendLog(`connection ${connection.id}: rejected (${reason}): ${message}`);
    const reject: RejectMessage = { reason, message, protocolVersion: PROTOCOL_VERSION };
    connection.socket.end(encodeJsonFrame(FrameKind.Reject, reject));
    // A peer that never reads must not keep the socket half-open.
    setTimeout(() => connection.socket.destroy(), 1_000).unref();
    this.drop(connection);
  }

  /** Forgets a connection: its views detach and its pauses lift; its sessions live on. */
  private drop(connection: Connection): void {
    if (connection.closed) {
      return;
    }
    connection.closed = true;
    this.connections.delete(connection);
    for (const attachments of connection.attachments.values()) {
      for (const attachment of attachments) {
        attachment.dispose();
      }
    }
    connection.attachments.clear();
    connection.held.clear();
    for (const hosted of this.hosted.values()) {
      this.setPaused(hosted, connection, false);
    }
    if (connection.authenticated) {
      this.appendLog(`connection ${connection.id}: client ${connection.clientVersion} disconnected`);
    }
    this.updateIdleTimer();
  }

  // ---- lifetime ----

  private updateIdleTimer(): void {
    const idle = this.hosted.size === 0 && this.connections.size === 0 && !this.shuttingDown;
    if (!idle || this.idleShutdownMs <= 0) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      return;
    }
    this.idleTimer ??= setTimeout(() => {
      this.idleTimer = undefined;
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
    clearTimeout(this.idleTimer);
    for (const connection of [...this.connections]) {
      connection.socket.destroy();
      this.drop(connection);
    }
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
    await this.manager.closeAll();
    if (this.ownsLock) {
      await Promise.all([this.paths.socket, this.paths.token, this.paths.lock].map((file) => fsp.rm(file, { force: true })));
      this.ownsLock = false;
    }
    this.appendLog('shut down');
    await new Promise<void>((resolve) => (this.log ? this.log.end(() => resolve()) : resolve()));
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

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which still means it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createConnection(socketPath);
    const finish = (answers: boolean) => {
      probe.destroy();
      resolve(answers);
    };
    probe.once('connect', () => finish(true));
    probe.once('error', () => finish(false));
    probe.setTimeout(1_000, () => finish(false));
  });
}
