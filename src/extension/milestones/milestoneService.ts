import * as vscode from 'vscode';
import { shellSettings } from './settings';
import { SpecError, specChoosesProcess, type MilestoneSpec } from './milestoneSpec';
import type { SavedScreens } from './savedScreens';
import { DisposableBase, toDisposable, type Disposable, type SessionOptions, type TerminalSession as Session, type TerminalSessionManager } from '../sessions';

/**
 * Turns milestone specs into sessions (applying settings and workspace trust) and
 * keeps each session's screen saved while it runs.
 */
export class MilestoneService extends DisposableBase {
  /** Each session's output schedules a save of its screen, until the session is closed. */
  private readonly saveTriggers = new Map<Session, Disposable>();
  private readonly loggedExits = new WeakSet<Session>();

  constructor(
    readonly manager: TerminalSessionManager,
    readonly screens: SavedScreens,
    readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(screens);
    this.register(
      toDisposable(() => {
        this.saveTriggers.forEach((trigger) => trigger.dispose());
        this.saveTriggers.clear();
      }),
    );
    this.register(
      manager.onDidChangeSessions(({ kind, session }) => {
        if (kind === 'created') {
          this.log.info(`Started ${session.milestoneId}: pid ${session.pid}, ${session.options.command ?? 'shell'} in ${session.options.cwd ?? '~'}`);
          this.saveTriggers.set(session, session.onData(() => screens.scheduleSave(session)));
        } else if (kind === 'changed' && session.state === 'exited') {
          this.logExitOnce(session);
          screens.scheduleSave(session);
        } else if (kind === 'closed') {
          // The saved screen stays: a restored tab may still want it. `kill` removes it.
          this.log.info(`Closed ${session.milestoneId} (pid ${session.pid})`);
          this.saveTriggers.get(session)?.dispose();
          this.saveTriggers.delete(session);
        }
      }),
    );
  }

  /** An exited session still changes (views attach and detach); its exit is news once. */
  private logExitOnce(session: Session): void {
    if (!this.loggedExits.has(session)) {
      this.loggedExits.add(session);
      this.log.info(`${session.milestoneId} exited with code ${session.exitCode}`);
    }
  }

  /** The milestone's running session, or a new one started from `spec` and the settings. */
  async ensureSession(spec: MilestoneSpec): Promise<Session> {
    const existing = this.manager.getByMilestone(spec.milestoneId);
    if (existing?.state === 'running') {
      if (specChoosesProcess(spec)) {
        this.log.info(`${spec.milestoneId} is already running; attaching instead of starting ${spec.command ?? 'a shell'}`);
      }
      return existing;
    }
    const { session } = await this.manager.getOrCreate(this.sessionOptions(spec));
    return session;
  }

  /** Ends the session's processes and forgets its saved screen: the user is done with it. */
  async kill(session: Session): Promise<void> {
    await this.manager.close(session.id);
    await this.screens.delete(session.milestoneId);
  }

  /** Ends the milestone's process if it runs and starts it again with the same options. */
  async restart(milestoneId: string): Promise<Session> {
    const current = this.manager.getByMilestone(milestoneId);
    const options = current?.options ?? (await this.screens.load(milestoneId))?.options ?? this.sessionOptions({ milestoneId });
    if (current) {
      await this.manager.close(current.id);
    }
    return this.manager.create(options);
  }

  sessionOptions(spec: MilestoneSpec): SessionOptions {
    if (specChoosesProcess(spec) && !vscode.workspace.isTrusted) {
      throw new SpecError('needs-trust', `Milestone "${spec.milestoneId}" sets its own command, folder or environment, which needs a trusted workspace.`);
    }
    const shell = shellSettings();
    return {
      milestoneId: spec.milestoneId,
      title: spec.title,
      command: spec.command ?? shell.command,
      args: spec.command ? spec.args : (spec.args ?? shell.args),
      cwd: spec.cwd ?? shell.cwd,
      env: { ...spec.env, MILESTONE_ID: spec.milestoneId },
    };
  }

  /** Saves every screen now: at shutdown, before the sessions may go away. */
  async saveAll(): Promise<void> {
    await this.screens.flush();
    await Promise.all(this.manager.all().map((session) => this.screens.save(session)));
  }
}
