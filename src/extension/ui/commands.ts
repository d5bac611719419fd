import * as vscode from 'vscode';
import { loadDefinedMilestones } from '../milestones/definedMilestones';
import { parseMilestoneSpec, type MilestoneSpec } from '../milestones/milestoneSpec';
import type { MilestoneService } from '../milestones/milestoneService';
import { DisposableStore, normalizeMilestoneId, type TerminalSession as Session } from '../sessions';
import { escapeIcons, milestoneIdProblem } from './displayText';
import { describeFailure } from './errorReport';
import { SessionPseudoterminal } from './sessionPseudoterminal';
import { describeSession } from './sessionTree';
import type { TerminalPanels } from './terminalPanels';

/** What opening a milestone terminal returns to callers (commands, the API). */
export interface OpenedTerminal {
  readonly milestoneId: string;
  readonly sessionId: string;
  readonly pid: number;
}

interface MilestonePickItem extends vscode.QuickPickItem {
  readonly spec?: MilestoneSpec;
}

/** The entry for a typed id: it starts the milestone, or says at once why the id cannot be one. */
function newMilestoneItem(typed: string): MilestonePickItem {
  const problem = milestoneIdProblem(typed);
  if (problem) {
    return { label: `$(error) ${problem}`, alwaysShow: true };
  }
  // Worded so that it does not outrank a known milestone that the typed text starts.
  return { label: `$(add) New milestone "${escapeIcons(typed)}"`, alwaysShow: true, spec: { milestoneId: typed } };
}

async function pickMilestone(service: MilestoneService): Promise<MilestoneSpec | undefined> {
  const sessions = service.manager.all().sort((a, b) => Number(a.state !== 'running') - Number(b.state !== 'running') || b.lastActivity - a.lastActivity);
  const active = new Set(sessions.map((session) => session.milestoneId));
  const defined = (await loadDefinedMilestones(service.log)).filter((spec) => !active.has(spec.milestoneId));
  const fixedItems: MilestonePickItem[] = [];
  if (sessions.length > 0) {
    fixedItems.push({ label: 'Active sessions', kind: vscode.QuickPickItemKind.Separator });
    for (const session of sessions) {
      fixedItems.push({ label: `$(terminal) ${escapeIcons(session.title)}`, description: describeSession(session), detail: session.title !== session.milestoneId ? escapeIcons(session.milestoneId) : undefined, spec: { milestoneId: session.milestoneId } });
    }
  }
  if (defined.length > 0) {
    fixedItems.push({ label: 'Defined milestones', kind: vscode.QuickPickItemKind.Separator });
    for (const spec of defined) {
      fixedItems.push({ label: `$(milestone) ${escapeIcons(spec.title ?? spec.milestoneId)}`, description: escapeIcons([spec.command, ...(spec.args ?? [])].filter(Boolean).join(' ') || 'shell'), detail: spec.cwd && escapeIcons(spec.cwd), spec });
    }
  }
  const subscriptions = new DisposableStore();
  const quickPick = subscriptions.add(vscode.window.createQuickPick<MilestonePickItem>());
  quickPick.title = 'Open Milestone Terminal';
  quickPick.placeholder = 'Pick a milestone, or type the id of a new one';
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.items = fixedItems;
  subscriptions.add(
    quickPick.onDidChangeValue((value) => {
      const typed = value.trim();
      const known = fixedItems.some((item) => item.spec?.milestoneId === typed);
      quickPick.items = typed && !known ? [...fixedItems, newMilestoneItem(typed)] : fixedItems;
    }),
  );
  return new Promise<MilestoneSpec | undefined>((resolve) => {
    subscriptions.add(
      quickPick.onDidAccept(() => {
        const typed = quickPick.value.trim();
        const selected = quickPick.selectedItems[0] ?? (typed ? newMilestoneItem(typed) : undefined);
        if (selected && !selected.spec) {
          return; // the entry that says why the typed id is refused: the pick stays open to fix it
        }
        resolve(selected?.spec);
        quickPick.hide();
      }),
    );
    subscriptions.add(
      quickPick.onDidHide(() => {
        resolve(undefined);
        subscriptions.dispose();
      }),
    );
    quickPick.show();
  });
}

