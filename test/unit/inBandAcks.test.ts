import * as assert from 'node:assert/strict';
import { Terminal } from '@xterm/headless';
import { InBandAcks } from '../../src/extension/ui/inBandAcks';
import { FlowControl } from '../../src/shared/protocol';
import { pollUntil } from '../support/timing';

/** A real xterm whose answers go through `acks`, as VS Code's terminal panel's do; collects what the process would get. */
function connect(acks: InBandAcks): { term: Terminal; toProcess: () => string; write: (data: string) => Promise<void> } {
  const term = new Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  let forwarded = '';
  term.onData((input) => (forwarded += acks.incoming(input)));
  const write = (data: string) => new Promise<void>((resolve) => term.write(acks.outgoing(data), resolve));
  return { term, toProcess: () => forwarded, write };
}

const line = (n: number) => `\x1b[3${n % 8}mline ${n} ${'x'.repeat(n % 70)}\x1b[0m\r\n`;

describe('InBandAcks (flow control for the terminal panel, with a real xterm)', function () {
  this.timeout(20_000);

  it('counts output until xterm has parsed it, then its answers bring the count down', async () => {
    const acks = new InBandAcks();
    const { term, toProcess, write } = connect(acks);
    const written: Array<Promise<void>> = [];
    let chars = 0;
    for (let n = 0; chars < 300_000; n++) {
      chars += line(n).length;
      written.push(write(line(n)));
    }
    // Nothing is parsed before this task ends: everything is still owed.
    assert.equal(acks.unacknowledged, chars);
    assert.ok(acks.unacknowledged > FlowControl.highWatermarkChars);
    await Promise.all(written);
    // Answers are sent from the parser, after the writes' callbacks.
    await pollUntil(() => acks.unacknowledged < FlowControl.ackBatchChars, () => `the count below a batch (${acks.unacknowledged} left after xterm parsed it all)`);
    assert.equal(toProcess(), '', 'our status answers never reach the process');
    term.dispose();
  });

  it("still answers the process's own status requests, also one split across two chunks", async () => {
    const acks = new InBandAcks(1_000);
    const { term, toProcess, write } = connect(acks);
    await write('x'.repeat(999));
    await write('a\x1b[5nb'); // completes a batch: our request follows the process's
    await write('y'.repeat(2_000) + '\x1b[');
    await write('5n');
    await pollUntil(() => acks.unacknowledged < 1_000, () => `the count below a batch (${acks.unacknowledged} left)`);
    assert.equal(toProcess(), '\x1b[0n\x1b[0n', "one answer per request of the process's, none of ours");
    term.dispose();
  });

  it('never puts a request inside an escape sequence or a character of the output', async () => {
    const acks = new InBandAcks(10);
    const { term, write } = connect(acks);
    // Every chunk completes a batch, and each ends inside something a request would break.
    await write('0123456789\x1b]0;a window ');
    await write('title\x07red: \x1b[3');
    await write('1mRED\x1b[0m \ud83d');
    await write('\ude00!');
    await pollUntil(() => acks.unacknowledged < 10, () => `the count below a batch (${acks.unacknowledged} left)`);
    const row = term.buffer.active.getLine(0)?.translateToString(true);
    assert.equal(row, '0123456789red: RED \u{1F600}!');
    const cell = term.buffer.active.getLine(0)?.getCell(15);
    assert.equal(cell?.getFgColor(), 1, 'RED is red');
    term.dispose();
  });

  it('passes typing through unchanged', () => {
    const acks = new InBandAcks();
    assert.equal(acks.incoming('echo \x1b[A hi\r'), 'echo \x1b[A hi\r');
  });
});
