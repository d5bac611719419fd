import * as vscode from 'vscode';
import type { MilestoneService } from '../milestones/milestoneService';
import type { SavedSession } from '../milestones/savedScreens';
import { normalizeMilestoneId, type TerminalSession as Session } from '../sessions';
import { TerminalView } from './terminalView';
import { renderTerminalHtml, webviewOptions } from './webviewHtml';

export const TERMINAL_VIEW_TYPE = 'milestoneTerminals.terminal';

interface PanelEntry {
  readonly panel: vscode.WebviewPanel;
  readonly view: TerminalView;
}

/**
 * Editor tabs that show milestone terminals: opening, revealing, and bringing
 * them back after a window reload (WebviewPanelSerializer).
 */
export class TerminalPanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly entries = new Set<PanelEntry>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: MilestoneService,
  ) {
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(TERMINAL_VIEW_TYPE, this),
      // A restarted milestone gets a new session: every tab showing the milestone follows it.
      service.manager.onDidChangeSessions(({ kind, session }) => {
        if (kind === 'created') {
          this.panelsOf(session.milestoneId).forEach(({ view }) => view.showSession(session));
        }
      }),
    );
  }

  /** Reveals the milestone's tab, or opens one showing `session`. */
  show(session: Session, options: { preserveFocus?: boolean; viewColumn?: vscode.ViewColumn } = {}): vscode.WebviewPanel {
    const existing = this.panelsOf(session.milestoneId)[0];
    if (existing) {
      existing.view.showSession(session);
      existing.panel.reveal(options.viewColumn ?? existing.panel.viewColumn, options.preserveFocus);
      return existing.panel;
    }
    const panel = vscode.window.createWebviewPanel(
      TERMINAL_VIEW_TYPE,
      session.title,
      { viewColumn: options.viewColumn ?? vscode.ViewColumn.Active, preserveFocus: options.preserveFocus },
      webviewOptions(this.extensionUri),
    );
    this.adopt(panel, session.milestoneId).showSession(session);
    return panel;
  }

  /** Called by VS Code for each terminal tab that was open before a window reload. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    let milestoneId: string;
    try {
      milestoneId = normalizeMilestoneId((state as { milestoneId?: unknown } | undefined)?.milestoneId);
    } catch (error) {
      // Saved state is untrusted: a tab we cannot attribute is closed rather than guessed at.
      this.service.log.warn(`Closing a restored terminal tab with unusable state: ${(error as Error).message}`);
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(this.extensionUri);
    const view = this.adopt(panel, milestoneId);
    const session = this.service.manager.getByMilestone(milestoneId);
    if (session) {
      view.showSession(session);
      return;
    }
    const saved = await this.service.store.load(milestoneId);
    if (saved) {
      const when = new Date(saved.exitedAt ?? saved.savedAt).toLocaleString();
      const ended = saved.exitedAt
        ? `The process exited with code ${saved.exitCode ?? '?'} at ${when}.`
        : `The process (pid ${saved.pid ?? '?'}) is gone (its session host stopped), last seen at ${when}.`;
      view.showSaved(saved, `${ended} Its output above is restored; use Restart to run the milestone again.`);
    } else {
      view.showSaved(this.emptySave(milestoneId), 'The process ended and no output was saved. Use Restart to run the milestone again.');
    }
  }

  /**
   * The session host is gone, and with it every process: each tab shows its saved
   * screen with a notice, and Restart starts the milestone again (and a new host).
   */
  async showHostLost(): Promise<void> {
    const lostAt = Date.now();
    const when = new Date(lostAt).toLocaleTimeString();
    await Promise.all(
      [...this.entries].map(async ({ view }) => {
        const saved = (await this.service.store.load(view.milestoneId)) ?? this.emptySave(view.milestoneId);
        view.showSaved(
          { ...saved, exitedAt: saved.exitedAt ?? lostAt },
          `The session host stopped at ${when}, and the process with it. The screen above was saved before; use Restart to run the milestone again.`,
        );
      }),
    );
  }

  panelsOf(milestoneId: string): PanelEntry[] {
    return [...this.entries].filter((entry) => entry.view.milestoneId === milestoneId);
  }

  dispose(): void {
    this.subscriptions.forEach((subscription) => subscription.dispose());
    for (const entry of this.entries) {
      entry.view.dispose();
    }
    this.entries.clear();
  }

  private emptySave(milestoneId: string): SavedSession {
    return { milestoneId, title: milestoneId, options: { milestoneId }, pid: undefined, replay: '', savedAt: Date.now(), exitCode: undefined, exitedAt: undefined };
  }

  private adopt(panel: vscode.WebviewPanel, milestoneId: string): TerminalView {
    const view = new TerminalView(milestoneId, panel.webview, {
      restart: async (id) => {
        await this.service.restart(id);
      },
      log: this.service.log,
    });
    const entry: PanelEntry = { panel, view };
    this.entries.add(entry);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'milestone-terminal.svg');
    panel.webview.html = renderTerminalHtml(panel.webview, this.extensionUri, panel.title);
    const viewState = panel.onDidChangeViewState(() => view.setVisible(panel.visible));
    panel.onDidDispose(() => {
      // Closing the tab detaches the view; the process keeps running.
      viewState.dispose();
      view.dispose();
      this.entries.delete(entry);
    });
    return view;
  }
}
