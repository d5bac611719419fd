import * as vscode from 'vscode';
import { describeFailure } from '../ui/errorReport';
import type { MilestoneApi } from './milestoneApi';

/**
 * The API as commands (`milestoneTerminals.api.<method>`, same arguments), for tasks,
 * keybindings and extensions that call by name. A failure rejects the caller's
 * executeCommand and is logged; it is not shown, since a program asked.
 */
export function registerApiCommands(api: MilestoneApi, log: vscode.LogOutputChannel): vscode.Disposable {
  const command = <Args extends unknown[], Result>(name: string, run: (...args: Args) => Result | Promise<Result>) =>
    vscode.commands.registerCommand(`milestoneTerminals.api.${name}`, async (...args: Args) => {
      try {
        return await run(...args);
      } catch (error) {
        const report = describeFailure(`API command ${name}`, error);
        log.warn(report.stack ? `${report.logged}\n${report.stack}` : report.logged);
        throw error;
      }
    });
  return vscode.Disposable.from(
    command('listSessions', () => api.listSessions()),
    command('sendText', (milestoneId: unknown, text: unknown, options?: unknown) => api.sendText(milestoneId, text, options)),
    command('readScreen', (milestoneId: unknown) => api.readScreen(milestoneId)),
    command('waitFor', (milestoneId: unknown, condition: unknown, options?: unknown) => api.waitFor(milestoneId, condition, options)),
    command('close', (milestoneId: unknown) => api.close(milestoneId)),
    command('restart', (milestoneId: unknown) => api.restart(milestoneId)),
  );
}