async function pickSession(service: MilestoneService, placeholder: string): Promise<Session | undefined> {
  const items = service.manager.all().map((session) => ({ label: escapeIcons(session.title), description: describeSession(session), session }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage('There are no milestone sessions.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder: placeholder }))?.session;
}

/** Tree items are the sessions themselves. */
function isSession(value: unknown): value is Session {
  return typeof value === 'object' && value !== null && typeof (value as Session).attach === 'function' && typeof (value as Session).milestoneId === 'string';
}

/** `{ milestoneId }` from a keybinding or another extension (a session, from the tree, also has one). */
function isMilestoneReference(value: unknown): value is { milestoneId: unknown } {
  return typeof value === 'object' && value !== null && 'milestoneId' in value && !isSession(value);
}

/** A session from a tree item, a session id (keybindings, other extensions), or a pick. */
async function resolveSession(service: MilestoneService, argument: unknown, placeholder: string): Promise<Session | undefined> {
  if (isSession(argument)) {
    return argument;
  }
  if (typeof argument === 'string') {
    return service.manager.get(argument) ?? service.manager.getByMilestone(argument);
  }
  return pickSession(service, placeholder);
}

function reportError(service: MilestoneService, what: string, error: unknown): void {
  const report = describeFailure(what, error);
  service.log.error(report.stack ? `${report.logged}\n${report.stack}` : report.logged);
  void vscode.window.showErrorMessage(report.shown);
}

/** The session in VS Code's own terminal panel, next to (or instead of) its editor tab. */
function openInTerminalPanel(service: MilestoneService, session: Session): vscode.Terminal {
  const terminal = vscode.window.createTerminal({
    name: session.title,
    pty: new SessionPseudoterminal(session, service.log),
    iconPath: new vscode.ThemeIcon('milestone'),
  });
  terminal.show();
  return terminal;
}

export function registerCommands(service: MilestoneService, panels: TerminalPanels): vscode.Disposable {
  /** Shared by the command, its arguments from other extensions, and the exported API. */
  const openMilestone = async (argument: unknown, where: 'editor' | 'panel'): Promise<OpenedTerminal | undefined> => {
    const spec = argument === undefined ? await pickMilestone(service) : parseMilestoneSpec(argument, 'command arguments');
    if (!spec) {
      return undefined;
    }
    const session = await service.ensureSession(parseMilestoneSpec(spec, 'selection'));
    if (where === 'editor') {
      panels.show(session);
    } else {
      openInTerminalPanel(service, session);
    }
    return { milestoneId: session.milestoneId, sessionId: session.id, pid: session.pid };
  };

  const guarded =
    <Args extends unknown[], Result>(what: string, run: (...args: Args) => Promise<Result>) =>
    async (...args: Args): Promise<Result | undefined> => {
      try {
        return await run(...args);
      } catch (error) {
        reportError(service, what, error);
        return undefined;
      }
    };

  const register = vscode.commands.registerCommand;
  const subscriptions = [
    register('milestoneTerminals.open', guarded('Open Milestone Terminal', (argument?: unknown) => openMilestone(argument, 'editor'))),
    register(
      'milestoneTerminals.openInTerminalPanel',
      guarded('Open Milestone Terminal in Terminal Panel', (argument?: unknown) =>
        openMilestone(isSession(argument) ? { milestoneId: argument.milestoneId } : argument, 'panel'),
      ),
    ),
    register(
      'milestoneTerminals.openSession',
      guarded('Open Milestone Terminal', async (argument?: unknown) => {
        const session = await resolveSession(service, argument, 'Session to open');
        if (session) {
          panels.show(session);
        }
      }),
    ),
    register(
      'milestoneTerminals.restart',
      guarded('Restart Milestone Terminal', async (argument?: unknown) => {
        // `{ milestoneId }` restarts a milestone that may have no session (gone after a reboot, or expired): see MilestoneService.restart.
        const milestoneId = isMilestoneReference(argument)
          ? normalizeMilestoneId(argument.milestoneId)
          : (await resolveSession(service, argument, 'Session to restart'))?.milestoneId;
        if (milestoneId !== undefined) {
          const restarted = await service.restart(milestoneId);
          panels.show(restarted, { preserveFocus: true });
        }
      }),
    ),
    register(
      'milestoneTerminals.sendInterrupt',
      guarded('Send Ctrl+C', async (argument?: unknown) => {
        const session = await resolveSession(service, argument, 'Session to interrupt');
        session?.signal('SIGINT');
      }),
    ),
    register(
      'milestoneTerminals.kill',
      guarded('Kill Milestone Terminal', async (argument?: unknown) => {
        const session = await resolveSession(service, argument, 'Session to kill');
        if (session) {
          await service.kill(session);
        }
      }),
    ),
    register(
      'milestoneTerminals.copySessionId',
      guarded('Copy Session Id', async (argument?: unknown) => {
        const session = await resolveSession(service, argument, 'Session whose id to copy');
        if (session) {
          await vscode.env.clipboard.writeText(session.id);
        }
      }),
    ),
    register(
      'milestoneTerminals.clearBuffer',
      guarded('Clear Replay Buffer', async (argument?: unknown) => {
        const session = await resolveSession(service, argument, 'Session whose replay buffer to clear');
        session?.clearReplay();
      }),
    ),
    register('milestoneTerminals.showLog', () => service.log.show()),
  ];
  return vscode.Disposable.from(...subscriptions);
}
