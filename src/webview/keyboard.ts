import type { Terminal } from '@xterm/xterm';
import { copyText, pasteClipboard } from './clipboard';

export const isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** A shortcut returns false when it does not apply, so the key goes to the process as usual. */
type Shortcut = () => boolean;

/** "ctrl+shift+c" style name of a key event; shift makes `key` upper case, so it is lowered. */
function chordOf(event: KeyboardEvent): string {
  const modifiers = [
    event.ctrlKey ? 'ctrl' : '',
    event.shiftKey ? 'shift' : '',
    event.altKey ? 'alt' : '',
    event.metaKey ? 'meta' : '',
  ].filter(Boolean);
  return [...modifiers, event.key.toLowerCase()].join('+');
}

/**
 * Chords that belong to the workbench, as in VS Code's own terminal (its default
 * commandsToSkipShell): xterm leaves them alone, so the webview passes them on to
 * VS Code (command palette, quick open, editor switching, panel toggle).
 */
const WORKBENCH_CHORDS: ReadonlySet<string> = new Set(
  isMac
    ? ['f1', 'shift+meta+p', 'meta+p', 'ctrl+tab', 'ctrl+shift+tab', 'shift+meta+[', 'shift+meta+]', 'ctrl+`', 'meta+w', 'meta+k']
    : ['f1', 'ctrl+shift+p', 'ctrl+p', 'ctrl+tab', 'ctrl+shift+tab', 'ctrl+pageup', 'ctrl+pagedown', 'ctrl+`', 'ctrl+shift+`', 'ctrl+k'],
);

/**
 * The handler for term.attachCustomKeyEventHandler: the few shortcuts the view owns
 * (find, copy, paste); every other key, printable or not, is left to xterm.
 */
export function createKeyHandler(term: Terminal, openFind: () => void): (event: KeyboardEvent) => boolean {
  const copySelection: Shortcut = () => {
    if (term.hasSelection()) {
      void copyText(term.getSelection());
    }
    return true;
  };
  const paste: Shortcut = () => {
    void pasteClipboard(term);
    return true;
  };
  const find: Shortcut = () => {
    openFind();
    return true;
  };
  // Like VS Code's terminal: Ctrl+C copies only when there is a selection, and clears
  // it so that the next Ctrl+C interrupts the process again.
  const copySelectionInsteadOfInterrupt: Shortcut = () => {
    if (!term.hasSelection()) {
      return false;
    }
    void copyText(term.getSelection());
    term.clearSelection();
    return true;
  };
  const shortcuts: ReadonlyMap<string, Shortcut> = new Map(
    isMac
      ? [['meta+f', find], ['meta+c', copySelection], ['meta+v', paste]]
      : [['ctrl+f', find], ['ctrl+shift+c', copySelection], ['ctrl+shift+v', paste], ['ctrl+c', copySelectionInsteadOfInterrupt]],
  );

  return (event) => {
    if (event.type !== 'keydown') {
      return true;
    }
    const chord = chordOf(event);
    if (WORKBENCH_CHORDS.has(chord)) {
      return false; // not handled here and not cancelled: the event bubbles on to VS Code
    }
    const shortcut = shortcuts.get(chord);
    if (!shortcut || !shortcut()) {
      return true;
    }
    // Keep the browser and the VS Code webview wrapper from copying, pasting or
    // opening a find widget a second time for the same key press.
    event.preventDefault();
    event.stopPropagation();
    return false;
  };
}
