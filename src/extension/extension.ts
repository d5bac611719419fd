import * as path from 'node:path';
import * as vscode from 'vscode';
import { sessionManagerOptions } from './config';
import { MilestoneService } from './milestoneService';
import { parseMilestoneSpec } from './milestones';
import { SessionStore } from './sessionStore';
import { getSessionManager, resetSessionManager } from './sessions';
import { registerCommands, type OpenedTerminal } from './ui/commands';
import { SessionTreeProvider } from './ui/sessionTree';
import { TerminalPanels } from './ui/terminalPanels';

/** The API other extensions get from `vscode.extensions.getExtension(...).exports`. */
export interface MilestoneTerminalsApi {
  openMilestoneTerminal(spec: { milestoneId: string; cwd?: string; command?: string; args?: string[]; env?: Record<string, string>; title?: string }): Promise<OpenedTerminal | undefined>;
  listSessions(): ReturnType<ReturnType<typeof getSessionManager>['list']>;
}

/** Work that must finish before the extension host goes away. */
let beforeShutdown: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): MilestoneTerminalsApi {
  const log = vscode.window.createOutputChannel('Milestone Terminals', { log: true });
  const manager = getSessionManager(sessionManagerOptions());
  const storage = (context.storageUri ?? context.globalStorageUri).fsPath;
  const service = new MilestoneService(manager, new SessionStore(path.join(storage, 'sessions')), log);
  const panels = new TerminalPanels(context.extensionUri, service);
  const tree = new SessionTreeProvider(manager);
  const treeView = vscode.window.createTreeView('milestoneTerminals.sessions', { treeDataProvider: tree, showCollapseAll: false });
  tree.watchVisibility(treeView);
  context.subscriptions.push(log, service, panels, tree, treeView, registerCommands(service, panels));
  beforeShutdown = async () => {
    await service.saveAll();
    // Stop listening first: sessions closed by the shutdown must keep their saved screens.
    service.dispose();
  };
  return {
    openMilestoneTerminal: async (spec) => vscode.commands.executeCommand<OpenedTerminal | undefined>('milestoneTerminals.open', parseMilestoneSpec(spec, 'API call')),
    listSessions: () => manager.list(),
  };
}

export async function deactivate(): Promise<void> {
  // VS Code calls this before disposing the subscriptions: save every screen, then end the processes.
  await beforeShutdown?.();
  beforeShutdown = undefined;
  await resetSessionManager();
}
