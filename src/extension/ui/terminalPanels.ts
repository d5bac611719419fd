import * as vscode from 'vscode';
import { describeExitStatus } from '../../shared/exitStatus';
import type { MilestoneService } from '../milestones/milestoneService';
import type { SavedSession } from '../milestones/savedScreens';
import { affectsKeptPages, keptPages } from '../milestones/settings';
import { DisposableBase, DisposableStore, MutableDisposable, disposableTimeout, normalizeMilestoneId, toDisposable, type Disposable, type TerminalSession as Session } from '../sessions';
import { PageBuilds, RecentlyUsed } from './keptPages';
import { terminalAppearance } from './terminalAppearance';
import { TerminalTab } from './terminalTab';
import { renderReleasedHtml, renderTerminalHtml, webviewOptions } from './webviewHtml';

export const TERMINAL_VIEW_TYPE = 'milestoneTerminals.terminal';
/**
 * Pages beyond the bound are released once the tabs' visibility has settled: a switch is
 * reported as the old tab hidden, then the new one shown, and in between no tab is visible.
 */
const RELEASE_AFTER_MS = 1_000;
/** Pages loading at once (see PageBuilds): one per editor group a user shows side by side is plenty. */
const PAGES_BUILT_AT_ONCE = 2;
/**
 * A page that has not said `ready` by then is lost: the workbench's service worker gave up on
 * a resource, or (seen on 1.100 and 1.139 when dozens of tabs open at once) the webview's frame
 * never became ready, whatever page it is given. A visible tab then gets a new webview; a hidden
 * one is built again when shown. A page loads in well under a second, a few on a loaded machine.
 */
const PAGE_BUILD_TIMEOUT_MS = 10_000;

interface PanelEntry {
  readonly panel: vscode.WebviewPanel;
  readonly view: TerminalTab;
  /** The view and the panel's event subscriptions, released when the tab closes. */
  readonly subscriptions: DisposableStore;
  /** Gives up on the page being built if it never says `ready`. */
  readonly buildTimeout: MutableDisposable<Disposable>;
}

/**
 * Editor tabs that show milestone terminals: opening, revealing, bringing them back
 * after a window reload (WebviewPanelSerializer), and bounding how many hidden tabs
 * keep their page (`milestoneTerminals.keptPages`).
 */
