import * as assert from 'node:assert/strict';
import { Terminal } from '@xterm/headless';
import { TerminalMirror } from '../../src/extension/host/daemon/terminalMirror';
import { PARSING_OPTIONS, configureParsing } from '../../src/shared/terminalParsing';

/** Writes `data` into a terminal set up as the webview sets up its own. */
function renderLikeTheWebview(data: string, cols: number, rows: number): Promise<string[]> {
  const terminal = new Terminal({ ...PARSING_OPTIONS, cols, rows });
  configureParsing(terminal);
  return new Promise((resolve) => {
    terminal.write(data, () => {
      const buffer = terminal.buffer.active;
      const lines: string[] = [];
      for (let y = 0; y < rows; y++) {
        lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
      }
      terminal.dispose();
      resolve(lines);
    });
  });
}

describe('TerminalMirror (the session host\'s copy of the screen)', () => {
  it('lays out wide characters as the webview does, so a reopened screen matches the live one', async () => {
    const output = '\x1b[?1049h\x1b[2J\x1b[H😀😀😀😀😀|\x1b[1;7HX';
    const live = await renderLikeTheWebview(output, 40, 5);
    assert.equal(live[0], '😀😀😀X 😀|');

    const mirror = new TerminalMirror(40, 5, () => undefined);
    try {
      mirror.write(output);
      const reopened = await renderLikeTheWebview((await mirror.screen()).data, 40, 5);
      assert.deepEqual(reopened, live);
    } finally {
      mirror.dispose();
    }
  });

  it('says the size each screen was drawn at, after the output written before a resize', async () => {
    const mirror = new TerminalMirror(40, 5, () => undefined);
    try {
      mirror.write('\x1b[?1049h\x1b[2J\x1b[Hfull screen');
      assert.deepEqual((await mirror.screen()).size, { cols: 40, rows: 5 });
      mirror.resize(100, 30);
      const resized = await mirror.screen();
      assert.deepEqual(resized.size, { cols: 100, rows: 30 });
      // Written at that size, the screen is the mirror's: a new page draws it before it lays out.
      assert.equal((await renderLikeTheWebview(resized.data, 100, 30))[0], 'full screen');
    } finally {
      mirror.dispose();
    }
  });
});
