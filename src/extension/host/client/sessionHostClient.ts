import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as net from 'node:net';
import { splitInput } from '../../../shared/input';
import type { SessionInfo, SignalName } from '../../../shared/protocol';
import {
  DisposableBase,
  Emitter,
  SessionError,
  requireSession,
  validateSize,
  normalizeMilestoneId,
  type Disposable,
  type Event,
  type PtyExit,
  type SessionErrorKind,
  type SessionOptions,
  type SessionSettings,
  type SessionSnapshot,
  type SessionState,
  type TerminalSession,
  type TerminalSessionChange,
  type TerminalSessionManager,
} from '../../sessions';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameError, FrameKind, decodeDataPayload, encodeDataFrame, encodeJsonFrame, type Frame } from '../protocol/frames';
import { buildHostArguments } from '../hostCommandLine';
import { HostError } from '../hostErrors';
import { defaultHostDirectory, ensurePrivateDirectory, hostPaths } from '../hostPaths';
import {
  MessageError,
  PROTOCOL_VERSION,
  parseHostMessage,
  parseReject,
  parseResult,
  type ClientMessage,
  type HostMessage,
  type HostMethod,
  type HostRequest,
  type HostResults,
  type RejectMessage,
  type WireError,
  type WireSession,
} from '../protocol/messages';

const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Input is sent in pieces this long (UTF-16 units, at most 3 UTF-8 bytes each): far below the frame limit. */
const MAX_INPUT_CHARS_PER_FRAME = 256 * 1024;

const SESSION_ERROR_KINDS: ReadonlySet<string> = new Set<SessionErrorKind>([
  'invalid-milestone-id',
  'invalid-argument',
  'cwd-not-found',
  'command-not-found',
  'spawn-failed',
  'unknown-session',
  'session-exited',
  'manager-disposed',
]);

/** Why the connection to the host ended. */
export interface HostDisconnect {
  readonly reason: string;
  /** Set when the host turned this client away. */
  readonly reject?: RejectMessage;
}

export interface SessionHostClientOptions {
  /** Told to the host for its log. */
  readonly clientVersion?: string;
  /** Where failures of fire-and-forget requests (resize, signal, ...) are reported. */
  readonly log?: (message: string) => void;
  readonly maxFrameBytes?: number;
}

interface PendingRequest {
  readonly method: HostMethod;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
}

function errorFromWire(error: WireError): Error {
  if (SESSION_ERROR_KINDS.has(error.kind)) {
    return new SessionError(error.kind as SessionErrorKind, error.message);
  }
  return new HostError('protocol', `The session host failed the request (${error.kind}): ${error.message}`);
}

/** A session that lives in the session host, mirrored from the host's events. */
class RemoteSession implements TerminalSession {
  private wire: WireSession;
  private disconnected = false;
  private screenInFlight: Promise<string> | undefined;

  private readonly _onData = new Emitter<string>();
  readonly onData: Event<string> = this._onData.event;
  private readonly _onExit = new Emitter<PtyExit>();
  readonly onExit: Event<PtyExit> = this._onExit.event;
  private readonly _onDidChange = new Emitter<TerminalSession>();
  readonly onDidChange: Event<TerminalSession> = this._onDidChange.event;

  constructor(
    private readonly client: SessionHostClient,
    wire: WireSession,
  ) {
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
    this.client.notify({ method: 'attach', sessionId: this.id });
    let detached = false;
    return {
      dispose: () => {
        if (!detached) {
          detached = true;
          this.client.notify({ method: 'detach', sessionId: this.id });
        }
      },
    };
  }

  write(data: string): void {
    if (this.state === 'exited') {
      throw new SessionError('session-exited', `Session ${this.id} has ended or its host is gone; input was not sent.`);
    }
    for (const piece of splitInput(data, MAX_INPUT_CHARS_PER_FRAME)) {
      this.client.sendInput(this.handle, piece);
    }
  }

  resize(cols: number, rows: number): void {
    validateSize(cols, rows);
    this.client.notify({ method: 'resize', sessionId: this.id, cols, rows });
  }

