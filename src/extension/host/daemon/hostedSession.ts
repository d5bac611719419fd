import { DisposableBase, Emitter, disposableTimeout, toDisposable, type Disposable, type Event, type PtyExit, type Session } from '../../sessions';
import { FrameKind, encodeDataFrame } from '../protocol/frames';
import type { WireSession } from '../protocol/messages';
import { TerminalMirror } from './terminalMirror';
import { TranscriptWriter, type TranscriptWriterOptions } from './transcript';

/** Where and how much of a session's output the host keeps on disk. */
export type TranscriptSettings = Pick<TranscriptWriterOptions, 'directory' | 'maxBytes' | 'onError'>;

/**
 * One session as the host serves it: its frame handle, a mirror of its screen for
 * views that attach later, and who asked it to pause.
 */
export class HostedSession extends DisposableBase {
  readonly mirror: TerminalMirror;
  /** Every byte of output on disk; absent when the user keeps no transcripts. */
  readonly transcript: TranscriptWriter | undefined;
  /** Connections that asked for a pause (each with the timer that ends its lease), plus the mirror while it is behind. */
  private readonly pausers = new Map<object, Disposable | undefined>();
  private ptyPaused = false;

  private readonly _onDidOutput = this.register(new Emitter<Buffer>());
  /** Each output chunk as an Output frame, once the mirror has it. */
  readonly onDidOutput: Event<Buffer> = this._onDidOutput.event;
  private readonly _onDidExit = this.register(new Emitter<PtyExit>());
  readonly onDidExit: Event<PtyExit> = this._onDidExit.event;

  /** Call in the manager's 'created' event, before the PTY's first output can arrive. */
  constructor(
    readonly session: Session,
    readonly handle: number,
    transcript?: TranscriptSettings,
  ) {
    super();
    this.mirror = this.register(new TerminalMirror(session.cols, session.rows, (pause) => this.setPaused(this.mirror, pause)));
    this.transcript =
      transcript &&
      this.register(
        new TranscriptWriter({
          ...transcript,
          metadata: { sessionId: session.id, milestoneId: session.milestoneId, title: session.title, createdAt: session.createdAt },
          onBackpressure: (pause) => this.setPaused(this.transcript as object, pause),
        }),
      );
    this.register(
      session.onData((data) => {
        this.transcript?.write(data);
        // Mirror first: a screen request that arrives after this frame went out must include it.
        this.mirror.write(data);
        this._onDidOutput.fire(encodeDataFrame(FrameKind.Output, handle, data));
      }),
    );
    this.register(session.onExit((exit) => this._onDidExit.fire(exit)));
    this.register(
      toDisposable(() => {
        for (const lease of this.pausers.values()) {
          lease?.dispose();
        }
        this.pausers.clear();
      }),
    );
  }

  /**
   * The PTY reads while nobody holds a pause: any one client, or the mirror, can hold it.
   * A pause with `leaseMs` lifts by itself unless asked for again within that time, so a
   * client that paused and then hung cannot stop the session for everyone else.
   */
  setPaused(pauser: object, pause: boolean, leaseMs?: number): void {
    this.pausers.get(pauser)?.dispose();
    if (pause) {
      this.pausers.set(pauser, leaseMs === undefined ? undefined : disposableTimeout(() => this.setPaused(pauser, false), leaseMs));
    } else {
      this.pausers.delete(pauser);
    }
    const shouldPause = this.pausers.size > 0;
    if (shouldPause === this.ptyPaused || this.session.state === 'exited') {
      return;
    }
    this.ptyPaused = shouldPause;
    if (shouldPause) {
      this.session.pause();
    } else {
      this.session.resume();
    }
  }

  resize(cols: number, rows: number): void {
    this.session.resize(cols, rows);
    this.mirror.resize(cols, rows);
  }

  clearReplay(): void {
    this.session.clearReplay();
    this.mirror.clear();
  }

  toWire(): WireSession {
    const { session } = this;
    return {
      ...session.snapshot(),
      handle: this.handle,
      options: session.options,
      cols: session.cols,
      rows: session.rows,
    };
  }
}
