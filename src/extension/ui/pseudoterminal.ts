import * as vscode from 'vscode';
import type { Disposable, TerminalSession as Session } from '../sessions';
import { SessionFlowControl, type FlowParticipant } from './sessionFlowControl';
import { InBandAcks } from './inBandAcks';

/**
 * How long after a replay the integrated terminal's answers to queries inside that
 * old output may still arrive; during it, input that is such an answer is dropped.
 */
const REPLAY_ANSWER_WINDOW_MS = 1_000;
/** Device attributes, cursor position and status reports, colour and other OSC replies. */
const QUERY_ANSWER = /^(\x1b\[[?>=]?[\d;]*[cRn]|\x1b\[\?[\d;]*\$y|\x1b\][\d;]*[^\x07\x1b]*(\x07|\x1b\\)|\x1bP[\s\S]*\x1b\\)+$/;

/**
 * The same session in VS Code's terminal panel: replay first, then live output;
 * keystrokes and size go to the shared process. It takes part in the session's
 * flow control through acknowledgements carried in the stream itself.
 */
class SessionPseudoterminal implements vscode.Pseudoterminal, FlowParticipant {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.writeEmitter.event;
  private subscriptions: Disposable[] = [];
  private replayedAt = 0;
  private closed = false;
  private readonly acks = new InBandAcks();
  private readonly flow: SessionFlowControl;

  constructor(private readonly session: Session) {
    this.flow = SessionFlowControl.for(session);
  }

  get unacknowledged(): number {
    return this.acks.unacknowledged;
  }

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    const session = this.session;
    // Output that arrives while the screen is fetched is part of it; later output follows it.
    let live = false;
    this.subscriptions = [
      session.attach(),
      session.onData((data) => live && this.write(data)),
      session.onExit((exit) => this.write(`\r\n\x1b[2m[process exited with code ${exit.exitCode}]\x1b[0m\r\n`)),
    ];
    void session.screen().then((screen) => {
      if (this.closed) {
        return;
      }
      this.replayedAt = Date.now();
      this.flow.join(this);
      this.write(screen);
      live = true;
    });
    if (dimensions) {
      this.setDimensions(dimensions);
    }
  }

  handleInput(input: string): void {
    const data = this.acks.incoming(input);
    if (data !== input) {
      this.flow.update();
    }
    if (!data) {
      return;
    }
    if (Date.now() - this.replayedAt < REPLAY_ANSWER_WINDOW_MS && QUERY_ANSWER.test(data)) {
      return;
    }
    if (this.session.state === 'running') {
      this.session.write(data);
    }
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    if (this.session.state === 'running') {
      this.session.resize(dimensions.columns, dimensions.rows);
    }
  }

  close(): void {
    // Closing the panel's terminal detaches it; the process keeps running.
    this.closed = true;
    this.flow.leave(this);
    this.subscriptions.forEach((subscription) => subscription.dispose());
    this.subscriptions = [];
    this.writeEmitter.dispose();
  }

  private write(data: string): void {
    this.writeEmitter.fire(this.acks.outgoing(data));
    this.flow.update();
  }
}

export function openInTerminalPanel(session: Session): vscode.Terminal {
  const terminal = vscode.window.createTerminal({
    name: session.title,
    pty: new SessionPseudoterminal(session),
    iconPath: new vscode.ThemeIcon('milestone'),
  });
  terminal.show();
  return terminal;
}
