import type { WebviewToHostMessage } from '../shared/protocol';

/** What the host's WebviewPanelSerializer gets back after a window reload. */
export interface SavedViewState {
  readonly milestoneId: string;
  readonly sessionId: string;
}

interface VsCodeWebviewApi {
  postMessage(message: unknown): void;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeWebviewApi;

/** The host side as the webview sees it; typed so only protocol messages can be posted. */
export interface Host {
  post(message: WebviewToHostMessage): void;
  saveState(state: SavedViewState): void;
}

export function connectToHost(): Host {
  // acquireVsCodeApi may be called only once per page.
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    saveState: (state) => api.setState(state),
  };
}