export class TerminalPanels extends DisposableBase implements vscode.WebviewPanelSerializer {
  private readonly entries = new Set<PanelEntry>();
  private readonly sizeOwners = new WeakMap<Session, TerminalTab>();
  private hostResponsive = true;
  private readonly recentlyUsed = new RecentlyUsed<PanelEntry>();
  private keptPages = keptPages();
  private readonly pendingRelease = this.register(new MutableDisposable());
  private readonly pageBuilds = new PageBuilds<PanelEntry>(PAGES_BUILT_AT_ONCE);
  /** Pages built while this was 'off' lack the WebGL renderer's code. */
  private gpuAcceleration = terminalAppearance().gpuAcceleration;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: MilestoneService,
  ) {
    super();
    this.register(vscode.window.registerWebviewPanelSerializer(TERMINAL_VIEW_TYPE, this));
    this.register(
      // A restarted milestone gets a new session: every tab showing the milestone follows it.
      service.manager.onDidChangeSessions(({ kind, session }) => {
        if (kind === 'created') {
          this.panelsOf(session.milestoneId).forEach(({ view }) => view.showSession(session));
        }
      }),
    );
    this.register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (affectsKeptPages(event)) {
          this.keptPages = keptPages();
          this.boundPages();
        }
        if (event.affectsConfiguration('terminal.integrated.gpuAcceleration')) {
          this.followGpuAcceleration();
        }
      }),
    );
    // The tabs stay open (VS Code restores them after a reload); only their views go.
    this.register(
      toDisposable(() => {
        this.entries.forEach((entry) => entry.subscriptions.dispose());
        this.entries.clear();
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
    return this.open(session, options);
  }

  private open(session: Session, options: { preserveFocus?: boolean; viewColumn?: vscode.ViewColumn }): vscode.WebviewPanel {
    const panel = vscode.window.createWebviewPanel(
      TERMINAL_VIEW_TYPE,
      session.title,
      { viewColumn: options.viewColumn ?? vscode.ViewColumn.Active, preserveFocus: options.preserveFocus },
      webviewOptions(this.extensionUri),
    );
    this.adopt(panel, session.milestoneId, false).showSession(session);
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
    const view = this.adopt(panel, milestoneId, true);
    const session = this.service.manager.getByMilestone(milestoneId);
    if (session) {
      view.showSession(session);
      return;
    }
    const saved = await this.service.screens.load(milestoneId);
    if (saved) {
      const when = new Date(saved.exitedAt ?? saved.savedAt).toLocaleString();
      const ended = saved.exitedAt
        ? `The process ${describeExitStatus({ exitCode: saved.exitCode, exitSignal: typeof saved.exitSignal === 'number' ? saved.exitSignal : undefined })} at ${when}.`
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
        const saved = (await this.service.screens.load(view.milestoneId)) ?? this.emptySave(view.milestoneId);
        view.showSaved(
          { ...saved, exitedAt: saved.exitedAt ?? lostAt },
          `The session host stopped at ${when}, and the process with it. The screen above was saved before; use Restart to run the milestone again.`,
        );
      }),
    );
  }

  /** Every tab, open now or later, says whether the session host answers. */
  setHostResponsive(responsive: boolean): void {
    this.hostResponsive = responsive;
    this.entries.forEach(({ view }) => view.setHostResponsive(responsive));
  }

  panelsOf(milestoneId: string): PanelEntry[] {
    return [...this.entries].filter((entry) => entry.view.milestoneId === milestoneId);
  }

  private emptySave(milestoneId: string): SavedSession {
    return { milestoneId, title: milestoneId, options: { milestoneId }, pid: undefined, replay: '', savedAt: Date.now(), exitCode: undefined, exitedAt: undefined };
  }

  private adopt(panel: vscode.WebviewPanel, milestoneId: string, restored: boolean): TerminalTab {
    const subscriptions = new DisposableStore();
    const view = subscriptions.add(
      new TerminalTab(milestoneId, panel.webview, {
        restart: async (id) => {
          await this.service.restart(id);
        },
        log: this.service.log,
        sizeOwners: this.sizeOwners,
      }),
    );
    view.setHostResponsive(this.hostResponsive);
    const entry: PanelEntry = { panel, view, subscriptions, buildTimeout: subscriptions.add(new MutableDisposable()) };
    this.entries.add(entry);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'milestone-terminal.svg');
    // A tab restored after a reload has not been used in this window yet; one restored hidden
    // beyond the bound never builds its page until shown.
    if (restored) {
      this.recentlyUsed.addLeastRecent(entry);
    } else {
      this.recentlyUsed.addMostRecent(entry);
    }
    this.boundPages();
    subscriptions.add(view.onDidLoadPage(() => this.pageBuilt(entry)));
    if (restored && this.recentlyUsed.split(this.keptPages).released.includes(entry)) {
      this.releasePage(entry);
    } else {
      this.buildPage(entry);
    }
    subscriptions.add(
      panel.onDidChangeViewState(() => {
        view.setVisible(panel.visible);
        this.boundPages();
      }),
    );
    subscriptions.add(
      panel.onDidDispose(() => {
        // Closing the tab detaches the view; the process keeps running.
        subscriptions.dispose();
        this.entries.delete(entry);
        this.recentlyUsed.forget(entry);
        this.pageBuilt(entry);
      }),
    );
    return view;
  }

  /** Visible tabs get their page back at once; hidden ones beyond the bound release theirs soon. */
  private boundPages(): void {
    const visible = [...this.entries].filter((entry) => entry.panel.visible);
    this.recentlyUsed.see(visible);
    visible.filter((entry) => entry.view.hasReleasedPage).forEach((entry) => this.buildPage(entry));
    this.pendingRelease.value = disposableTimeout(() => {
      this.pendingRelease.clear();
      // A hidden tab within the bound whose page is released stays so until shown: nothing to show yet.
      this.recentlyUsed
        .split(this.keptPages)
        .released.filter((entry) => !entry.view.hasReleasedPage)
        .forEach((entry) => this.releasePage(entry));
    }, RELEASE_AFTER_MS);
  }

  private releasePage(entry: PanelEntry): void {
    this.service.log.trace(`Released the page of the hidden ${entry.view.milestoneId} tab (keptPages ${this.keptPages}).`);
    entry.view.releasePage();
    entry.panel.webview.html = renderReleasedHtml(entry.panel.title);
    this.pageBuilt(entry);
  }

  /**
   * Turning the setting away from 'off' rebuilds the pages built without WebGL, which then
   * replay; every other change reaches the pages as an appearance message (TerminalTab).
   */
  private followGpuAcceleration(): void {
    const before = this.gpuAcceleration;
    this.gpuAcceleration = terminalAppearance().gpuAcceleration;
    if (before === 'off' && this.gpuAcceleration !== 'off') {
      for (const entry of [...this.entries].filter((built) => !built.view.hasReleasedPage)) {
        this.releasePage(entry);
        this.buildPage(entry);
      }
    }
  }

  /** Builds the tab's page now, or once fewer pages are loading (it has none meanwhile). */
  private buildPage(entry: PanelEntry): void {
    if (this.pageBuilds.request(entry)) {
      this.startBuild(entry);
    } else if (!entry.view.hasReleasedPage) {
      entry.view.releasePage(); // a new tab: nothing is posted until its page is built
    }
  }

  private startBuild(entry: PanelEntry): void {
    this.service.log.trace(`Building the page of the ${entry.view.milestoneId} tab.`);
    if (entry.view.hasReleasedPage) {
      entry.view.restorePage();
    }
    entry.panel.webview.html = renderTerminalHtml(entry.panel.webview, this.extensionUri, entry.panel.title, { webgl: this.gpuAcceleration !== 'off' });
    entry.buildTimeout.value = disposableTimeout(() => {
      entry.view.releasePage();
      this.pageBuilt(entry);
      const session = this.service.manager.getByMilestone(entry.view.milestoneId);
      if (!entry.panel.visible) {
        this.service.log.warn(`The page of the hidden ${entry.view.milestoneId} tab did not load in ${PAGE_BUILD_TIMEOUT_MS / 1000} s; it is built again when shown.`);
      } else if (session) {
        // Opened beside the stuck tab, which then closes: the new one takes its place.
        this.service.log.warn(`The page of the ${entry.view.milestoneId} tab did not load in ${PAGE_BUILD_TIMEOUT_MS / 1000} s; the tab is opened afresh.`);
        this.open(session, { viewColumn: entry.panel.viewColumn });
        entry.panel.dispose();
      } else {
        this.buildPage(entry);
      }
    }, PAGE_BUILD_TIMEOUT_MS);
  }

  /** The tab's page said ready, was released, or the tab closed: the next waiting visible tab's page is built. */
  private pageBuilt(entry: PanelEntry): void {
    entry.buildTimeout.clear();
    this.pageBuilds.done(entry);
    // A tab hidden while it waited gets its page when shown again.
    this.pageBuilds.next((waiting) => this.entries.has(waiting) && waiting.panel.visible).forEach((next) => this.startBuild(next));
  }
}
