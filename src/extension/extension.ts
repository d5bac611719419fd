import * as path from 'node:path';
import * as vscode from 'vscode';
import { affectsSessionSettings, sessionSettings } from './milestones/settings';
import { getSessionHostManager, resetSessionHostManager, type SessionHostManager } from './host/client/sessionHostManager';
import { MilestoneService } from './milestones/milestoneService';
import { SavedScreens } from './milestones/savedScreens';
import type { MilestoneTerminalsExports } from '../../api/milestone-terminals';
import { registerApiCommands } from './api/apiCommands';
import { MilestoneApi } from './api/milestoneApi';
import { getSessionManager, resetSessionManager, type TerminalSessionManager } from './sessions';
import { registerCommands } from './ui/commands';
import { AttentionNotifier } from './ui/attention';
import { SessionTreeProvider, showHostStatus } from './ui/sessionTree';
import { Transcripts } from './ui/transcript';
import { TerminalPanels } from './ui/terminalPanels';
import { registerUriHandler } from './ui/uriHandler';

/** The API other extensions get from `vscode.extensions.getExtension(...).exports`; typed in api/milestone-terminals.d.ts. */
export type MilestoneTerminalsApi = MilestoneTerminalsExports;

/**
 * Work that must finish before the extension host goes away: saving every screen and
 * letting go of the session host. The one piece of module state here, because
 * `deactivate` gets no arguments and this work is asynchronous, which the (synchronously
 * disposed) context.subscriptions cannot wait for. `activate` sets it, `deactivate` runs it.
 */
let beforeShutdown: (() => Promise<void>) | undefined;

/**
 * Sessions live in the session host process, so they outlive this extension host;
 * if that host cannot be started, they run here (and end with the window).
 */
async function openSessionManager(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<{ manager: TerminalSessionManager; hosted?: SessionHostManager }> {
  const settings = sessionSettings();
  const hosted = getSessionHostManager({
    hostScript: context.asAbsolutePath(path.join('dist', 'sessionHost.js')),
    clientVersion: String(context.extension.packageJSON.version),
    settings,
    log: (message) => log.info(message),
  });
  try {
    await hosted.connect();
    return { manager: hosted, hosted };
  } catch (error) {
    resetSessionHostManager();
    log.error(`Could not start the session host; terminals will end with this window: ${(error as Error).message}`);
    void vscode.window.showWarningMessage(`Milestone Terminals could not start its session host, so terminals will not survive a window reload: ${(error as Error).message}`);
    return { manager: getSessionManager(settings) };
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<MilestoneTerminalsApi> {
  const log = vscode.window.createOutputChannel('Milestone Terminals', { log: true });
  context.subscriptions.push(log);
  const { manager, hosted } = await openSessionManager(context, log);
  const storage = (context.storageUri ?? context.globalStorageUri).fsPath;
  const service = new MilestoneService(manager, new SavedScreens(path.join(storage, 'sessions'), log), log);
  const panels = new TerminalPanels(context.extensionUri, service);
  const api = new MilestoneApi(service);
  const tree = new SessionTreeProvider(manager);
  const treeView = vscode.window.createTreeView('milestoneTerminals.sessions', { treeDataProvider: tree, showCollapseAll: false });
  tree.watchVisibility(treeView);
  context.subscriptions.push(
    service,
    panels,
    tree,
    treeView,
    registerCommands(service, panels),
    api,
    registerApiCommands(api, log),
    registerUriHandler(service, panels),
    new AttentionNotifier(manager, panels, treeView),
    new Transcripts(manager, log),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (affectsSessionSettings(event)) {
        manager.configure(sessionSettings()).catch((error: Error) => log.error(`Could not apply the changed settings: ${error.message}`));
      }
    }),
  );
  if (hosted) {
    const showResponsive = (responsive: boolean) => {
      showHostStatus(treeView, responsive);
      panels.setHostResponsive(responsive);
    };
    context.subscriptions.push(
      hosted.onDidBecomeUnresponsive(() => showResponsive(false)),
      hosted.onDidBecomeResponsive(() => showResponsive(true)),
      hosted.onDidDisconnect(() => {
        // Gone, not hung: the lost-host notices say the rest.
        showResponsive(true);
        tree.refresh();
        void panels.showHostLost();
      }),
    );
  }
  beforeShutdown = async () => {
    await service.saveAll();
    // Stop listening first: sessions ending with this window must keep their saved screens.
    service.dispose();
    if (hosted) {
      resetSessionHostManager(); // the host and its sessions stay for the next window
    } else {
      await resetSessionManager();
    }
  };
  return api;
}

export async function deactivate(): Promise<void> {
  // VS Code calls this before disposing the subscriptions.
  await beforeShutdown?.();
  beforeShutdown = undefined;
}