  signal(name: SignalName): void {
    this.client.notify({ method: 'signal', sessionId: this.id, signal: name });
  }

  pause(): void {
    this.client.notify({ method: 'pause', sessionId: this.id });
  }

  resume(): void {
    this.client.notify({ method: 'resume', sessionId: this.id });
  }

  /**
   * One request in flight per session, shared by concurrent callers: the host holds
   * this client's output from the request until the response, so everything received
   * before the response is in the screen. (Overlapping requests would each need
   * their own cut of the held output.)
   */
  screen(): Promise<string> {
    this.screenInFlight ??= this.client
      .request({ method: 'screen', sessionId: this.id })
      .then((result) => result.screen)
      .finally(() => {
        this.screenInFlight = undefined;
      });
    return this.screenInFlight;
  }

  clearReplay(): void {
    this.client.notify({ method: 'clearReplay', sessionId: this.id });
  }

  info(): SessionInfo {
    return {
      sessionId: this.id,
      milestoneId: this.milestoneId,
      title: this.title,
      pid: this.wire.pid,
      state: this.state,
      exitCode: this.exitCode,
      exitedAt: this.exitedAt,
    };
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

  dispose(): void {
    this._onData.dispose();
    this._onExit.dispose();
    this._onDidChange.dispose();
  }
}

/**
 * The session manager API, served by the session host over its socket. Getters are
 * synchronous: the client keeps every session's state current from host events.
 */
export class SessionHostClient extends DisposableBase implements TerminalSessionManager {
  private readonly decoder: FrameDecoder;
  private readonly sessions = new Map<string, RemoteSession>();
  private readonly byHandle = new Map<number, RemoteSession>();
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequestId = 1;
  private readonly queue: Frame[] = [];
  private draining = false;
  private drainScheduled = false;
  private welcome: { resolve: (pid: number) => void; reject: (error: Error) => void } | undefined;
  private closedReason: HostDisconnect | undefined;
  private _hostPid = 0;

  private readonly _onDidChangeSessions = this.register(new Emitter<TerminalSessionChange>());
  readonly onDidChangeSessions: Event<TerminalSessionChange> = this._onDidChangeSessions.event;
  private readonly _onDidDisconnect = this.register(new Emitter<HostDisconnect>());
  /** The host died or the socket closed (not fired for dispose()). Sessions then report 'exited'. */
  readonly onDidDisconnect: Event<HostDisconnect> = this._onDidDisconnect.event;

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

