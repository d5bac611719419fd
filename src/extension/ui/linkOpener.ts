import * as vscode from 'vscode';

/**
 * Opens a link clicked in a terminal, but only http(s) in the browser and file
 * URIs in the editor; everything else (command:, javascript:, vscode: ...) is refused.
 */
export async function openTerminalLink(url: string): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`Not a valid link: ${url.slice(0, 200)}`);
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    await vscode.env.openExternal(vscode.Uri.parse(parsed.href, true));
    return;
  }
  if (parsed.protocol === 'file:') {
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(decodeURIComponent(parsed.pathname)));
    return;
  }
  throw new Error(`Links with the scheme "${parsed.protocol}" are not opened from a terminal.`);
}
