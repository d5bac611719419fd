import * as vscode from 'vscode';
import { parseWebviewMessage, type ErrorCode, type HostToWebviewMessage, type SessionInfo } from '../../shared/protocol';
import { terminalAppearance } from '../config';
import type { SavedSession } from '../sessionStore';
import { isSessionError, type Disposable, type TerminalSession as Session } from '../sessions';
import { SessionFlowControl, type FlowParticipant } from './flowControl';
import { openTerminalLink } from './linkOpener';

/**
 * A view gets at most one output message per frame: each message costs the
 * extension host far more (serialised through VS Code to the webview) than its
 * bytes do. Output after a quiet spell goes at once, so typing echoes without delay.
 */
const OUTPUT_BATCH_MS = 16;
/** ... unless this much is waiting already. */
const OUTPUT_BATCH_MAX_CHARS = 256 * 1024;

export interface TerminalViewHost {
  /** Starts the milestone again (the user clicked Restart after it ended). */
  restart(milestoneId: string): Promise<void>;
  readonly log: vscode.LogOutputChannel;
}

/** The view whose size the process gets: the one focused last. */
const sizeOwners = new WeakMap<Session, TerminalView>();

/**
 * Connects one webview to a milestone's session: replay after the webview's
 * `ready`, then batched live output; validated input, resize, signals and acks
 * back. The webview is rebuilt whenever its tab is shown again, and each rebuild
 * starts with `ready`, so this also serves tab switches and reopening.
 */
export class TerminalView implements FlowParticipant, Disposable {
  private session: Session | undefined;
  private saved: SavedSession | undefined;
  private savedNotice: string | undefined;
  private ready = false;
  /** A screen was requested; output until it arrives is already in it. */
  private awaitingScreen = false;
  private replayGeneration = 0;
  private size: { cols: number; rows: number } | undefined;
  private pendingOutput = '';
  private flushTimer: NodeJS.Timeout | undefined;
  private lastFlushAt = 0;
  private sessionSubscriptions: Disposable[] = [];
  private readonly messageSubscription: vscode.Disposable;
  unacknowledged = 0;

  constructor(
    readonly milestoneId: string,
    private readonly webview: vscode.Webview,
    private readonly host: TerminalViewHost,
  ) {
    this.messageSubscription = webview.onDidReceiveMessage((raw: unknown) => this.receive(raw));
  }

  /** Shows a live (or exited) session; replaces whatever the view showed. */
  showSession(session: Session): void {
    if (this.session === session) {
      return;
    }
    this.unbind();
    this.session = session;
    this.saved = undefined;
    this.sessionSubscriptions = [
      session.attach(),
      session.onData((data) => this.queueOutput(data)),
      session.onDidChange(() => {
        this.flushOutput();
        this.post({ type: 'session', session: session.info() });
      }),
    ];
    if (this.ready) {
      this.sendReplay();
    }
  }

  /** Shows the saved screen of a process that is gone, with a notice saying so. */
  showSaved(saved: SavedSession, notice: string): void {
    this.unbind();
    this.saved = saved;
    this.savedNotice = notice;
    if (this.ready) {
      this.sendReplay();
    }
  }

  /** The tab was hidden: its webview is gone until shown again, which starts with `ready`. */
  hidden(): void {
    this.ready = false;
    this.pendingOutput = '';
    this.replayGeneration++;
    this.leaveFlowControl();
  }

  dispose(): void {
    this.unbind();
    this.messageSubscription.dispose();
  }

  private unbind(): void {
    this.flushOutput();
    this.leaveFlowControl();
    if (this.session && sizeOwners.get(this.session) === this) {
      sizeOwners.delete(this.session);
    }
    this.sessionSubscriptions.forEach((subscription) => subscription.dispose());
    this.sessionSubscriptions = [];
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
          this.ready = true;
          this.sendReplay();
          return;
        case 'input':
          this.requireRunning(session)?.write(message.data);
          return;
        case 'resize':
          this.size = { cols: message.cols, rows: message.rows };
          if (session && (sizeOwners.get(session) ?? this) === this) {
            session.resize(message.cols, message.rows);
          }
          return;
        case 'focus':
          if (session) {
            sizeOwners.set(session, this);
            if (this.size) {
              session.resize(this.size.cols, this.size.rows);
            }
          }
          return;
        case 'signal':
          this.requireRunning(session)?.signal(message.signal);
          return;
        case 'ack':
          this.unacknowledged = Math.max(0, this.unacknowledged - message.chars);
          if (session) {
            SessionFlowControl.for(session).update();
          }
          return;
        case 'openLink':
          openTerminalLink(message.url).catch((error: Error) => this.postError('VALIDATION', error.message));
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

  private sendReplay(): void {
    this.pendingOutput = '';
    const appearance = terminalAppearance();
    const session = this.session;
    if (session) {
      // Output until the screen arrives is part of it; the generation check drops a stale answer.
      const generation = ++this.replayGeneration;
      this.awaitingScreen = true;
      session.screen().then(
        (data) => {
          if (generation !== this.replayGeneration || this.session !== session || !this.ready) {
            return;
          }
          this.awaitingScreen = false;
          this.unacknowledged = data.length;
          SessionFlowControl.for(session).join(this);
          this.post({ type: 'replay', data, session: session.info(), appearance });
          if (this.size && session.state === 'running') {
            session.resize(this.size.cols, this.size.rows);
          }
        },
        (error: Error) => this.postError('INTERNAL', `Could not read the session's screen: ${error.message}`),
      );
    } else if (this.saved) {
      const saved = this.saved;
      const info: SessionInfo = {
        sessionId: '',
        milestoneId: saved.milestoneId,
        title: saved.title,
        pid: saved.pid,
        state: 'exited',
        exitCode: saved.exitCode,
        exitedAt: saved.exitedAt ?? saved.savedAt,
      };
      this.post({ type: 'replay', data: saved.replay, session: info, appearance });
      if (this.savedNotice) {
        this.post({ type: 'notice', text: this.savedNotice });
      }
    }
  }

  private queueOutput(data: string): void {
    if (!this.ready || this.awaitingScreen) {
      return; // the replay will bring the view up to date when it is shown
    }
    this.pendingOutput += data;
    if (this.pendingOutput.length >= OUTPUT_BATCH_MAX_CHARS) {
      this.flushOutput();
    } else if (!this.flushTimer) {
      const sinceLastFlush = Date.now() - this.lastFlushAt;
      if (sinceLastFlush >= OUTPUT_BATCH_MS) {
        this.flushOutput();
      } else {
        this.flushTimer = setTimeout(() => this.flushOutput(), OUTPUT_BATCH_MS - sinceLastFlush);
      }
    }
  }

  private flushOutput(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
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
    // A webview that is being torn down rejects; the next `ready` replays anyway.
    this.webview.postMessage(message).then(undefined, () => undefined);
  }
}
