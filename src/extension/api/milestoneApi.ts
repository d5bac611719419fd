import * as vscode from 'vscode';
import type { AttentionChange, MilestoneTerminalsApiV1, MilestoneTerminalsExports, OpenedTerminal, ScreenText, SessionStateChange, WaitResult } from '../../../api/milestone-terminals';
import type { MilestoneService } from '../milestones/milestoneService';
import { parseMilestoneSpec } from '../milestones/milestoneSpec';
import type { SessionInfo } from '../../shared/protocol';
import { DisposableBase, Emitter, toDisposable, type Disposable, type Event, type SessionSnapshot, type TerminalSession } from '../sessions';
import { parseApiVersion, parseMilestoneArgument, parseSendText, parseWaitCondition, parseWaitOptions } from './apiArguments';
import { ApiError } from './apiErrors';
import { waitForSession } from './waitFor';

export const API_VERSION = 1;

/** Tells one attention from the next: a notification can replace a bell within the same millisecond. */
function attentionKey(attention: SessionInfo['attention']): string | undefined {
  return attention && JSON.stringify([attention.reason, attention.at, attention.message]);
}

function opened(session: TerminalSession): OpenedTerminal {
  return { milestoneId: session.milestoneId, sessionId: session.id, pid: session.pid };
}

/**
 * What other extensions get from `getExtension(...).exports`, and what the
 * `milestoneTerminals.api.*` commands call. Every argument is checked here, whoever passed it.
 */
export class MilestoneApi extends DisposableBase implements MilestoneTerminalsExports {
  readonly apiVersion = API_VERSION;
  readonly version = API_VERSION;
  /** Each session's exit subscription, until it is closed. */
  private readonly exitWatches = new Map<TerminalSession, Disposable>();

  private readonly _onDidChangeSessionState = this.register(new Emitter<SessionStateChange>());
  readonly onDidChangeSessionState: Event<SessionStateChange> = this._onDidChangeSessionState.event;
  private readonly _onDidChangeAttention = this.register(new Emitter<AttentionChange>());
  readonly onDidChangeAttention: Event<AttentionChange> = this._onDidChangeAttention.event;
  /** The attention last reported per session, as attentionKey says it. */
  private readonly attentionSeen = new Map<TerminalSession, string | undefined>();

  constructor(private readonly service: MilestoneService) {
    super();
    const { manager } = service;
    for (const session of manager.all()) {
      this.watchExit(session);
      this.attentionSeen.set(session, attentionKey(session.info().attention));
    }
    this.register(
      manager.onDidChangeSessions(({ kind, session }) => {
        if (kind === 'created') {
          this.watchExit(session);
          this.fire('created', session);
        } else if (kind === 'closed') {
          this.exitWatches.get(session)?.dispose();
          this.exitWatches.delete(session);
          this.fire('closed', session);
        }
        this.reportAttention(session, kind);
      }),
    );
    this.register(
      toDisposable(() => {
        this.exitWatches.forEach((watch) => watch.dispose());
        this.exitWatches.clear();
      }),
    );
  }

  getApi(version: 1): MilestoneTerminalsApiV1 {
    parseApiVersion(version, API_VERSION);
    return this;
  }

  openMilestoneTerminal(spec: unknown): Promise<OpenedTerminal | undefined> {
    return Promise.resolve(vscode.commands.executeCommand<OpenedTerminal | undefined>('milestoneTerminals.open', parseMilestoneSpec(spec, 'API call')));
  }

  listSessions(): SessionSnapshot[] {
    return this.service.manager.list();
  }

  async sendText(milestoneId: unknown, text: unknown, options?: unknown): Promise<void> {
    const session = this.sessionOf(milestoneId);
    const data = parseSendText(text, options);
    if (session.state === 'exited') {
      throw new ApiError('session-exited', `The process of "${session.milestoneId}" has ended; the text was not sent.`);
    }
    session.write(data);
  }

  async readScreen(milestoneId: unknown): Promise<ScreenText> {
    const session = this.sessionOf(milestoneId);
    const lines = await session.screenText();
    return { milestoneId: session.milestoneId, sessionId: session.id, state: session.state, lines };
  }

  async waitFor(milestoneId: unknown, condition: unknown, options?: unknown): Promise<WaitResult> {
    const session = this.sessionOf(milestoneId);
    return waitForSession(this.service.manager, session, parseWaitCondition(condition), parseWaitOptions(options));
  }

  async close(milestoneId: unknown): Promise<boolean> {
    const session = this.service.manager.getByMilestone(parseMilestoneArgument(milestoneId));
    if (!session) {
      return false;
    }
    await this.service.kill(session);
    return true;
  }

  async restart(milestoneId: unknown): Promise<OpenedTerminal> {
    return opened(await this.service.restart(parseMilestoneArgument(milestoneId)));
  }

  private sessionOf(milestoneId: unknown): TerminalSession {
    const id = parseMilestoneArgument(milestoneId);
    const session = this.service.manager.getByMilestone(id);
    if (!session) {
      throw new ApiError('no-session', `Milestone "${id}" has no session.`);
    }
    return session;
  }

  private watchExit(session: TerminalSession): void {
    this.exitWatches.set(session, session.onExit(() => this.fire('exited', session)));
  }

  private reportAttention(session: TerminalSession, kind: 'created' | 'changed' | 'closed'): void {
    const attention = kind === 'closed' ? undefined : session.info().attention;
    const before = kind === 'created' ? undefined : this.attentionSeen.get(session);
    if (kind === 'closed') {
      this.attentionSeen.delete(session);
    } else {
      this.attentionSeen.set(session, attentionKey(attention));
    }
    if (attentionKey(attention) === before) {
      return;
    }
    this._onDidChangeAttention.fire({ milestoneId: session.milestoneId, sessionId: session.id, attention: attention && { ...attention } });
  }

  private fire(change: SessionStateChange['change'], session: TerminalSession): void {
    this._onDidChangeSessionState.fire({ change, milestoneId: session.milestoneId, sessionId: session.id, state: session.state, exitCode: session.exitCode, signal: session.exitSignal });
  }
}
