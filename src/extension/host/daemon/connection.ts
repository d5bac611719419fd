import type * as net from 'node:net';
import { DisposableBase, Emitter, MutableDisposable, disposableTimeout, type Disposable, type Event } from '../../sessions';
import { FrameDecoder, FrameError, FrameKind, PRE_AUTH_MAX_FRAME_BYTES, encodeJsonFrame, type Frame } from '../protocol/frames';
import { PROTOCOL_VERSION, type HostMessage, type RejectMessage, type RejectReason } from '../protocol/messages';

/** A peer that never reads must not keep a rejected socket half-open longer than this. */
const REJECT_GRACE_MS = 1_000;

export interface ConnectionOptions {
  readonly maxFrameBytes: number;
  /** Output queued for a client that does not read; above it the client is dropped. */
  readonly maxBacklogBytes: number;
  readonly log: (line: string) => void;
}

/** Output held back for one session while a screen request for it is in flight. */
interface HeldOutput {
  pendingScreens: number;
  readonly frames: Buffer[];
}

/**
 * One client's socket: frames in, frames out, and what the client holds in the host
 * (attached views, output held behind a screen). Disposing it drops the client; its
 * sessions live on.
 */
export class Connection extends DisposableBase {
  private readonly decoder: FrameDecoder;
  private isClosed = false;
  private authenticatedAs: string | undefined;
  /** Views this client attached, per session id; each entry counts in the session. */
  private readonly attachments = new Map<string, Disposable[]>();
  /** How many output watches (no view) this client holds, per session id. */
  private readonly watches = new Map<string, number>();
  private readonly held = new Map<string, HeldOutput>();
  private readonly helloTimer = this.register(new MutableDisposable());

