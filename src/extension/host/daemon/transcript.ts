import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Disposable } from '../../sessions';
import { transcriptPaths, type TranscriptMetadata, type TranscriptPaths } from './transcriptFiles';

/** A session's transcript keeps this much unless the user chose otherwise. */
export const DEFAULT_TRANSCRIPT_MAX_BYTES = 32 * 1024 * 1024;
/** Transcripts not written for this long are removed. */
export const DEFAULT_TRANSCRIPT_RETENTION_MS = 7 * 24 * 60 * 60_000;
/**
 * Output waiting for the disk, above which the session is paused (a disk slower than the
 * PTY, a stalled network mount) and below which it resumes: memory stays bounded and no byte is dropped.
 */
export const TRANSCRIPT_HIGH_WATERMARK_BYTES = 4 * 1024 * 1024;
export const TRANSCRIPT_LOW_WATERMARK_BYTES = 1024 * 1024;

export interface TranscriptWriterOptions {
  readonly directory: string;
  readonly metadata: TranscriptMetadata;
  /** Both files together stay below this: the log is rotated at half of it. */
  readonly maxBytes: number;
  /** Called with true when the session must pause until the disk catches up, false when it may resume. */
  readonly onBackpressure: (pause: boolean) => void;
  /** A failed write ends the transcript (the session goes on); this says why. */
  readonly onError: (message: string) => void;
}

/**
 * Appends a session's output to its transcript off the flood path: write() only queues
 * the chunk; one write at a time takes everything queued since the last one, so a flood
 * costs one system call per batch, not per chunk.
 */
export class TranscriptWriter implements Disposable {
  private readonly files: TranscriptPaths;
  private handle: Promise<FileHandle | undefined>;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  private draining: Promise<void> | undefined;
  private currentBytes = 0;
  private throttled = false;
  private failed = false;
  private disposed = false;

  constructor(private readonly options: TranscriptWriterOptions) {
    this.files = transcriptPaths(options.directory, options.metadata.sessionId);
    this.handle = this.open();
  }

  get paths(): TranscriptPaths {
    return this.files;
  }

  write(data: string): void {
    if (this.failed || this.disposed) {
      return;
    }
    const bytes = Buffer.from(data, 'utf8');
    this.queued.push(bytes);
    this.queuedBytes += bytes.length;
    if (!this.throttled && this.queuedBytes > TRANSCRIPT_HIGH_WATERMARK_BYTES) {
      this.throttled = true;
      this.options.onBackpressure(true);
    }
    this.draining ??= this.drain();
  }

  /** Resolves once everything written so far is on disk (or the transcript has failed). */
  async flush(): Promise<void> {
    while (this.draining) {
      await this.draining;
    }
  }

  /** Writes what is queued, then closes the file; `closed` says when. */
  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.closed = this.flush().then(async () => (await this.handle)?.close().catch(() => undefined));
  }

  /** Settles once a disposed writer has written everything and closed its file. */
  closed: Promise<void> | undefined;

  private async open(): Promise<FileHandle | undefined> {
    try {
      await fsp.writeFile(this.files.metadata, JSON.stringify(this.options.metadata), { mode: 0o600 });
      return await fsp.open(this.files.current, 'a', 0o600);
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queued.length > 0 && !this.failed) {
        const batch = this.queued.length === 1 ? this.queued[0] : Buffer.concat(this.queued, this.queuedBytes);
        this.queued = [];
        this.queuedBytes = 0;
        const handle = await this.handle;
        if (!handle) {
          return;
        }
        await writeAll(handle, batch);
        this.currentBytes += batch.length;
        // What arrived during the write is queued now: the session resumes once that is little.
        if (this.throttled && this.queuedBytes < TRANSCRIPT_LOW_WATERMARK_BYTES) {
          this.throttled = false;
          this.options.onBackpressure(false);
        }
        if (this.currentBytes >= this.options.maxBytes / 2) {
          await this.rotate(handle);
        }
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.draining = undefined;
    }
  }

  /** The log becomes the previous one (replacing that) and a new log starts. */
  private async rotate(handle: FileHandle): Promise<void> {
    await handle.close();
    await fsp.rename(this.files.current, this.files.previous);
    this.currentBytes = 0;
    this.handle = fsp.open(this.files.current, 'a', 0o600);
    await this.handle;
  }

  private fail(error: unknown): void {
    if (this.failed) {
      return;
    }
    this.failed = true;
    this.queued = [];
    this.queuedBytes = 0;
    if (this.throttled) {
      this.throttled = false;
      this.options.onBackpressure(false);
    }
    this.options.onError(`transcript of session ${this.options.metadata.sessionId} stopped: ${(error as Error).message ?? String(error)}`);
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
