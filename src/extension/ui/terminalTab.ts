import * as vscode from 'vscode';
import { FlowControl, parseWebviewMessage, type ErrorCode, type HostToWebviewMessage, type SessionInfo } from '../../shared/protocol';
import { onDidChangeTerminalAppearance, terminalAppearance } from './terminalAppearance';
import type { SavedSession } from '../milestones/savedScreens';
import { DisposableBase, DisposableStore, Emitter, MutableDisposable, disposableInterval, disposableTimeout, isSessionError, type ScreenSnapshot, type TerminalSession as Session } from '../sessions';
import { SessionFlowControl, type FlowParticipant } from './sessionFlowControl';
import { openTerminalLink } from './linkOpener';

/**
 * A view gets at most one output message per frame: each message costs the
 * extension host far more (serialised through VS Code to the webview) than its
 * bytes do. Output after a quiet spell goes at once, so typing echoes without delay.
 */
const OUTPUT_BATCH_MS = 16;
/** ... unless this much is waiting already. */
const OUTPUT_BATCH_MAX_CHARS = 256 * 1024;
/**
 * A hidden tab keeps its webview and keeps up with the output. One that is behind and has
 * not acknowledged anything for this long (its page frozen, say) stops holding the process
 * back; it gets a fresh screen when it is shown again.
 */
const HIDDEN_STALL_MS = 2_000;
/** Output collected for a page that is still loading, beyond which it gets a fresh screen instead. */
const HELD_SCREEN_MAX_CHARS = 256 * 1024;
export const HOST_NOT_RESPONDING_TEXT =
  'Session host not responding… Your processes keep running; their output and your typing will arrive when it answers again.';

export interface TerminalTabHost {
  /** Starts the milestone again (the user clicked Restart after it ended). */
  restart(milestoneId: string): Promise<void>;
  readonly log: vscode.LogOutputChannel;
  /** Per session, the tab whose size the process gets: the one focused last. Shared by all tabs. */
  readonly sizeOwners: WeakMap<Session, TerminalTab>;
}

/**
 * Connects one webview to a milestone's session: replay after the webview's
 * `ready`, then batched live output; validated input, resize, signals and acks
 * back. Hidden tabs keep their webview (retainContextWhenHidden) and stay live,
 * unless their page is released (see `releasePage`); whenever a page is built afresh
 * it starts with `ready` again.
 */
export class TerminalTab extends DisposableBase implements FlowParticipant {
  private session: Session | undefined;
  private saved: SavedSession | undefined;
  private savedNotice: string | undefined;
  private ready = false;
  /** A screen was requested; output until it arrives is already in it. */
  private awaitingScreen = false;
  /**
   * The screen fetched while VS Code still builds the page (over a second), plus the output
   * since: sent as the replay the moment the page says `ready`.
   */
  private heldScreen: ScreenSnapshot | undefined;
  private replayGeneration = 0;
  private size: { cols: number; rows: number } | undefined;
  private pendingOutput = '';
  /** The pending flush of batched output, if one is scheduled. */
  private readonly flushTimer = this.register(new MutableDisposable());
  private lastFlushAt = 0;
  /** What ties the view to the session it shows; replaced when it shows another. */
  private readonly sessionBinding = this.register(new MutableDisposable<DisposableStore>());
  unacknowledged = 0;
  readonly flowWindow = FlowControl.webview;
  private lastAckAt = Date.now();
  /** Looks for a stalled page while the tab is hidden. */
  private readonly stallCheck = this.register(new MutableDisposable());
  /** Left behind while hidden: no output until it is shown again and replayed. */
  private stalledWhileHidden = false;
  private hostResponsive = true;
  /** The page was swapped for an empty one: nothing is posted until a new page says `ready`. */
  private pageReleased = false;
  private readonly _onDidLoadPage = this.register(new Emitter<void>());
  /** A newly built page said `ready`. */
  readonly onDidLoadPage = this._onDidLoadPage.event;

