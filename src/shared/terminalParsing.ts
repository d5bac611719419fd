/**
 * How output is parsed into cells, in one place for the two terminals that parse the
 * same bytes: the session host's headless mirror and the webview's xterm. If they
 * disagree (Unicode 6 counts 😀 as one cell, Unicode 11 as two), a screen the mirror
 * serializes comes back shifted in the view.
 */
import { Unicode11Addon } from '@xterm/addon-unicode11';

/** Constructor options that change parsing (the Unicode 11 width tables are a proposed API). */
export const PARSING_OPTIONS = { allowProposedApi: true } as const;

/** The part of @xterm/xterm's and @xterm/headless's Terminal that parsing set-up needs. */
interface ParsingTerminal {
  // The addon is typed against @xterm/xterm; headless accepts the same shape.
  loadAddon(addon: Unicode11Addon): void;
  readonly unicode: { activeVersion: string };
}

/** After construction with PARSING_OPTIONS: the width tables both terminals use. */
export function configureParsing(terminal: ParsingTerminal): void {
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = '11';
}
