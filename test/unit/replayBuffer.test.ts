import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ReplayBuffer, DEFAULT_REPLAY_BUFFER_BYTES, endOfEscapeSequence, safeStartIndex, unterminatedSequence } from '../../src/extension/sessions';

/** [start, end) of every escape sequence in `text`, found by a straightforward scan. */
function sequenceRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) === 0x1b) {
      const end = endOfEscapeSequence(text, index);
      ranges.push([index, end === -1 ? text.length : end]);
      index = (end === -1 ? text.length : end) - 1;
    }
  }
  return ranges;
}

function assertCleanStart(full: string, replay: string): void {
  assert.ok(full.endsWith(replay), 'replay must be a suffix of the output');
  const start = full.length - replay.length;
  for (const [from, to] of sequenceRanges(full)) {
    assert.ok(!(start > from && start < to), `replay starts inside the escape sequence at ${from}..${to}: ${JSON.stringify(full.slice(from, to))}`);
  }
  const first = replay.charCodeAt(0);
  assert.ok(!(first >= 0xdc00 && first <= 0xdfff), 'replay starts with half a surrogate pair');
}

function colourfulLine(index: number): string {
  return `\x1b[38;5;${index % 256}mline ${index} — héllo 漢字 🚀\x1b[0m \x1b]8;;https://example.com/${index}\x07link\x1b]8;;\x07\r\n`;
}

describe('ReplayBuffer', () => {
  it('defaults to the seed cap of 64 KiB, the default of the replay buffer setting', () => {
    assert.equal(new ReplayBuffer().capacityBytes, 64 * 1024);
    const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    };
    const settingKiB = manifest.contributes.configuration.properties['milestoneTerminals.replayBufferKiB'].default;
    assert.equal(DEFAULT_REPLAY_BUFFER_BYTES, Number(settingKiB) * 1024, 'the core and the setting agree on the default');
  });

  it('keeps everything while under the cap, in order', () => {
    const buffer = new ReplayBuffer(1024);
    buffer.add('abc');
    buffer.add('é🚀');
    assert.equal(buffer.getReplay(), 'abcé🚀');
    assert.equal(buffer.byteLength, 3 + 2 + 4);
  });

  it('holds exactly the last 64 KiB of multi-byte output, never a split character', () => {
    const buffer = new ReplayBuffer();
    let full = '';
    for (let index = 0; index < 5_000; index++) {
      // Chunk sizes vary like a PTY's (single keystrokes to many lines).
      const chunk = 'ab€😀漢'.repeat(index % 7) + `#${index}\r\n`.repeat((index % 13) + 1);
      buffer.add(chunk);
      full += chunk;
    }
    const replay = buffer.getReplay();
    assert.equal(buffer.byteLength, Buffer.byteLength(replay));
    assert.ok(buffer.byteLength <= 65536, `holds ${buffer.byteLength} bytes`);
    // At most one code point (4 bytes) short of the cap: the cut only rounds up to a character boundary.
    assert.ok(buffer.byteLength > 65536 - 4, `holds only ${buffer.byteLength} bytes`);
    assertCleanStart(full, replay);
    assert.equal(Buffer.from(replay, 'utf8').toString('utf8'), replay, 'replay round-trips through UTF-8');
  });

  it('never starts the replay inside an escape sequence, whatever the cap', () => {
    const chunks: string[] = [];
    for (let index = 0; index < 60; index++) {
      const line = colourfulLine(index);
      // Split lines at awkward places so sequences straddle chunk boundaries.
      const cut = (index * 7) % line.length;
      chunks.push(line.slice(0, cut), line.slice(cut));
    }
    const full = chunks.join('');
    for (let cap = 1; cap < 600; cap += 1) {
      const buffer = new ReplayBuffer(cap);
      chunks.forEach((chunk) => buffer.add(chunk));
      const replay = buffer.getReplay();
      assert.ok(buffer.byteLength <= cap);
      assertCleanStart(full, replay);
    }
  });

  it('stays clean when read between appends (a view attaching mid-stream)', () => {
    const chunks = Array.from({ length: 200 }, (_, index) => colourfulLine(index)).join('').match(/[\s\S]{1,37}/g) ?? [];
    for (const cap of [50, 97, 256, 1000]) {
      const buffer = new ReplayBuffer(cap);
      let full = '';
      for (const chunk of chunks) {
        buffer.add(chunk);
        full += chunk;
        assertCleanStart(full, buffer.getReplay());
        assert.ok(buffer.byteLength <= cap);
      }
    }
  });

  it('drops a chunk that lies wholly inside a sequence still open at the cut', () => {
    const buffer = new ReplayBuffer(40);
    buffer.add('\x1b]0;a very long window title that spans');
    buffer.add(' several chunks of output before it');
    buffer.add(' ends\x07visible text');
    assert.equal(buffer.getReplay(), 'visible text');
  });

  it('trims a single chunk larger than the cap to its tail', () => {
    const buffer = new ReplayBuffer(10);
    buffer.add('0123456789abcdefghij');
    assert.equal(buffer.getReplay(), 'abcdefghij');
    assert.equal(buffer.chunkCount, 1);
  });

  it('evicts without re-reading what it keeps (chunk count stays bounded)', () => {
    const buffer = new ReplayBuffer(1000);
    for (let index = 0; index < 100_000; index++) {
      buffer.add('x');
    }
    assert.equal(buffer.byteLength, 1000);
    assert.equal(buffer.chunkCount, 1000);
    assert.equal(buffer.getReplay(), 'x'.repeat(1000));
  });

  it('clears, and a zero cap keeps nothing', () => {
    const buffer = new ReplayBuffer(100);
    buffer.add('hello');
    buffer.clear();
    assert.equal(buffer.getReplay(), '');
    assert.equal(buffer.byteLength, 0);
    const none = new ReplayBuffer(0);
    none.add('hello');
    assert.equal(none.getReplay(), '');
  });

  it('rejects a nonsensical capacity', () => {
    assert.throws(() => new ReplayBuffer(-1), RangeError);
    assert.throws(() => new ReplayBuffer(1.5), RangeError);
  });
});

