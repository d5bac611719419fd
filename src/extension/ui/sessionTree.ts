import * as vscode from 'vscode';
import { describeExitStatus, endedInError } from '../../shared/exitStatus';
import { CONFIG_SECTION, attentionMode } from '../milestones/settings';
import { describeAttention } from './attention';
import { escapeCharacterReferences } from './displayText';
import { DisposableBase, MutableDisposable, disposableInterval, type SessionSnapshot, type TerminalSession as Session, type TerminalSessionManager } from '../sessions';

/** How often idle times in the tree are aged while it is visible (they are shown to the second only in the first minute). */
const IDLE_REFRESH_MS = 15_000;

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m`;
  }
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

export function describeSession(session: Session, now = Date.now()): string {
  if (session.state === 'exited') {
    return session.exitSignal ? describeExitStatus(session) : `exited (${session.exitCode ?? '?'})`;
  }
  const { activity, lastOutputAt } = session.info();
  if (activity === 'working') {
    return `running · pid ${session.pid} · working`;
  }
  return `running · pid ${session.pid} · idle ${formatDuration(now - (lastOutputAt ?? session.createdAt))}`;
}

/** The row's text: what the session asks for, if anything, then its state. */
function rowDescription(session: Session): string {
  const attention = attentionMode() === 'off' ? undefined : session.info().attention;
  return attention ? `${describeAttention(attention)} · ${describeSession(session)}` : describeSession(session);
}

/** Shown above the sessions while the session host is connected but silent; cleared when it answers. */
export function showHostStatus(view: vscode.TreeView<Session>, responsive: boolean): void {
  view.message = responsive ? undefined : 'Session host not responding… The sessions below keep running and will update when it answers again.';
}

/** The sidebar's list of sessions; each element is the Session itself. */
export class SessionTreeProvider extends DisposableBase implements vscode.TreeDataProvider<Session> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<Session | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  /** Ticks idle times while the tree is visible; empty while it is hidden. */
  private readonly idleRefresh = this.register(new MutableDisposable());

  constructor(private readonly manager: TerminalSessionManager) {
    super();
    this.register(manager.onDidChangeSessions(() => this.refresh()));
    this.register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`${CONFIG_SECTION}.attention`)) {
          this.refresh();
        }
      }),
    );
  }

  /** Ticks idle times only while someone can see them. */
  watchVisibility(view: vscode.TreeView<Session>): void {
    const update = () => {
      if (!view.visible) {
        this.idleRefresh.clear();
      } else if (!this.idleRefresh.value) {
        // Working and idle change with the sessions' own events; this only ages "idle 3m".
        this.idleRefresh.value = disposableInterval(() => {
          if (this.manager.all().some((session) => session.state === 'running' && session.info().activity !== 'working')) {
            this.refresh();
          }
        }, IDLE_REFRESH_MS);
      }
    };
    this.register(view.onDidChangeVisibility(update));
    update();
  }

  refresh(): void {
    this.changeEmitter.fire(undefined);
  }

  getChildren(element?: Session): Session[] {
    if (element) {
      return [];
    }
    return this.manager.all().sort((a, b) => a.milestoneId.localeCompare(b.milestoneId));
  }

  getTreeItem(session: Session): vscode.TreeItem {
    const item = new vscode.TreeItem(session.title, vscode.TreeItemCollapsibleState.None);
    item.id = session.id;
    item.description = rowDescription(session);
    item.contextValue = session.state === 'running' ? 'milestoneSession.running' : 'milestoneSession.exited';
    item.iconPath = attentionMode() !== 'off' && session.info().attention ? new vscode.ThemeIcon('bell-dot', new vscode.ThemeColor('notificationsWarningIcon.foreground')) : sessionIcon(session);
    item.command = { command: 'milestoneTerminals.openSession', title: 'Open', arguments: [session] };
    return item;
  }

  /** The tooltip is built when it is shown, not with the row, so its figures are current. */
  async resolveTreeItem(item: vscode.TreeItem, session: Session): Promise<vscode.TreeItem> {
    // A host that does not answer still gets a tooltip, from the figures this window has.
    item.tooltip = sessionTooltip(session, await session.currentSnapshot().catch(() => session.snapshot()));
    return item;
  }
}

/** Running, ended cleanly, or ended in error (a signal or a non-zero code) at a glance. */
function sessionIcon(session: Session): vscode.ThemeIcon {
  if (session.state === 'running') {
    return new vscode.ThemeIcon('terminal');
  }
  // debug-stop is drawn red by the theme unless given a colour.
  return endedInError(session) ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')) : new vscode.ThemeIcon('debug-stop', new vscode.ThemeColor('descriptionForeground'));
}

function sessionTooltip(session: Session, snapshot: SessionSnapshot): vscode.MarkdownString {
  const lines = [
    `Milestone: ${session.milestoneId}`,
    `State: ${rowDescription(session)}`,
    `Command: ${snapshot.command}`,
    `Started: ${new Date(session.createdAt).toLocaleString()}`,
    `Views attached: ${session.attachedViews} · Output kept: ${(snapshot.replayBytes / 1024).toFixed(1)} KiB`,
    `Session id: ${session.id}`,
  ];
  return new vscode.MarkdownString(undefined, false).appendText(escapeCharacterReferences(lines.join('\n')));
}
