/**
 * A terminal's text as lines a program can read: what the API's readScreen returns and
 * what its waits match against. Used by the session host's mirror and, for sessions that
 * run in the extension host, by a headless terminal there.
 */

/** The part of an xterm buffer (@xterm/xterm or @xterm/headless) that reading its text needs. */
export interface TextBuffer {
  readonly length: number;
  getLine(y: number): { readonly isWrapped: boolean; translateToString(trimRight?: boolean): string } | undefined;
}

/**
 * The buffer's scrollback and screen as plain text: no escape sequences or colours, a wide
 * character once (xterm keeps an empty cell after it), a row the terminal wrapped joined
 * to the row it continues, and no blank lines after the last text.
 */
export function bufferText(buffer: TextBuffer): string[] {
  const lines: string[] = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    if (!line) {
      continue;
    }
    // A row continued on the next one keeps its trailing spaces: they are part of the line.
    const text = line.translateToString(!buffer.getLine(y + 1)?.isWrapped);
    if (line.isWrapped && lines.length > 0) {
      lines[lines.length - 1] += text;
    } else {
      lines.push(text);
    }
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}