describe('escape sequence boundaries', () => {
  it('finds the end of CSI, OSC, DCS and short sequences', () => {
    assert.equal(endOfEscapeSequence('\x1b[38;5;1mX', 0), 9);
    assert.equal(endOfEscapeSequence('\x1b]0;title\x07X', 0), 10);
    assert.equal(endOfEscapeSequence('\x1b]0;title\x1b\\X', 0), 11);
    assert.equal(endOfEscapeSequence('\x1bPq#0\x1b\\X', 0), 7);
    assert.equal(endOfEscapeSequence('\x1b(BX', 0), 3);
    assert.equal(endOfEscapeSequence('\x1b7X', 0), 2);
    assert.equal(endOfEscapeSequence('\x1b[1;2', 0), -1);
    assert.equal(endOfEscapeSequence('\x1b]0;open', 0), -1);
  });

  it('finds the sequence left open at the end of a chunk', () => {
    assert.equal(unterminatedSequence('text \x1b[34'), '\x1b[34');
    assert.equal(unterminatedSequence('\x1b]0;title'), '\x1b]0;title');
    assert.equal(unterminatedSequence('done \x1b[34m'), '');
    assert.equal(unterminatedSequence('plain'), '');
  });

  it('moves a cut past the sequence it splits and past half a surrogate pair', () => {
    const text = 'ab\x1b[31mred';
    assert.equal(safeStartIndex(text, 4), 7);
    assert.equal(safeStartIndex(text, 7), 7);
    assert.equal(safeStartIndex(text, 1), 1);
    assert.equal(safeStartIndex('x😀y', 2), 3);
    assert.equal(safeStartIndex('\x1b]0;never ends', 5), 14);
  });
});