  private readonly _onDidReceiveFrame = this.register(new Emitter<Frame>());
  readonly onDidReceiveFrame: Event<Frame> = this._onDidReceiveFrame.event;
  private readonly _onDidClose = this.register(new Emitter<void>());
  /** Fired once, when the socket closes or the host drops the client. */
  readonly onDidClose: Event<void> = this._onDidClose.event;

  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
    private readonly options: ConnectionOptions,
  ) {
    super();
    this.decoder = new FrameDecoder(Math.min(PRE_AUTH_MAX_FRAME_BYTES, options.maxFrameBytes));
    // These listeners stay for the socket's life, past dispose: a rejected socket still
    // flushes and may still fail, and an 'error' without a listener would be thrown.
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    // EPIPE / ECONNRESET from a client that went away mid-write: only this connection ends.
    socket.on('error', (error) => options.log(`connection ${id}: ${error.message}`));
    socket.on('close', () => this.dispose());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get authenticated(): boolean {
    return this.authenticatedAs !== undefined;
  }

  /** Rejects the client unless it authenticates within `ms`. */
  expectHelloWithin(ms: number): void {
    this.helloTimer.value = disposableTimeout(() => this.reject('bad-hello', `No hello within ${ms} ms.`), ms);
  }

  markAuthenticated(clientVersion: string): void {
    this.authenticatedAs = clientVersion;
    this.decoder.setMaxFrameBytes(this.options.maxFrameBytes);
    this.helloTimer.clear();
    this.options.log(`connection ${this.id}: client ${clientVersion} authenticated`);
  }

  private receive(chunk: Buffer): void {
    let input = chunk;
    do {
      // One frame at a time until authenticated: the hello raises the limit for the frames behind it.
      const wasAuthenticated = this.authenticated;
      let frames: Frame[];
      try {
        frames = this.decoder.push(input, wasAuthenticated ? Number.POSITIVE_INFINITY : 1);
      } catch (error) {
        if (error instanceof FrameError) {
          this.reject('bad-frame', error.message);
          return;
        }
        throw error;
      }
      input = Buffer.alloc(0);
      for (const frame of frames) {
        if (this.closed) {
          return;
        }
        this._onDidReceiveFrame.fire(frame);
      }
      if (wasAuthenticated || frames.length === 0) {
        return;
      }
    } while (!this.closed);
  }

  // ---- what the client holds ----

  attach(sessionId: string, attachment: Disposable): void {
    const list = this.attachments.get(sessionId) ?? [];
    list.push(attachment);
    this.attachments.set(sessionId, list);
  }

  /** Ends one of this client's views of the session, if it has one; with the last one its output stops. */
  detach(sessionId: string): void {
    const list = this.attachments.get(sessionId);
    list?.pop()?.dispose();
    if (list?.length === 0) {
      this.attachments.delete(sessionId);
    }
  }

  /** The client reads the session's output without a view; counted, like views. */
  watchOutput(sessionId: string): void {
    this.watches.set(sessionId, (this.watches.get(sessionId) ?? 0) + 1);
  }

  unwatchOutput(sessionId: string): void {
    const count = (this.watches.get(sessionId) ?? 0) - 1;
    if (count > 0) {
      this.watches.set(sessionId, count);
    } else {
      this.watches.delete(sessionId);
    }
  }

  /** Forgets the session (it closed): its views and watches are gone. */
  forget(sessionId: string): void {
    for (const attachment of this.attachments.get(sessionId) ?? []) {
      attachment.dispose();
    }
    this.attachments.delete(sessionId);
    this.watches.delete(sessionId);
  }

  /** From now on output of the session waits until releaseOutput: a screen is being taken. */
  holdOutput(sessionId: string): void {
    const held = this.held.get(sessionId) ?? { pendingScreens: 0, frames: [] };
    held.pendingScreens++;
    this.held.set(sessionId, held);
  }

  /** After a screen response: output held since the request follows it, in order. */
  releaseOutput(sessionId: string): void {
    const held = this.held.get(sessionId);
    if (!held) {
      return;
    }
    held.pendingScreens--;
    if (held.pendingScreens > 0) {
      return;
    }
    this.held.delete(sessionId);
    for (const frame of held.frames) {
      this.send(frame);
    }
  }

  /** Only sessions this client shows or watches: a window pays nothing for output it does not use. */
  sendOutput(sessionId: string, frame: Buffer): void {
    if (!this.attachments.has(sessionId) && !this.watches.has(sessionId)) {
      return;
    }
    const held = this.held.get(sessionId);
    if (held) {
      held.frames.push(frame);
    } else {
      this.send(frame);
    }
  }

  // ---- sending ----

  sendMessage(message: HostMessage): void {
    this.send(encodeJsonFrame(FrameKind.Control, message));
  }

  send(frame: Buffer): void {
    if (this.closed) {
      return;
    }
    this.socket.write(frame);
    const backlog = this.socket.writableLength;
    if (backlog > this.options.maxBacklogBytes) {
      // The reason queues behind the backlog: a client that starts reading again learns why.
      this.reject('too-slow', `${backlog} bytes unread.`);
    }
  }

  /** Tells the peer why, then drops only this connection. */
  reject(reason: RejectReason, message: string): void {
    if (this.closed) {
      return;
    }
    this.options.log(`connection ${this.id}: rejected (${reason}): ${message}`);
    const reject: RejectMessage = { reason, message, protocolVersion: PROTOCOL_VERSION };
    this.socket.end(encodeJsonFrame(FrameKind.Reject, reject));
    // Whatever the peer still sends would only be read to be thrown away.
    this.socket.pause();
    const destroyLater = disposableTimeout(() => this.socket.destroy(), REJECT_GRACE_MS);
    this.socket.once('close', () => destroyLater.dispose());
    this.dispose();
  }

  /** Drops the client at once (the host is shutting down). */
  destroy(): void {
    this.socket.destroy();
    this.dispose();
  }

  override dispose(): void {
    if (this.isClosed) {
      return;
    }
    this.isClosed = true;
    for (const attachments of this.attachments.values()) {
      for (const attachment of attachments) {
        attachment.dispose();
      }
    }
    this.attachments.clear();
    this.watches.clear();
    this.held.clear();
    this._onDidClose.fire();
    if (this.authenticated) {
      this.options.log(`connection ${this.id}: client ${this.authenticatedAs} disconnected`);
    }
    super.dispose();
  }
}