  private handshake(token: string, clientVersion: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new HostError('no-host', `The session host did not answer the handshake within ${HANDSHAKE_TIMEOUT_MS} ms.`));
      }, HANDSHAKE_TIMEOUT_MS);
      this.welcome = {
        resolve: (pid) => {
          clearTimeout(timer);
          this._hostPid = pid;
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
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
    const { session } = await this.request({ method: 'create', options });
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
    const { session, created } = await this.request({ method: 'getOrCreate', options });
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

  // ---- requests ----

  request<R extends HostRequest>(request: R): Promise<HostResults[R['method']]> {
    if (this.closedReason) {
      return Promise.reject(new HostError('disconnected', `The session host is not connected: ${this.closedReason.reason}`));
    }
    const id = this.nextRequestId++;
    return new Promise<HostResults[R['method']]>((resolve, reject) => {
      this.pending.set(id, { method: request.method, resolve: resolve as (result: unknown) => void, reject });
      this.sendMessage({ type: 'request', id, request });
    });
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
    if (this.draining || this.drainScheduled) {
      return;
    }
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closedReason) {
        const frame = this.queue.shift() as Frame;
        if (this.handleFrame(frame)) {
          this.drainScheduled = true;
          setImmediate(() => {
            this.drainScheduled = false;
            this.drain();
          });
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
        this.welcome?.resolve(message.hostPid);
        this.welcome = undefined;
        return false;
      case 'response': {
        const pending = this.pending.get(message.id);
        if (!pending) {
          return false;
        }
        this.pending.delete(message.id);
        if (!message.ok) {
          pending.reject(errorFromWire(message.error));
          return false;
        }
        try {
          pending.resolve(parseResult(pending.method, message.result));
        } catch (error) {
          pending.reject(error instanceof MessageError ? new HostError('protocol', error.message) : (error as Error));
        }
        return pending.method === 'screen';
      }
      case 'event': {
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
        return false;
      }
    }
  }

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

  private protocolFailure(reason: string): void {
    this.options.log?.(reason);
    this.disconnect({ reason });
  }

  private disconnect(why: HostDisconnect): void {
    if (this.closedReason) {
      return;
    }
    this.closedReason = why;
    this.socket.destroy();
    this.queue.length = 0;
    const error = new HostError('disconnected', why.reason);
    this.welcome?.reject(error);
    this.welcome = undefined;
    for (const pending of this.pending.values()) {
      pending.reject(error);
    }
    this.pending.clear();
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

// ---- starting and finding the host ----

export interface ConnectToSessionHostOptions {
  /** The compiled host entry point (dist/sessionHost.js). */
  readonly hostScript: string;
  /** The private directory; defaults to defaultHostDirectory(). */
  readonly directory?: string;
  readonly clientVersion?: string;
  /**
   * Settings for a host this call starts. A host that is already running keeps the
   * settings it was started with.
   */
  readonly detachedTimeoutMs?: number;
  readonly replayBufferBytes?: number;
  readonly idleShutdownMs?: number;
  /** How long to wait for a started host to answer. */
  readonly startTimeoutMs?: number;
  /** The runtime for the host; Electron's binary runs as Node with ELECTRON_RUN_AS_NODE. */
  readonly execPath?: string;
  readonly log?: (message: string) => void;
}

export const DEFAULT_HOST_START_TIMEOUT_MS = 10_000;
const RETRY_INTERVAL_MS = 100;

async function tryConnect(directory: string, options: ConnectToSessionHostOptions): Promise<SessionHostClient> {
  const paths = hostPaths(directory);
  let token: string;
  try {
    token = (await fsp.readFile(paths.token, 'utf8')).trim();
  } catch {
    throw new HostError('no-host', `No session host token in ${directory}.`);
  }
  return SessionHostClient.connect(paths.socket, token, { clientVersion: options.clientVersion, log: options.log });
}

/**
 * Connects to this user's session host, starting one (detached, so it outlives the
 * extension host) when none answers. Fails with a HostError after the timeout.
 */
export async function connectToSessionHost(options: ConnectToSessionHostOptions): Promise<SessionHostClient> {
  const directory = options.directory ?? defaultHostDirectory();
  await ensurePrivateDirectory(directory);
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_HOST_START_TIMEOUT_MS);
  let started: { exitCode: number | null } | undefined;
  let lastError: Error | undefined;
  for (;;) {
    try {
      return await tryConnect(directory, options);
    } catch (error) {
      const retryable = error instanceof HostError && (error.kind === 'no-host' || (error.kind === 'rejected' && /bad-token/.test(error.message)));
      if (!retryable) {
        throw error;
      }
      // bad-token: a host restarted between reading its token and connecting; read it again.
      lastError = error;
    }
    if (!started) {
      started = startHost(directory, options);
    }
    if (Date.now() > deadline) {
      const exited = started.exitCode !== null ? ` The host process exited with code ${started.exitCode}.` : '';
      throw new HostError(
        'start-timeout',
        `The session host did not answer within ${options.startTimeoutMs ?? DEFAULT_HOST_START_TIMEOUT_MS} ms.${exited} See ${hostPaths(directory).log}. Last error: ${lastError?.message}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_INTERVAL_MS));
  }
}

function startHost(directory: string, options: ConnectToSessionHostOptions): { exitCode: number | null } {
  const status: { exitCode: number | null } = { exitCode: null };
  options.log?.(`starting the session host in ${directory}`);
  const child = spawn(options.execPath ?? process.execPath, [options.hostScript, ...buildHostArguments({ ...options, directory, hostVersion: options.clientVersion })], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  child.on('exit', (code) => {
    status.exitCode = code;
  });
  child.on('error', (error) => options.log?.(`could not start the session host: ${error.message}`));
  child.unref();
  return status;
}
