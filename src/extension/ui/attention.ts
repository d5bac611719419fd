import * as vscode from 'vscode';
import type { SessionAttentionInfo } from '../../shared/protocol';
import { CONFIG_SECTION, attentionMode } from '../milestones/settings';
import { DisposableBase, type TerminalSession as Session, type TerminalSessionManager } from '../sessions';
import type { TerminalPanels } from './terminalPanels';

/** The words a tree row or notification uses for an attention. */
export function describeAttention(attention: SessionAttentionInfo): string {
  switch (attention.reason) {
    case 'bell':
      return 'rang the bell';
    case 'notification':
      return attention.message ? `says: ${attention.message}` : 'asks for you';
    case 'exit':
      return 'ended while nobody watched';
  }
}

/**
 * Sessions that ask for the user: the count on the view container's badge, a notification
 * with an Open button for those no visible tab shows, and clearing once a tab shows one.
 *
 * Several windows share the sessions. Clearing is a request to the session host, so a
 * session seen in one window is cleared in all. Only a focused window raises a
 * notification; another raises it when it gets the focus and the attention is still
 * there, so the user normally sees one popup, in the window in front.
 */
export class AttentionNotifier extends DisposableBase {
  /** The attentions this window has raised a notification for, by session id and time. */
  private readonly notified = new Set<string>();

  constructor(
    private readonly manager: TerminalSessionManager,
    private readonly panels: TerminalPanels,
    private readonly view: vscode.TreeView<Session>,
  ) {
    super();
    const update = () => this.update();
    this.register(manager.onDidChangeSessions(update));
    // The active tab changed, a tab group appeared, this window got or lost the focus.
    this.register(vscode.window.tabGroups.onDidChangeTabs(update));
    this.register(vscode.window.tabGroups.onDidChangeTabGroups(update));
    this.register(vscode.window.onDidChangeWindowState(update));
    this.register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`${CONFIG_SECTION}.attention`)) {
          update();
        }
      }),
    );
    this.update();
  }

  /** Whether a tab of this window shows the session to the user now. */
  private isSeen(session: Session): boolean {
    return vscode.window.state.focused && this.panels.panelsOf(session.milestoneId).some(({ panel }) => panel.visible);
  }

  private update(): void {
    const mode = attentionMode();
    const waiting: Session[] = [];
    for (const session of this.manager.all()) {
      const attention = session.info().attention;
      if (!attention) {
        continue;
      }
      if (this.isSeen(session)) {
        session.clearAttention();
        continue;
      }
      waiting.push(session);
    }
    const live = new Set(waiting.map((session) => attentionKey(session)));
    for (const key of this.notified) {
      if (!live.has(key)) {
        this.notified.delete(key);
      }
    }
    this.view.badge =
      mode === 'off' || waiting.length === 0 ? undefined : { value: waiting.length, tooltip: waiting.length === 1 ? '1 milestone needs attention' : `${waiting.length} milestones need attention` };
    if (mode === 'notify' && vscode.window.state.focused) {
      for (const session of waiting) {
        this.notify(session);
      }
    }
  }

  private notify(session: Session): void {
    const key = attentionKey(session);
    const attention = session.info().attention;
    if (!attention || this.notified.has(key)) {
      return;
    }
    this.notified.add(key);
    void vscode.window.showInformationMessage(`Milestone "${session.title}" ${describeAttention(attention)}`, 'Open').then((choice) => {
      if (choice === 'Open' && !this.isDisposed) {
        void vscode.commands.executeCommand('milestoneTerminals.openSession', session.id);
      }
    });
  }
}

function attentionKey(session: Session): string {
  return `${session.id}@${session.info().attention?.at ?? 0}`;
}
