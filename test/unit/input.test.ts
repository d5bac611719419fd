import * as assert from 'node:assert/strict';
import { MessageLimits } from '../../src/shared/protocol';
import { splitInput } from '../../src/shared/input';

const EMOJI = '\u{1F600}'; // two UTF-16 code units

function assertWellFormedPieces(pieces: string[], limit: number): void {
  for (const [index, piece] of pieces.entries()) {
    assert.ok(piece.length > 0, `piece ${index} is empty`);
    assert.ok(piece.length <= limit, `piece ${index} has ${piece.length} characters, limit ${limit}`);
    const first = piece.charCodeAt(0);
    assert.ok(!(first >= 0xdc00 && first <= 0xdfff), `piece ${index} starts with a low surrogate`);
    const last = piece.charCodeAt(piece.length - 1);
    assert.ok(!(last >= 0xd800 && last <= 0xdbff), `piece ${index} ends with a high surrogate`);
  }
}

describe('splitInput (shared/input)', function () {
  this.timeout(10_000);

  it('sends short input as one piece and empty input as none', () => {
    assert.deepEqual(splitInput('ls -la\r'), ['ls -la\r']);
    assert.deepEqual(splitInput(''), []);
    const exactlyAtLimit = 'x'.repeat(MessageLimits.maxInputChars);
    assert.deepEqual(splitInput(exactlyAtLimit), [exactlyAtLimit]);
  });

  it('rejoins a 1 MB paste with an emoji straddling every boundary', () => {
    const limit = MessageLimits.maxInputChars;
    // Each block puts the emoji's high half at the last index of a piece.
    const block = 'a'.repeat(limit - 1) + EMOJI;
    const paste = block.repeat(Math.ceil(1_048_576 / block.length)) + 'tail\r';
    assert.ok(paste.length >= 1_048_576);

    const pieces = splitInput(paste);

    assert.equal(pieces.join(''), paste);
    assert.ok(pieces.length > paste.length / limit, 'expected more pieces than a naive split');
    assertWellFormedPieces(pieces, limit);
  });

  it('keeps pairs whole when the input is nothing but emoji', () => {
    const paste = EMOJI.repeat(100_000);
    for (const limit of [2, 3, 7, MessageLimits.maxInputChars, MessageLimits.maxInputChars + 1]) {
      const pieces = splitInput(paste, limit);
      assert.equal(pieces.join(''), paste, `limit ${limit}`);
      assertWellFormedPieces(pieces, limit);
    }
  });

  it('rejects a limit too small to hold a surrogate pair', () => {
    assert.throws(() => splitInput('abc', 1), RangeError);
  });
});
