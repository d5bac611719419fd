/**
 * Binary framing between the session host and its clients, over a stream socket.
 *
 * A frame is: u32 big-endian payload length, u8 kind, payload. Terminal output and
 * input travel as raw UTF-8 behind a u32 session handle (no JSON, no base64: output
 * is the hot path); everything else is a UTF-8 JSON control message.
 */
import { KindedError } from '../../sessions';

export const FrameKind = {
  /** UTF-8 JSON control message (see messages.ts), either direction. */
  Control: 1,
  /** Host → client: u32 session handle + UTF-8 output. */
  Output: 2,
  /** Client → host: u32 session handle + UTF-8 input for the process. */
  Input: 3,
  /** Host → client: UTF-8 JSON reason, sent just before the host drops the connection. */
  Reject: 4,
} as const;

export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const KNOWN_KINDS: ReadonlySet<number> = new Set(Object.values(FrameKind));

export const FRAME_HEADER_BYTES = 5;
/** Far above any output chunk (~19 KiB) or serialized screen (~650 KB at 10,000 lines). */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;
/**
 * Before a peer has authenticated, its only frame is a hello of a few hundred bytes:
 * a larger announcement is refused at its header, so a stranger cannot make the host
 * buffer megabytes.
 */
export const PRE_AUTH_MAX_FRAME_BYTES = 4 * 1024;
const HANDLE_BYTES = 4;

export const FRAME_ERROR_KINDS = ['oversize', 'unknown-kind', 'malformed'] as const;

export type FrameErrorKind = (typeof FRAME_ERROR_KINDS)[number];

/** The peer broke the framing: the connection cannot be trusted any further. */
export class FrameError extends KindedError<FrameErrorKind> {}

export interface Frame {
  readonly kind: FrameKind;
  readonly payload: Buffer;
}

export function encodeFrame(kind: FrameKind, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt8(kind, 4);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

export function encodeJsonFrame(kind: typeof FrameKind.Control | typeof FrameKind.Reject, message: unknown): Buffer {
  return encodeFrame(kind, Buffer.from(JSON.stringify(message), 'utf8'));
}

/** An Output or Input frame, built in one allocation. */
export function encodeDataFrame(kind: typeof FrameKind.Output | typeof FrameKind.Input, handle: number, data: string): Buffer {
  const bytes = Buffer.byteLength(data, 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + HANDLE_BYTES + bytes);
  frame.writeUInt32BE(HANDLE_BYTES + bytes, 0);
  frame.writeUInt8(kind, 4);
  frame.writeUInt32BE(handle, FRAME_HEADER_BYTES);
  frame.write(data, FRAME_HEADER_BYTES + HANDLE_BYTES, 'utf8');
  return frame;
}

export interface DataPayload {
  readonly handle: number;
  readonly data: string;
}

export function decodeDataPayload(payload: Buffer): DataPayload {
  if (payload.length < HANDLE_BYTES) {
    throw new FrameError('malformed', `A data frame needs a ${HANDLE_BYTES}-byte session handle, got ${payload.length} bytes.`);
  }
  // Each frame holds whole code points (node-pty decodes before we encode), so per-frame decoding is exact.
  return { handle: payload.readUInt32BE(0), data: payload.toString('utf8', HANDLE_BYTES) };
}

/**
 * Turns a byte stream, split anywhere, back into frames. After a FrameError the
 * decoder stays failed: the rest of the stream has no trustworthy boundaries.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failure: FrameError | undefined;

  constructor(private limit: number = DEFAULT_MAX_FRAME_BYTES) {}

  get maxFrameBytes(): number {
    return this.limit;
  }

  /** Changes the limit for frames whose header is not read yet (a peer that authenticated gets more). */
  setMaxFrameBytes(limit: number): void {
    this.limit = limit;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds bytes; returns the frames they complete, in order, at most `maxFrames` (the
   * rest stays buffered for the next push). Throws FrameError on a bad header.
   */
  push(chunk: Buffer, maxFrames = Number.POSITIVE_INFINITY): Frame[] {
    if (this.failure) {
      throw this.failure;
    }
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    while (frames.length < maxFrames && this.buffered >= FRAME_HEADER_BYTES) {
      const header = this.peek(FRAME_HEADER_BYTES);
      const length = header.readUInt32BE(0);
      const kind = header.readUInt8(4);
      if (length > this.limit) {
        this.failure = new FrameError('oversize', `Frame of ${length} bytes exceeds the limit of ${this.limit}.`);
        throw this.failure;
      }
      if (!KNOWN_KINDS.has(kind)) {
        this.failure = new FrameError('unknown-kind', `Unknown frame kind ${kind}.`);
        throw this.failure;
      }
      if (this.buffered < FRAME_HEADER_BYTES + length) {
        break;
      }
      const frame = this.take(FRAME_HEADER_BYTES + length);
      frames.push({ kind: kind as FrameKind, payload: frame.subarray(FRAME_HEADER_BYTES) });
    }
    return frames;
  }

  /** The first `count` buffered bytes (count <= buffered), copying only what spans chunks. */
  private peek(count: number): Buffer {
    const first = this.chunks[0];
    if (first.length >= count) {
      return first.subarray(0, count);
    }
    const joined = Buffer.allocUnsafe(count);
    let offset = 0;
    for (const chunk of this.chunks) {
      offset += chunk.copy(joined, offset, 0, Math.min(chunk.length, count - offset));
      if (offset === count) {
        break;
      }
    }
    return joined;
  }

  /** Removes and returns the first `count` buffered bytes; called once per frame, so large frames copy once. */
  private take(count: number): Buffer {
    const taken = this.peek(count);
    let remaining = count;
    while (remaining > 0) {
      const first = this.chunks[0];
      if (first.length <= remaining) {
        remaining -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(remaining);
        remaining = 0;
      }
    }
    this.buffered -= count;
    return taken;
  }
}

export function isFrameError(error: unknown, kind?: FrameErrorKind): error is FrameError {
  return error instanceof FrameError && (kind === undefined || error.kind === kind);
}
