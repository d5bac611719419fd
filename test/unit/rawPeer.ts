import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { FrameDecoder, FrameKind, decodeDataPayload, encodeDataFrame, encodeJsonFrame, type Frame } from '../../src/extension/host/protocol/frames';
import { PROTOCOL_VERSION, parseHostMessage, parseReject, type HostRequest, type ResponseMessage } from '../../src/extension/host/protocol/messages';
import type { HostPaths } from '../../src/extension/host/hostPaths';
import { pollUntil } from '../support/timing';

/**
 * A client that speaks the wire protocol by hand, so a test can make it misbehave
 * (a bad hello, stop reading, never renew a pause) in ways the real client never would.
 */
export class RawPeer {
  readonly frames: Frame[] = [];
  /** Output bytes received, per session handle. */
  readonly outputBytes = new Map<number, number>();
  private readonly decoder = new FrameDecoder();
  private nextId = 1;
  closed = false;
  /** Settles when the socket has closed. */
  readonly ended: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        this.frames.push(frame);
        if (frame.kind === FrameKind.Output) {
          const { handle, data } = decodeDataPayload(frame.payload);
          this.outputBytes.set(handle, (this.outputBytes.get(handle) ?? 0) + data.length);
        }
      }
    });
    // The host may cut a misbehaving peer off mid-write: EPIPE / ECONNRESET are an expected end.
    socket.on('error', () => undefined);
    this.ended = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  /** Connects without saying hello. */
  static open(socketPath: string): RawPeer {
    return new RawPeer(net.createConnection(socketPath));
  }

  /** Connects and authenticates with the host's token. */
  static async connect(paths: HostPaths, clientVersion = 'raw-peer'): Promise<RawPeer> {
    const peer = RawPeer.open(paths.socket);
    peer.hello(readFileSync(paths.token, 'utf8').trim(), PROTOCOL_VERSION, clientVersion);
    await pollUntil(() => peer.frames.length > 0, 'the welcome', { timeoutMs: 5_000 });
    return peer;
  }

  hello(token: string, protocolVersion = PROTOCOL_VERSION, clientVersion = 'raw-peer'): void {
    this.socket.write(encodeJsonFrame(FrameKind.Control, { type: 'hello', token, protocolVersion, clientVersion }));
  }

  /** The reason of the reject frame the host sent before closing the connection. */
  async rejection(): Promise<string> {
    await this.ended;
    const reject = this.frames.find((frame) => frame.kind === FrameKind.Reject);
    if (!reject) {
      throw new Error('the host closed the connection without a reject frame');
    }
    return parseReject(reject.payload).reason;
  }

  get outputFrames(): number {
    return this.frames.filter((frame) => frame.kind === FrameKind.Output).length;
  }

  /** Sends a request and waits for its response (the peer must be reading). */
  async request(request: HostRequest): Promise<ResponseMessage> {
    const id = this.nextId++;
    this.socket.write(encodeJsonFrame(FrameKind.Control, { type: 'request', id, request }));
    let response: ResponseMessage | undefined;
    await pollUntil(() => (response = this.findResponse(id)) !== undefined, `the response to ${request.method}`, { timeoutMs: 10_000 });
    return response as ResponseMessage;
  }

  /** Sends a request without waiting (the peer may have stopped reading). */
  send(request: HostRequest): void {
    this.socket.write(encodeJsonFrame(FrameKind.Control, { type: 'request', id: this.nextId++, request }));
  }

  type(handle: number, data: string): void {
    this.socket.write(encodeDataFrame(FrameKind.Input, handle, data));
  }

  /** Stops reading: the host's writes to it pile up in the socket. */
  stopReading(): void {
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private findResponse(id: number): ResponseMessage | undefined {
    for (const frame of this.frames) {
      if (frame.kind !== FrameKind.Control) {
        continue;
      }
      const message = parseHostMessage(frame.payload);
      if (message.type === 'response' && message.id === id) {
        return message;
      }
    }
    return undefined;
  }
}
