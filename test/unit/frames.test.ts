import * as assert from 'node:assert/strict';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FrameDecoder,
  FrameKind,
  decodeDataPayload,
  encodeDataFrame,
  encodeFrame,
  encodeJsonFrame,
  isFrameError,
  type Frame,
} from '../../src/extension/host/protocol/frames';
import { parseHello, parseRequestMessage, parseSessionOptions } from '../../src/extension/host/protocol/messages';

function sample(): Buffer[] {
  return [
    encodeJsonFrame(FrameKind.Control, { type: 'request', id: 1, request: { method: 'list' } }),
    encodeDataFrame(FrameKind.Output, 7, 'héllo \x1b[31mwörld\x1b[0m 🎉\r\n'),
    encodeFrame(FrameKind.Control, Buffer.alloc(0)),
    encodeDataFrame(FrameKind.Input, 0xffff_ffff, ''),
    encodeJsonFrame(FrameKind.Reject, { reason: 'bad-token' }),
  ];
}

function describeFrames(frames: Frame[]): Array<[number, string]> {
  return frames.map((frame) => [frame.kind, frame.payload.toString('hex')]);
}

describe('frames: codec', () => {
  it('decodes a stream split at every byte boundary, and byte by byte', () => {
    const frames = sample();
    const stream = Buffer.concat(frames);
    const expected = describeFrames(new FrameDecoder().push(stream));
    assert.equal(expected.length, frames.length);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const got = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      assert.deepEqual(describeFrames(got), expected, `split at ${cut}`);
      assert.equal(decoder.pendingBytes, 0);
    }
    const decoder = new FrameDecoder();
    const got: Frame[] = [];
    for (const byte of stream) {
      got.push(...decoder.push(Buffer.from([byte])));
    }
    assert.deepEqual(describeFrames(got), expected);
  });

  it('round-trips data frames with their handle and UTF-8 text', () => {
    const [frame] = new FrameDecoder().push(encodeDataFrame(FrameKind.Output, 42, 'a\u00e9\u4e2d😀'));
    assert.equal(frame.kind, FrameKind.Output);
    assert.deepEqual(decodeDataPayload(frame.payload), { handle: 42, data: 'a\u00e9\u4e2d😀' });
    assert.throws(() => decodeDataPayload(Buffer.from([1, 2])), (error) => isFrameError(error, 'malformed'));
  });

  it('rejects an oversized frame from its header alone, and stays failed', () => {
    const decoder = new FrameDecoder(1024);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(1025, 0);
    header.writeUInt8(FrameKind.Control, 4);
    assert.throws(() => decoder.push(header), (error) => isFrameError(error, 'oversize'));
    assert.throws(() => decoder.push(encodeJsonFrame(FrameKind.Control, {})), (error) => isFrameError(error, 'oversize'));
    // The default limit accepts a frame of exactly the limit.
    const atLimit = Buffer.alloc(5);
    atLimit.writeUInt32BE(DEFAULT_MAX_FRAME_BYTES, 0);
    atLimit.writeUInt8(FrameKind.Output, 4);
    assert.deepEqual(new FrameDecoder().push(atLimit), []);
  });

  it('rejects an unknown kind', () => {
    const frame = encodeFrame(FrameKind.Control, Buffer.from('{}'));
    frame.writeUInt8(99, 4);
    assert.throws(() => new FrameDecoder().push(frame), (error) => isFrameError(error, 'unknown-kind'));
    frame.writeUInt8(0, 4);
    assert.throws(() => new FrameDecoder().push(frame), (error) => isFrameError(error, 'unknown-kind'));
  });

  it('keeps a large frame intact across many small chunks', () => {
    const text = 'x'.repeat(3 * 1024 * 1024) + 'end';
    const stream = encodeDataFrame(FrameKind.Output, 1, text);
    const decoder = new FrameDecoder();
    const frames: Frame[] = [];
    for (let offset = 0; offset < stream.length; offset += 65_536) {
      frames.push(...decoder.push(stream.subarray(offset, offset + 65_536)));
    }
    assert.equal(frames.length, 1);
    assert.equal(decodeDataPayload(frames[0].payload).data, text);
  });
});

describe('frames: message validation', () => {
  it('accepts a well-formed hello and rejects malformed ones', () => {
    const hello = parseHello(Buffer.from(JSON.stringify({ type: 'hello', token: 'ab', protocolVersion: 1, clientVersion: '0.1.0' })));
    assert.equal(hello.token, 'ab');
    for (const bad of ['nope', '[]', '{"type":"hello"}', '{"type":"request","id":1}', '{"type":"hello","token":1,"protocolVersion":1,"clientVersion":""}']) {
      assert.throws(() => parseHello(Buffer.from(bad)), /must|JSON|hello/);
    }
  });

  it('recovers the id of a bad request so it can be answered', () => {
    const unknown = parseRequestMessage(Buffer.from(JSON.stringify({ type: 'request', id: 5, request: { method: 'format-disk' } })));
    assert.ok('error' in unknown);
    assert.equal(unknown.id, 5);
    const garbage = parseRequestMessage(Buffer.from('{{{'));
    assert.ok('error' in garbage);
    assert.equal(garbage.id, undefined);
    const resize = parseRequestMessage(Buffer.from(JSON.stringify({ type: 'request', id: 6, request: { method: 'resize', sessionId: 's', cols: 0, rows: 5 } })));
    assert.ok('error' in resize && resize.id === 6);
    const good = parseRequestMessage(Buffer.from(JSON.stringify({ type: 'request', id: 7, request: { method: 'signal', sessionId: 's', signal: 'SIGINT' } })));
    assert.deepEqual(good, { type: 'request', id: 7, request: { method: 'signal', sessionId: 's', signal: 'SIGINT' } });
  });

  it('validates session options field by field', () => {
    assert.deepEqual(parseSessionOptions({ milestoneId: 'm', command: 'cat', args: ['-u'], env: { A: 'b', B: null }, cols: 100 }), {
      milestoneId: 'm',
      command: 'cat',
      args: ['-u'],
      env: { A: 'b', B: null },
      cols: 100,
    });
    assert.throws(() => parseSessionOptions({ milestoneId: 'm', args: [1] }), /args/);
    assert.throws(() => parseSessionOptions({ milestoneId: 'm', env: { A: 1 } }), /env/);
    assert.throws(() => parseSessionOptions({ milestoneId: 'm', rows: 1.5 }), /rows/);
    assert.throws(() => parseSessionOptions({}), /milestoneId/);
  });
});
