import type * as vscode from 'vscode';
import { describeExitStatus } from '../../shared/exitStatus';
import { DisposableBase, DisposableStore, Emitter, MutableDisposable, type TerminalSession as Session } from '../sessions';
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
 *
 * Needs no vscode at run time (its events are the session core's, which have the
 * same shape), so it can be tested against a real session in plain Node.
 */
export class SessionPseudoterminal extends DisposableBase implements vscode.Pseudoterminal, FlowParticipant {
  private readonly writeEmitter = this.register(new Emitter<string>());
  readonly onDidWrite = this.writeEmitter.event;
  /** What ties this terminal to the session while it is open. */
  private readonly connection = this.register(new MutableDisposable<DisposableStore>());
  private replayedAt = 0;
  private readonly acks = new InBandAcks();
  private readonly flow: SessionFlowControl;

  constructor(
    private readonly session: Session,
    private readonly log: Pick<vscode.LogOutputChannel, 'error'>,
  ) {
    super();
    this.flow = SessionFlowControl.for(session);
  }

  get unacknowledged(): number {
    return this.acks.unacknowledged;
  }

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    const session = this.session;
    // Output that arrives while the screen is fetched is part of it; later output follows it.
    let live = false;
    const connection = new DisposableStore();
    this.connection.value = connection;
    connection.add(session.attach());
    connection.add(session.onData((data) => live && this.write(data)));
    connection.add(session.onExit((exit) => this.write(`\r\n\x1b[2m[process ${describeExitStatus({ exitCode: exit.exitCode, exitSignal: exit.signal })}]\x1b[0m\r\n`)));
    session.screen().then(
      (screen) => {
        if (connection.isDisposed) {
          return;
        }
        this.replayedAt = Date.now();
        this.flow.join(this);
        this.write(screen.data);
        live = true;
      },
      (error: Error) => {
        // The session host went away (or never answered): nothing of the process can be shown.
        this.log.error(`Could not show ${session.milestoneId} in the terminal panel: ${error.message}`);
        if (!connection.isDisposed) {
          this.write(`\x1b[2m[could not show the session: ${error.message}. If its session host stopped, the process ended with it; use Restart to run the milestone again.]\x1b[0m\r\n`);
        }
      },
    );
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

  /** Closing the panel's terminal detaches it; the process keeps running. */
  close(): void {
    this.flow.leave(this);
    this.dispose();
  }

  private write(data: string): void {
    this.writeEmitter.fire(this.acks.outgoing(data));
    this.flow.update();
  }
}
