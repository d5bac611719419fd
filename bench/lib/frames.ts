// Looking at one webview among hundreds: the harness's webviewFrame asks every tab's frame for its
// title with a timeout of a second each, which with hundreds of tabs runs for minutes. The
// workbench serves webview frames from its own origin, so one evaluation in the workbench's page
// reads them all.
import type { Page } from 'playwright-core';
import { EXTENSION_ID } from '../../test/support/extension';

export interface WebviewState {
  /** The tab's outer frame exists and holds its page (a tab never shown has none yet). */
  found: boolean;
  /** The workbench shows it: a hidden webview keeps its place with visibility hidden. */
  shown: boolean;
  /** Its page holds a terminal (a released page is empty). */
  hasTerminal: boolean;
  /** The terminal's rows contain `text`. */
  showsText: boolean;
}

/** The state of the webview titled `title` (our tabs' webviews are titled by their milestone). */
export async function webviewState(page: Page, title: string, text: string): Promise<WebviewState> {
  return page.evaluate(
    ({ title, text, extensionId }) => {
      for (const outer of Array.from(document.querySelectorAll<HTMLIFrameElement>(`iframe.webview.ready[src*="extensionId=${extensionId}"]`))) {
        const inner = outer.contentDocument?.querySelector<HTMLIFrameElement>('iframe#active-frame');
        if (inner?.title !== title) continue;
        const rows = inner.contentDocument?.querySelector('.xterm-rows');
        return {
          found: true,
          shown: getComputedStyle(outer).visibility === 'visible',
          hasTerminal: !!inner.contentDocument?.querySelector('.xterm'),
          showsText: !!rows?.textContent?.includes(text),
        };
      }
      return { found: false, shown: false, hasTerminal: false, showsText: false };
    },
    { title, text, extensionId: EXTENSION_ID },
  );
}
