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
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The last `capacityBytes` of a session's output, in arrival order.
 *
 * Appends are O(1): chunks are kept as they came with a running byte total and
 * evicted from the front. Unlike the seed, which dropped whole chunks (often far
 * more than needed) and re-summed all of them on every append, this trims the
 * oldest chunk to the exact cap and then moves the cut forward to a point where a
 * terminal can start parsing: never inside a surrogate pair or an escape sequence.
 */
export class ReplayBuffer {
  private chunks: string[] = [];
  private chunkBytes: number[] = [];
  /** Index of the oldest live chunk; the array is compacted lazily. */
  private head = 0;
  private totalBytes = 0;
  /**
   * Set when eviction emptied the buffer inside an escape sequence that is still
   * open: the text just before it, so the next chunk's continuation is skipped too.
   */
  private openSequenceTail = '';

  constructor(readonly capacityBytes: number = DEFAULT_REPLAY_BUFFER_BYTES) {
    if (!Number.isInteger(capacityBytes) || capacityBytes < 0) {
      throw new RangeError(`replay buffer capacity must be a non-negative integer, got ${capacityBytes}`);
    }
  }

  /** Bytes (UTF-8) currently held. */
  get byteLength(): number {
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
    if (this.openSequenceTail) {
      this.alignFrontToSequenceBoundary(this.openSequenceTail);
    }
    if (this.totalBytes > this.capacityBytes) {
      this.evict();
    }
  }

  /** Everything held, oldest first, ready to be written to a fresh terminal. */
  getReplay(): string {
    return this.chunks.slice(this.head).join('');
  }

  clear(): void {
    this.chunks = [];
    this.chunkBytes = [];
    this.head = 0;
    this.totalBytes = 0;
    this.openSequenceTail = '';
  }

  private evict(): void {
    let removedTail = '';
    // Whole chunks first: cheap, and each chunk is only ever dropped once.
    while (this.totalBytes - this.chunkBytes[this.head] >= this.capacityBytes) {
      removedTail = this.chunks[this.head];
      this.dropFront();
    }
    const excess = this.totalBytes - this.capacityBytes;
    if (excess > 0) {
      const front = this.chunks[this.head];
      const cut = indexAfterBytes(front, excess);
      removedTail = (removedTail + front.slice(0, cut)).slice(-SEQUENCE_LOOKBACK_CHARS);
      this.replaceFront(front.slice(cut));
    }
    this.alignFrontToSequenceBoundary(removedTail.slice(-SEQUENCE_LOOKBACK_CHARS));
    this.compact();
  }

  /** Drops the start of the front until it no longer begins inside an escape sequence. */
  private alignFrontToSequenceBoundary(removedTail: string): void {
    let before = removedTail;
    while (this.head < this.chunks.length) {
      const front = this.chunks[this.head];
      const window = before + front;
      const start = safeStartIndex(window, before.length) - before.length;
      if (start < front.length) {
        if (start > 0) {
          this.replaceFront(front.slice(start));
        }
        this.openSequenceTail = '';
        return;
      }
      // The whole chunk is inside a sequence that is still open: it goes, and the next is checked.
      before = window.slice(-SEQUENCE_LOOKBACK_CHARS);
      this.dropFront();
    }
    this.openSequenceTail = before;
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
