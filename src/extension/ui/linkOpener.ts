import * as vscode from 'vscode';
import { resolveLinkTarget } from './linkTarget';

/**
 * Opens a link clicked in a terminal (web links and OSC 8 hyperlinks alike) after
 * resolveLinkTarget has checked it: http(s) in the browser, local files in the editor.
 */
export async function openTerminalLink(url: string, log: vscode.LogOutputChannel): Promise<void> {
  const target = resolveLinkTarget(url);
  if (target.kind === 'web') {
    log.info(`Opening link ${target.url}`);
    await vscode.env.openExternal(vscode.Uri.parse(target.url, true));
    return;
  }
  log.info(`Opening file ${target.path}`);
  await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(target.path));
}
