import * as vscode from 'vscode';
import { describeExitStatus } from '../../shared/exitStatus';
import { loadDefinedMilestones } from './definedMilestones';
import { shellSettings } from './settings';
import { SpecError, specChoosesProcess, type MilestoneSpec } from './milestoneSpec';
import type { SavedScreens } from './savedScreens';
import { DisposableBase, DisposableStore, normalizeMilestoneId, toDisposable, type Disposable, type SessionOptions, type TerminalSession as Session, type TerminalSessionManager } from '../sessions';

/**
 * Turns milestone specs into sessions (applying definitions, settings and workspace
 * trust) and keeps each session's screen saved while it runs and when it exits.
 */
export class MilestoneService extends DisposableBase {
  /** Each session's output schedules a save of its screen, and its exit saves it; until the session is closed. */
  private readonly saveTriggers = new Map<Session, Disposable>();
  /** Saves of an exited session's final screen still being written, by milestone. */
  private readonly exitSaves = new Map<string, Promise<void>>();

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
          const triggers = new DisposableStore();
          triggers.add(session.onData(() => screens.scheduleSave(session)));
          triggers.add(
            session.onExit(() => {
              this.log.info(`${session.milestoneId} ${describeExitStatus(session)}`);
              this.saveExited(session);
            }),
          );
          this.saveTriggers.set(session, triggers);
        } else if (kind === 'closed') {
          // The saved screen stays: a restored tab may still want it. `kill` removes it.
          this.log.info(`Closed ${session.milestoneId} (pid ${session.pid})`);
          this.saveTriggers.get(session)?.dispose();
          this.saveTriggers.delete(session);
          // Its host has forgotten it: a save still scheduled could only fail.
          screens.cancelScheduled(session);
        }
      }),
    );
  }

  /**
   * The milestone's session to show: the running one, the exited one (its last screen
   * and Restart, unless `spec` asks for a process of its own), or a new one started
   * from `spec` completed by the milestone's definition.
   */
  async ensureSession(spec: MilestoneSpec): Promise<Session> {
    const existing = this.manager.getByMilestone(spec.milestoneId);
    if (existing?.state === 'running') {
      if (specChoosesProcess(spec)) {
        this.log.info(`${spec.milestoneId} is already running; attaching instead of starting ${spec.command ?? 'a shell'}`);
      }
      return existing;
    }
    if (existing && !specChoosesProcess(spec)) {
      return existing;
    }
    const { session } = await this.manager.getOrCreate(this.sessionOptions(await this.withDefinition(spec)));
    return session;
  }

  /** A spec that names only the milestone starts what the user defined for it, if anything. */
  async withDefinition(spec: MilestoneSpec): Promise<MilestoneSpec> {
    if (specChoosesProcess(spec)) {
      return spec;
    }
    const milestoneId = normalizeMilestoneId(spec.milestoneId);
    const defined = (await loadDefinedMilestones(this.log)).find((candidate) => candidate.milestoneId === milestoneId);
    return defined ? { ...defined, title: spec.title ?? defined.title } : spec;
  }

  /** Ends the session's processes and forgets its saved screen: the user is done with it. */
  async kill(session: Session): Promise<void> {
    await this.manager.close(session.id);
    // A save of its final screen still being written would bring the file back.
    await this.exitSaves.get(session.milestoneId);
    await this.screens.delete(session.milestoneId);
  }

  /**
   * Ends the milestone's process if it runs and starts it again with the same options. A
   * milestone without a session (gone with a reboot, or expired) starts from its saved options
   * or its definition, whose `resumeArgs`, if any, replace its `args`: it resumes its work.
   */
  async restart(milestoneId: string): Promise<Session> {
    const current = this.manager.getByMilestone(milestoneId);
    if (current) {
      const options = current.options;
      await this.manager.close(current.id);
      return this.manager.create(options);
    }
    const defined = await this.withDefinition({ milestoneId });
    if (defined.resumeArgs) {
      return this.manager.create(this.sessionOptions({ ...defined, args: defined.resumeArgs }));
    }
    return this.manager.create((await this.screens.load(milestoneId))?.options ?? this.sessionOptions(defined));
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

  /**
   * Saves the final screen as soon as the exit is seen, while the session still holds
   * it: a later, timed save could find the session already replaced or closed.
   */
  private saveExited(session: Session): void {
    this.screens.cancelScheduled(session);
    const saving = this.screens.save(session).finally(() => {
      if (this.exitSaves.get(session.milestoneId) === saving) {
        this.exitSaves.delete(session.milestoneId);
      }
    });
    this.exitSaves.set(session.milestoneId, saving);
  }

  /** Saves every screen now: at shutdown, before the sessions may go away. */
  async saveAll(): Promise<void> {
    await Promise.all(this.exitSaves.values());
    await this.screens.flush();
    await Promise.all(this.manager.all().map((session) => this.screens.save(session)));
  }
}
