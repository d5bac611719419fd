/**
 * Where a session's transcript lives and how it is read back: by the session host that
 * writes it, and by the extension, which reads the files directly (the host runs on the
 * same machine), also after the host is gone. Plain Node: no vscode.
 *
 * Per session, in the host directory's private `transcripts` folder:
 * `<sessionId>.json` (milestone, title, start), `<sessionId>.log` (the newest output) and
 * `<sessionId>.1.log` (the output before it, once the log was rotated at half the cap).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export interface TranscriptMetadata {
  readonly sessionId: string;
  readonly milestoneId: string;
  readonly title: string;
  readonly createdAt: number;
}

export interface TranscriptPaths {
  readonly metadata: string;
  readonly current: string;
  readonly previous: string;
}

/** Session ids are UUIDs; anything else in the folder is not a transcript of ours. */
const SESSION_ID = /^[0-9a-f-]{36}$/;
const TRANSCRIPT_FILE = /^([0-9a-f-]{36})(?:\.json|\.log|\.1\.log)$/;

export function transcriptDirectory(hostDirectory: string): string {
  return path.join(hostDirectory, 'transcripts');
}

export function transcriptPaths(directory: string, sessionId: string): TranscriptPaths {
  if (!SESSION_ID.test(sessionId)) {
    // Never a path built from something else: the id could otherwise lead out of the folder.
    throw new Error(`Not a session id: ${JSON.stringify(sessionId.slice(0, 80))}.`);
  }
  const base = path.join(directory, sessionId);
  return { metadata: `${base}.json`, current: `${base}.log`, previous: `${base}.1.log` };
}

async function readOrEmpty(file: string): Promise<Buffer> {
  try {
    return await fsp.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return Buffer.alloc(0);
    }
    throw error;
  }
}

/** Every byte the transcript still holds, oldest first; undefined when the session has none. */
export async function readTranscript(directory: string, sessionId: string): Promise<Buffer | undefined> {
  const files = transcriptPaths(directory, sessionId);
  const [previous, current] = await Promise.all([readOrEmpty(files.previous), readOrEmpty(files.current)]);
  if (previous.length === 0 && current.length === 0) {
    const exists = await fsp.stat(files.metadata).then(
      () => true,
      () => false,
    );
    return exists ? Buffer.alloc(0) : undefined;
  }
  return Buffer.concat([previous, current]);
}

/** The transcripts in `directory`, newest first; a metadata file that cannot be read is skipped. */
export async function listTranscripts(directory: string): Promise<TranscriptMetadata[]> {
  const names = await fsp.readdir(directory).catch(() => [] as string[]);
  const found: TranscriptMetadata[] = [];
  for (const name of names) {
    if (!name.endsWith('.json') || !TRANSCRIPT_FILE.test(name)) {
      continue;
    }
    try {
      const parsed = JSON.parse(await fsp.readFile(path.join(directory, name), 'utf8')) as Partial<TranscriptMetadata>;
      if (typeof parsed.sessionId === 'string' && SESSION_ID.test(parsed.sessionId) && typeof parsed.milestoneId === 'string' && typeof parsed.title === 'string' && typeof parsed.createdAt === 'number') {
        found.push({ sessionId: parsed.sessionId, milestoneId: parsed.milestoneId, title: parsed.title, createdAt: parsed.createdAt });
      }
    } catch {
      // Removed by a sweep meanwhile, or half written by a host that was killed: not listed.
    }
  }
  return found.sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * Removes the files of transcripts not written for longer than `retentionMs`, except
 * those of `liveSessionIds`. Returns the session ids removed.
 */
export async function sweepTranscripts(directory: string, retentionMs: number, liveSessionIds: ReadonlySet<string>, now = Date.now()): Promise<string[]> {
  const names = await fsp.readdir(directory).catch(() => [] as string[]);
  const newest = new Map<string, number>();
  for (const name of names) {
    const sessionId = TRANSCRIPT_FILE.exec(name)?.[1];
    if (!sessionId || liveSessionIds.has(sessionId)) {
      continue;
    }
    const stat = await fsp.stat(path.join(directory, name)).catch(() => undefined);
    if (stat) {
      newest.set(sessionId, Math.max(newest.get(sessionId) ?? 0, stat.mtimeMs));
    }
  }
  const expired = [...newest].filter(([, modified]) => now - modified > retentionMs).map(([sessionId]) => sessionId);
  for (const sessionId of expired) {
    const files = transcriptPaths(directory, sessionId);
    // The logs first: a transcript is listed by its metadata, which must not outlive them.
    await Promise.all([fsp.rm(files.current, { force: true }), fsp.rm(files.previous, { force: true })]);
    await fsp.rm(files.metadata, { force: true });
  }
  return expired;
}

/** Matches one escape sequence, or another C0 control than TAB, LF or CR. */
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|[\]PX^_][\s\S]*?(?:\x07|\x1b\\|$)|[\x20-\x2f]*[\x30-\x7e]|$)|\x9b[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;

/**
 * A transcript as plain text: escape sequences and controls removed, CRLF as LF, and a
 * line rewritten after a lone CR (progress bars, spinners) shown as the terminal left it.
 */
export function transcriptToText(raw: string): string {
  const stripped = raw.replace(ESCAPES, '');
  return stripped
    .split('\n')
    .map((line) => {
      const body = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (!body.includes('\r')) {
        return body;
      }
      // Each segment after a CR overwrites the start of what the line showed.
      return body.split('\r').reduce((shown, segment) => segment + shown.slice(segment.length), '');
    })
    .join('\n');
}
