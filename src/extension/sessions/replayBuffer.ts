import { isLowSurrogate } from '../../shared/surrogates';
import { SEQUENCE_LOOKBACK_CHARS, safeStartIndex } from './escapeSequences';

/** The seed's cap: enough for a few screens of an agent's recent output. */
export const DEFAULT_REPLAY_BUFFER_BYTES = 64 * 1024;

/** The first code point boundary at or after `byteCount` UTF-8 bytes into `text`. */
function indexAfterBytes(text: string, byteCount: number): number {
  let bytes = 0;
  let index = 0;
  while (index < text.length && bytes < byteCount) {
    const code = text.charCodeAt(index);
    if (code < 0x80) {
      bytes += 1;
    } else if (code < 0x800) {
      bytes += 2;
    } else if (code <= 0xdbff && code >= 0xd800 && isLowSurrogateAt(text, index + 1)) {
      bytes += 4;
      index++;
    } else {
      // Lone surrogates count as U+FFFD, 3 bytes, as Buffer.byteLength does.
      bytes += 3;
    }
    index++;
  }
  return index;
}

function isLowSurrogateAt(text: string, index: number): boolean {
  return isLowSurrogate(text.charCodeAt(index));
}

/**
 * The last `capacityBytes` of a session's output, in arrival order.
 *
 * Appends are O(1) amortised: chunks are kept as they came, with a running byte
 * total, and whole chunks are evicted from the front (the seed re-summed every
 * chunk on every append). Trimming the oldest chunk to the exact cap, and moving
 * that cut to a point where a terminal can start parsing (never inside a surrogate
 * pair or an escape sequence), is deferred until someone reads the buffer: reads
 * are rare (a view attaching), appends are the hot path.
 */
export class ReplayBuffer {
  private chunks: string[] = [];
  private chunkBytes: number[] = [];
  /** Index of the oldest live chunk; the array is compacted lazily. */
  private head = 0;
  private totalBytes = 0;
  /**
   * References to the most recently evicted text, at least SEQUENCE_LOOKBACK_CHARS
   * long when that much was evicted: the context that tells whether the front
   * begins inside an escape sequence. Kept as references, never copied, on append.
   */
  private evicted: string[] = [];
  private evictedChars = 0;
  /** Whether the front has been trimmed and aligned since the last eviction. */
  private normalized = true;

  constructor(readonly capacityBytes: number = DEFAULT_REPLAY_BUFFER_BYTES) {
    if (!Number.isInteger(capacityBytes) || capacityBytes < 0) {
      throw new RangeError(`replay buffer capacity must be a non-negative integer, got ${capacityBytes}`);
    }
  }

  /** Bytes (UTF-8) that a replay would hold now. */
  get byteLength(): number {
    this.normalize();
    return this.totalBytes;
  }

  get chunkCount(): number {
    return this.chunks.length - this.head;
  }

  add(data: string): void {
    if (data.length === 0 || this.capacityBytes === 0) {
      return;
    }
    const bytes = Buffer.byteLength(data, 'utf8');
    this.chunks.push(data);
    this.chunkBytes.push(bytes);
    this.totalBytes += bytes;
    // With evicted context, a new front (after eviction, or into an emptied buffer) needs checking.
    if (this.evictedChars > 0) {
      this.normalized = false;
    }
    while (this.totalBytes - this.chunkBytes[this.head] >= this.capacityBytes) {
      this.remember(this.chunks[this.head]);
      this.dropFront();
    }
    if (this.totalBytes > this.capacityBytes) {
      this.normalized = false;
    }
    this.compact();
  }

  /** Everything held, oldest first, ready to be written to a fresh terminal. */
  getReplay(): string {
    this.normalize();
    return this.chunks.slice(this.head).join('');
  }

  clear(): void {
    this.chunks = [];
    this.chunkBytes = [];
    this.head = 0;
    this.totalBytes = 0;
    this.evicted = [];
    this.evictedChars = 0;
    this.normalized = true;
  }

  /** Trims the front chunk to the exact cap, then past any sequence the cut splits. */
  private normalize(): void {
    if (this.normalized) {
      return;
    }
    this.normalized = true;
    const excess = this.totalBytes - this.capacityBytes;
    if (excess > 0) {
      const front = this.chunks[this.head];
      const cut = indexAfterBytes(front, excess);
      this.remember(front.slice(0, cut));
      this.replaceFront(front.slice(cut));
    }
    let before = this.evicted.join('').slice(-SEQUENCE_LOOKBACK_CHARS);
    while (this.head < this.chunks.length) {
      const front = this.chunks[this.head];
      const window = before + front;
      const start = safeStartIndex(window, before.length) - before.length;
      if (start < front.length) {
        if (start > 0) {
          this.replaceFront(front.slice(start));
          before = window.slice(0, before.length + start).slice(-SEQUENCE_LOOKBACK_CHARS);
        }
        break;
      }
      // The whole chunk is inside a sequence that is still open: it goes, and the next is checked.
      before = window.slice(-SEQUENCE_LOOKBACK_CHARS);
      this.dropFront();
    }
    // The context just before the (clean) front, for the next normalisation.
    this.evicted = before ? [before] : [];
    this.evictedChars = before.length;
  }

  private remember(text: string): void {
    this.evicted.push(text);
    this.evictedChars += text.length;
    while (this.evicted.length > 1 && this.evictedChars - this.evicted[0].length >= SEQUENCE_LOOKBACK_CHARS) {
      this.evictedChars -= this.evicted.shift()!.length;
    }
  }

  private dropFront(): void {
    this.totalBytes -= this.chunkBytes[this.head];
    this.chunks[this.head] = '';
    this.head++;
  }

  private replaceFront(text: string): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    this.totalBytes += bytes - this.chunkBytes[this.head];
    this.chunks[this.head] = text;
    this.chunkBytes[this.head] = bytes;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.chunkBytes = this.chunkBytes.slice(this.head);
      this.head = 0;
    }
  }
}
