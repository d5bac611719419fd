import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Options for every terminal panel. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    // Rebuilding a webview costs VS Code over a second (a new service worker per webview,
    // microsoft/vscode#245756); a kept one shows at once when its tab is switched back to.
    // Fixed for the panel's life, so a tab beyond `keptPages` releases its page by swapping in
    // renderReleasedHtml instead (see TerminalPanels).
    retainContextWhenHidden: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    // The view has its own find box that searches the terminal buffer.
    enableFindWidget: false,
  };
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * The one place that builds a terminal webview's page. `webgl` adds the WebGL renderer's code,
 * a third of the page's: compiled on every open, it is left out while the setting is 'off'.
 */
export function renderTerminalHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, options: { webgl: boolean }): string {
  // A fresh unguessable nonce per render: only our own script tags may run.
  const nonce = randomBytes(16).toString('base64');
  const resource = (...path: string[]): string =>
    escapeHtml(webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString());
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // 'unsafe-inline' only because xterm injects <style> elements and style attributes at runtime.
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');

  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${resource('dist', 'webview.css')}">
  <link rel="stylesheet" href="${resource('media', 'terminal.css')}">
  <title>${escapeHtml(title)}</title>
</head>
<body>
  <div id="terminal"></div>
  ${options.webgl ? `<script nonce="${nonce}" src="${resource('dist', 'webgl.js')}"></script>\n  ` : ''}<script nonce="${nonce}" src="${resource('dist', 'webview.js')}"></script>
</body>
</html>
`;
}

/**
 * What a hidden tab shows once its page is released: an empty document without script, so the
 * browser can free the terminal's page while VS Code keeps the tab's frame.
 */
export function renderReleasedHtml(title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="default-src 'none'">
  <title>${escapeHtml(title)}</title>
</head>
<body></body>
</html>
`;
}
