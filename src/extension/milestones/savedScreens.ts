import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { disposableTimeout, type Disposable, type ScreenSnapshot, type SessionOptions, type TerminalSession as Session } from '../sessions';

/** What survives the extension host: enough to show the last screen and start the milestone again. */
export interface SavedSession {
  readonly milestoneId: string;
  readonly title: string;
  readonly options: SessionOptions;
  readonly pid: number | undefined;
  readonly replay: string;
  /** The size `replay` was drawn at; absent in screens saved before it was recorded. */
  readonly replaySize?: { readonly cols: number; readonly rows: number };
  readonly savedAt: number;
  readonly exitCode: number | undefined;
  /** Absent in screens saved before signals were recorded. */
  readonly exitSignal?: number;
  readonly exitedAt: number | undefined;
}

/** Screens are saved this long after output starts, so a burst costs one save. */
const SAVE_DELAY_MS = 2_000;
const FORMAT_VERSION = 1;

function fileName(milestoneId: string): string {
  return createHash('sha256').update(milestoneId).digest('hex').slice(0, 32) + '.json';
}

function isSavedSession(value: unknown, milestoneId: string): value is SavedSession {
  const saved = value as Partial<SavedSession> | null;
  return (
    typeof saved === 'object' &&
    saved !== null &&
    saved.milestoneId === milestoneId &&
    typeof saved.title === 'string' &&
    typeof saved.replay === 'string' &&
    typeof saved.savedAt === 'number' &&
    typeof saved.options === 'object' &&
    saved.options !== null &&
    saved.options.milestoneId === milestoneId
  );
}

/**
 * Keeps each milestone's last screen and launch options on disk (the extension's
 * storage), written shortly after output starts and at shutdown, so a window
 * reload or restart can still show what the process printed.
 */
export class SavedScreens implements Disposable {
  /** Saves scheduled and not yet written, by milestone. */
  private readonly pending = new Map<string, { readonly session: Session; readonly timer: Disposable }>();

  constructor(
    private readonly directory: string,
    private readonly log: Pick<vscode.LogOutputChannel, 'warn'>,
  ) {}

  scheduleSave(session: Session): void {
    if (this.pending.has(session.milestoneId)) {
      return;
    }
    const timer = disposableTimeout(() => {
      this.pending.delete(session.milestoneId);
      void this.save(session);
    }, SAVE_DELAY_MS);
    this.pending.set(session.milestoneId, { session, timer });
  }

  /** Drops the save scheduled for `session` (not one scheduled since for a newer session of its milestone). */
  cancelScheduled(session: Session): void {
    const pending = this.pending.get(session.milestoneId);
    if (pending?.session === session) {
      pending.timer.dispose();
      this.pending.delete(session.milestoneId);
    }
  }

  /** Writes everything scheduled now (at shutdown). */
  async flush(): Promise<void> {
    const sessions = [...this.pending.values()].map(({ session, timer }) => {
      timer.dispose();
      return session;
    });
    this.pending.clear();
    await Promise.all(sessions.map((session) => this.save(session)));
  }

  async save(session: Session): Promise<void> {
    try {
      await this.write(session, await session.screen());
    } catch (error) {
      // Saving is best effort: the live session is unaffected, and the next save may work.
      this.log.warn(`Could not save the screen of ${session.milestoneId}: ${(error as Error).message}`);
    }
  }

  private async write(session: Session, screen: ScreenSnapshot): Promise<void> {
    const saved: SavedSession & { version: number } = {
      version: FORMAT_VERSION,
      milestoneId: session.milestoneId,
      title: session.title,
      options: session.options,
      pid: session.pid,
      replay: screen.data,
      replaySize: screen.size,
      savedAt: Date.now(),
      exitCode: session.exitCode,
      exitSignal: session.exitSignal,
      exitedAt: session.exitedAt,
    };
    await fsp.mkdir(this.directory, { recursive: true, mode: 0o700 });
    const target = path.join(this.directory, fileName(session.milestoneId));
    // Write then rename: a crash mid-write must not destroy the previous screen.
    await fsp.writeFile(target + '.tmp', JSON.stringify(saved), { mode: 0o600 });
    await fsp.rename(target + '.tmp', target);
  }

  /** The saved state of a milestone, or undefined when there is none or it is unreadable. */
  async load(milestoneId: string): Promise<SavedSession | undefined> {
    try {
      const parsed: unknown = JSON.parse(await fsp.readFile(path.join(this.directory, fileName(milestoneId)), 'utf8'));
      return isSavedSession(parsed, milestoneId) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async delete(milestoneId: string): Promise<void> {
    this.pending.get(milestoneId)?.timer.dispose();
    this.pending.delete(milestoneId);
    await fsp.rm(path.join(this.directory, fileName(milestoneId)), { force: true });
  }

  /** Drops the saves still scheduled; `flush` first to keep them. */
  dispose(): void {
    for (const { timer } of this.pending.values()) {
      timer.dispose();
    }
    this.pending.clear();
  }
}