  constructor(
    readonly milestoneId: string,
    private readonly webview: vscode.Webview,
    private readonly host: TerminalTabHost,
  ) {
    super();
    this.register(webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)));
    this.register(
      onDidChangeTerminalAppearance(() => {
        if (this.ready) {
          this.post({ type: 'appearance', appearance: terminalAppearance() });
        }
      }),
    );
  }

  /** Shows a live (or exited) session; replaces whatever the view showed. */
  showSession(session: Session): void {
    if (this.session === session) {
      return;
    }
    this.unbind();
    this.session = session;
    this.saved = undefined;
    const binding = new DisposableStore();
    this.sessionBinding.value = binding;
    binding.add(session.attach());
    binding.add(session.onData((data) => this.queueOutput(data)));
    binding.add(
      session.onDidChange(() => {
        this.flushOutput();
        this.post({ type: 'session', session: session.info() });
      }),
    );
    this.replay();
  }

  /** Shows the saved screen of a process that is gone, with a notice saying so. */
  showSaved(saved: SavedSession, notice: string): void {
    this.unbind();
    this.saved = saved;
    this.savedNotice = notice;
    this.replay();
  }

  /** Says on the page whether the session host answers; the page keeps what it shows either way. */
  setHostResponsive(responsive: boolean): void {
    if (this.hostResponsive === responsive) {
      return;
    }
    this.hostResponsive = responsive;
    this.postHostStatus();
  }

  private postHostStatus(): void {
    this.post(this.hostResponsive ? { type: 'clearError', code: 'HOST_NOT_RESPONDING' } : { type: 'error', code: 'HOST_NOT_RESPONDING', message: HOST_NOT_RESPONDING_TEXT });
  }

  /** The tab was shown or hidden. */
  setVisible(visible: boolean): void {
    this.stallCheck.clear();
    if (!visible) {
      this.stallCheck.value = disposableInterval(() => this.leaveIfStalled(), HIDDEN_STALL_MS / 2);
    } else if (this.stalledWhileHidden) {
      this.stalledWhileHidden = false;
      if (this.ready) {
        this.replay();
      }
    }
  }

  /**
   * The tab's page is being replaced by an empty one to free the browser's memory: no
   * output is forwarded and the tab stops holding the process back. The session stays
   * attached (an open tab is a view of it, so it does not expire).
   */
  releasePage(): void {
    this.pageReleased = true;
    this.ready = false;
    this.flushTimer.clear();
    this.pendingOutput = '';
    this.replayGeneration++;
    this.awaitingScreen = false;
    this.heldScreen = undefined;
    this.stalledWhileHidden = false;
    this.leaveFlowControl();
  }

  get hasReleasedPage(): boolean {
    return this.pageReleased;
  }

  /** The real page is loading again: its screen is fetched now, to be replayed when it is ready. */
  restorePage(): void {
    this.pageReleased = false;
    this.replay();
  }

  override dispose(): void {
    this.unbind();
    super.dispose();
  }

  private leaveIfStalled(): void {
    const behind = this.unacknowledged > this.flowWindow.highWatermarkChars;
    if (!this.stalledWhileHidden && behind && Date.now() - this.lastAckAt >= HIDDEN_STALL_MS) {
      this.host.log.info(`The hidden ${this.milestoneId} tab stopped keeping up; it will be refreshed when shown.`);
      this.stalledWhileHidden = true;
      this.pendingOutput = '';
      this.leaveFlowControl();
    }
  }

  private unbind(): void {
    this.flushOutput();
    this.leaveFlowControl();
    // A screen of this session on its way, or held, is of no use any more.
    this.replayGeneration++;
    this.awaitingScreen = false;
    this.heldScreen = undefined;
    if (this.session && this.host.sizeOwners.get(this.session) === this) {
      this.host.sizeOwners.delete(this.session);
    }
    this.sessionBinding.clear();
    this.session = undefined;
  }

  private leaveFlowControl(): void {
    this.unacknowledged = 0;
    if (this.session) {
      SessionFlowControl.for(this.session).leave(this);
    }
  }

  private receive(raw: unknown): void {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.host.log.warn(`Rejected a message from the ${this.milestoneId} view: ${parsed.error}`);
      this.postError('VALIDATION', parsed.error);
      return;
    }
    const message = parsed.message;
    const session = this.session;
    try {
      switch (message.type) {
        case 'ready':
          if (this.pageReleased) {
            return; // from the page that was just released, before it went
          }
          // A page that says ready is a new one, and alive.
          this.ready = true;
          this.stalledWhileHidden = false;
          if (!this.hostResponsive) {
            this.postHostStatus(); // a new page, told what the old one showed
          }
          if (this.heldScreen !== undefined && this.session) {
            this.postReplay(this.session, this.heldScreen);
          } else if (!this.awaitingScreen) {
            this.replay(); // else the screen on its way is posted when it arrives
          }
          this._onDidLoadPage.fire();
          return;
        case 'input':
          this.requireRunning(session)?.write(message.data);
          return;
        case 'resize':
          this.size = { cols: message.cols, rows: message.rows };
          if (session && (this.host.sizeOwners.get(session) ?? this) === this) {
            session.resize(message.cols, message.rows);
          }
          return;
        case 'focus':
          if (session) {
            this.host.sizeOwners.set(session, this);
            if (this.size) {
              session.resize(this.size.cols, this.size.rows);
            }
          }
          return;
        case 'signal':
          this.requireRunning(session)?.signal(message.signal);
          return;
        case 'ack':
          this.lastAckAt = Date.now();
          this.unacknowledged = Math.max(0, this.unacknowledged - message.chars);
          if (session) {
            SessionFlowControl.for(session).update();
          }
          return;
        case 'openLink':
          openTerminalLink(message.url, this.host.log).catch((error: Error) => {
            this.host.log.warn(`Did not open a link from ${this.milestoneId}: ${error.message}`);
            this.postError('VALIDATION', error.message);
          });
          return;
        case 'restart':
          this.host.restart(this.milestoneId).catch((error: Error) => this.postError('SPAWN_FAILED', error.message));
          return;
      }
    } catch (error) {
      const code: ErrorCode = isSessionError(error, 'session-exited') ? 'SESSION_EXITED' : isSessionError(error) ? 'VALIDATION' : 'INTERNAL';
      this.host.log.error(`Handling '${message.type}' for ${this.milestoneId} failed`, error);
      this.postError(code, (error as Error).message);
    }
  }

  private requireRunning(session: Session | undefined): Session | undefined {
    if (session?.state === 'running') {
      return session;
    }
    this.postError(session ? 'SESSION_EXITED' : 'NO_SESSION', 'The process has ended; restart it to type again.');
    return undefined;
  }

  /** Brings the page up to date: the session's screen (now, or when the page is ready) or the saved one. */
  private replay(): void {
    if (this.stalledWhileHidden || this.pageReleased) {
      return; // replayed when shown
    }
    this.pendingOutput = '';
    this.heldScreen = undefined;
    const session = this.session;
    if (session) {
      // Output until the screen arrives is part of it; the generation check drops a stale answer.
      const generation = ++this.replayGeneration;
      this.awaitingScreen = true;
      session.screen().then(
        (screen) => {
          if (generation !== this.replayGeneration || this.session !== session) {
            return;
          }
          this.awaitingScreen = false;
          if (this.ready) {
            this.postReplay(session, screen);
          } else {
            this.heldScreen = screen;
          }
        },
        (error: Error) => {
          if (generation === this.replayGeneration) {
            this.awaitingScreen = false; // live output at least
          }
          this.postError('INTERNAL', `Could not read the session's screen: ${error.message}`);
        },
      );
    } else if (this.saved && this.ready) {
      const saved = this.saved;
      const info: SessionInfo = {
        sessionId: '',
        milestoneId: saved.milestoneId,
        title: saved.title,
        pid: saved.pid,
        state: 'exited',
        exitCode: saved.exitCode,
        exitSignal: typeof saved.exitSignal === 'number' ? saved.exitSignal : undefined,
        exitedAt: saved.exitedAt ?? saved.savedAt,
      };
      this.post({ type: 'replay', data: saved.replay, size: saved.replaySize, session: info, appearance: terminalAppearance() });
      if (this.savedNotice) {
        this.post({ type: 'notice', text: this.savedNotice });
      }
    }
  }

  private postReplay(session: Session, { data, size }: ScreenSnapshot): void {
    this.heldScreen = undefined;
    this.unacknowledged = data.length;
    this.lastAckAt = Date.now();
    SessionFlowControl.for(session).join(this);
    this.post({ type: 'replay', data, size, session: session.info(), appearance: terminalAppearance() });
    if (this.size && session.state === 'running') {
      session.resize(this.size.cols, this.size.rows);
    }
  }

  private queueOutput(data: string): void {
    if (this.awaitingScreen || this.stalledWhileHidden) {
      return; // a replay will bring the view up to date
    }
    if (!this.ready) {
      if (this.heldScreen !== undefined) {
        this.heldScreen = { ...this.heldScreen, data: this.heldScreen.data + data };
        if (this.heldScreen.data.length > HELD_SCREEN_MAX_CHARS) {
          this.heldScreen = undefined; // a fresh screen when the page is ready is cheaper
        }
      }
      return;
    }
    this.pendingOutput += data;
    if (this.pendingOutput.length >= OUTPUT_BATCH_MAX_CHARS) {
      this.flushOutput();
    } else if (!this.flushTimer.value) {
      const sinceLastFlush = Date.now() - this.lastFlushAt;
      if (sinceLastFlush >= OUTPUT_BATCH_MS) {
        this.flushOutput();
      } else {
        this.flushTimer.value = disposableTimeout(() => this.flushOutput(), OUTPUT_BATCH_MS - sinceLastFlush);
      }
    }
  }

  private flushOutput(): void {
    this.flushTimer.clear();
    if (!this.pendingOutput || !this.session) {
      return;
    }
    const data = this.pendingOutput;
    this.pendingOutput = '';
    this.lastFlushAt = Date.now();
    this.unacknowledged += data.length;
    this.post({ type: 'output', data });
    SessionFlowControl.for(this.session).update();
  }

  private postError(code: ErrorCode, message: string): void {
    this.post({ type: 'error', code, message });
  }

  private post(message: HostToWebviewMessage): void {
    if (this.pageReleased) {
      return; // the page that comes back is brought up to date by its replay
    }
    // A webview that is being torn down rejects; the next `ready` replays anyway.
    this.webview.postMessage(message).then(undefined, () => undefined);
  }
}
