import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { TerminalMirror } from '../../src/extension/host/daemon/terminalMirror';

const MB = 1_000_000;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Heap plus the typed arrays a terminal buffer keeps its cells in, after a collection. */
function liveBytes(): number {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe('session host: terminal mirror memory', function () {
  this.timeout(60_000);

  it('holds a bounded number of cells at the largest allowed size (2000x1000)', async () => {
    const before = liveBytes();
    const mirror = new TerminalMirror(2000, 1000, () => undefined);
    try {
      // Enough lines to fill any scrollback the mirror keeps.
      for (let line = 0; line < 3000; line++) {
        mirror.write(`line ${line}\r\n`);
      }
      const screen = (await mirror.screen()).data;
      assert.match(screen, /line 2999/);
      const growth = liveBytes() - before;
      console.log(`      mirror at 2000x1000 after 3000 lines: +${(growth / MB).toFixed(1)} MB`);
      assert.ok(growth < 30 * MB, `the mirror holds ${(growth / MB).toFixed(1)} MB`);
    } finally {
      mirror.dispose();
    }
  });

  it('keeps its full scrollback at an ordinary size', async () => {
    const mirror = new TerminalMirror(80, 24, () => undefined);
    try {
      for (let line = 0; line < 1100; line++) {
        mirror.write(`line ${line}\r\n`);
      }
      const screen = (await mirror.screen()).data;
      // 1,000 lines of scrollback and the 24 of the screen: the oldest kept is line 77.
      assert.match(screen, /line 77\r\n/);
      assert.doesNotMatch(screen, /line 75\r\n/);
    } finally {
      mirror.dispose();
    }
  });
});
