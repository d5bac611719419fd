import type { Terminal } from '@xterm/xterm';

/** Copies text; falls back to execCommand where the async clipboard API is refused. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const putTextOnClipboard = (event: ClipboardEvent): void => {
      event.clipboardData?.setData('text/plain', text);
      event.preventDefault();
    };
    document.addEventListener('copy', putTextOnClipboard);
    try {
      document.execCommand('copy');
    } finally {
      document.removeEventListener('copy', putTextOnClipboard);
    }
  }
}

/**
 * Pastes the clipboard into the terminal through term.paste(), which wraps the text in
 * bracketed-paste markers when the program asked for them.
 */
export async function pasteClipboard(term: Terminal): Promise<void> {
  let text: string;
  try {
    text = await navigator.clipboard.readText();
  } catch {
    // execCommand('paste') fires a native paste event on the focused textarea, and
    // xterm's own paste listener handles that like term.paste().
    term.focus();
    document.execCommand('paste');
    return;
  }
  if (text) {
    term.paste(text);
  }
}
