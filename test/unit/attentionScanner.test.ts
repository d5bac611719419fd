import * as assert from 'node:assert/strict';
import { MAX_ATTENTION_MESSAGE_CHARS, OutputSignalScanner, sanitizeAttentionMessage, type OutputSignal } from '../../src/extension/sessions/attention';

/** What the scanner reports for `chunks` fed one after another. */
function scan(...chunks: string[]): OutputSignal[] {
  const scanner = new OutputSignalScanner();
  return chunks.flatMap((chunk) => scanner.scan(chunk));
}

/** The same text cut at every position, and fed one character at a time. */
function everySplit(text: string): OutputSignal[][] {
  const results = [];
  for (let cut = 0; cut <= text.length; cut++) {
    results.push(scan(text.slice(0, cut), text.slice(cut)));
  }
  results.push(scan(...text.split('')));
  return results;
}

describe('attention: the output scanner', () => {
  it('reports a bell in plain output', () => {
    assert.deepEqual(scan('building...\x07done'), [{ kind: 'bell' }]);
  });

  it('does not take the BEL that ends an OSC (a title, a hyperlink) or a DCS for a bell', () => {
    assert.deepEqual(scan('\x1b]0;my title\x07\x1b]8;;https://x.test\x07link\x1b]8;;\x07\x1bPq#0\x07\x1b\\text'), []);
  });

  it('reports OSC 9 with its text, ended by BEL or ST', () => {
    assert.deepEqual(scan('\x1b]9;needs input\x07'), [{ kind: 'notification', text: 'needs input' }]);
    assert.deepEqual(scan('\x1b]9;needs input\x1b\\'), [{ kind: 'notification', text: 'needs input' }]);
  });

  it("ignores ConEmu's OSC 9 sub-commands such as 9;4 progress", () => {
    assert.deepEqual(scan('\x1b]9;4;1;50\x07\x1b]9;1;100\x1b\\\x1b]9;12\x07'), []);
  });

  it('reports OSC 777;notify with title and body, and OSC 99 (kitty)', () => {
    assert.deepEqual(scan('\x1b]777;notify;Build;finished\x07'), [{ kind: 'notification', text: 'Build: finished' }]);
    assert.deepEqual(scan('\x1b]777;other;x\x07'), []);
    assert.deepEqual(scan('\x1b]99;;Hello world\x1b\\'), [{ kind: 'notification', text: 'Hello world' }]);
    assert.deepEqual(scan('\x1b]99;i=1:d=0;Hello\x1b\\\x1b]99;i=1:p=body;there\x1b\\'), [{ kind: 'notification', text: 'there' }]);
  });

  it('finds the same signals wherever the output is split', () => {
    const text = 'a\x1b]0;title\x07b\x07c\x1b[31md\x1b]9;hello there\x1b\\e\x1bP1$r\x07\x1b\\f';
    const expected = [{ kind: 'bell' }, { kind: 'notification', text: 'hello there' }];
    for (const [index, result] of everySplit(text).entries()) {
      assert.deepEqual(result, expected, `split ${index}`);
    }
  });

  it('an ESC that is not ST aborts an OSC; CAN cancels one', () => {
    assert.deepEqual(scan('\x1b]9;lost\x1b[0m\x07'), [{ kind: 'bell' }]);
    assert.deepEqual(scan('\x1b]9;lost\x18\x07'), [{ kind: 'bell' }]);
  });

  it('does not keep an overlong OSC (a clipboard payload) but still finds its end', () => {
    assert.deepEqual(scan(`\x1b]9;${'x'.repeat(10_000)}\x07\x07`), [{ kind: 'bell' }]);
  });

  it("sanitises a program's text: controls, bidi overrides, length", () => {
    assert.equal(sanitizeAttentionMessage('ok\u202eevil\u2066 \x1b[31m\tdone\n'), 'ok evil [31m done');
    assert.equal(sanitizeAttentionMessage('\u200f \x00'), undefined);
    const long = sanitizeAttentionMessage('y'.repeat(1000));
    assert.equal(long?.length, MAX_ATTENTION_MESSAGE_CHARS);
    assert.ok(long?.endsWith('…'));
  });
});
