import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, FrameKind, encodeDataFrame, encodeJsonFrame } from '../../src/extension/host/protocol/frames';
import { PROTOCOL_VERSION, parseReject } from '../../src/extension/host/protocol/messages';
import { residentBytes, startDaemon, type DaemonProcess } from '../support/hostDaemon';
import { pollUntil } from '../support/timing';
import { RawPeer } from './rawPeer';

const MIB = 1024 * 1024;

function frameHeader(kind: FrameKind, length: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32BE(length, 0);
  header.writeUInt8(kind, 4);
  return header;
}

describe('hostile peers: unauthenticated clients', function () {
  this.timeout(60_000);
  let parent: string;
  let host: DaemonProcess | undefined;

  beforeEach(async () => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'mt-unauth-'));
    host = await startDaemon(path.join(parent, 'host'));
  });

  afterEach(async () => {
    await host?.stop();
    host = undefined;
    rmSync(parent, { recursive: true, force: true });
  });

  it('rejects a frame header announcing 1 MiB before hello, without waiting for its payload', async () => {
    const peer = RawPeer.open(host!.paths.socket);
    // Only the header: a host that buffered the announced payload would wait for it (until the hello timeout).
    peer.socket.write(frameHeader(FrameKind.Control, MIB));
    const started = Date.now();
    await peer.ended;
    assert.ok(Date.now() - started < 2_000, `rejected after ${Date.now() - started} ms`);
    const reject = peer.frames.find((frame) => frame.kind === FrameKind.Reject);
    assert.ok(reject, 'a reject frame');
    assert.equal(parseReject(reject.payload).reason, 'bad-frame');
  });

  it('keeps its memory when 50 peers each send a frame of 8 MiB minus one byte before hello', async () => {
    const pid = host!.pid;
    const before = residentBytes(pid);
    let peak = before;
    const payload = Buffer.alloc(DEFAULT_MAX_FRAME_BYTES - 1, 0x61);
    const peers = Array.from({ length: 50 }, () => RawPeer.open(host!.paths.socket));
    for (const peer of peers) {
      peer.socket.write(frameHeader(FrameKind.Control, DEFAULT_MAX_FRAME_BYTES));
      peer.socket.write(payload);
    }
    // Until every peer is either cut off or has handed all its bytes to the host.
    await pollUntil(() => {
        peak = Math.max(peak, residentBytes(pid));
        return peers.every((peer) => peer.socket.destroyed || peer.socket.writableLength === 0);
      }, 'every peer done writing or cut off', { timeoutMs: 40_000 });
    peak = Math.max(peak, residentBytes(pid));
    for (const peer of peers) {
      peer.socket.destroy();
    }
    const growth = peak - before;
    console.log(`      host RSS with 50 unauthenticated 8 MiB peers: ${(before / MIB).toFixed(0)} MiB before, peak ${(peak / MIB).toFixed(0)} MiB (+${(growth / MIB).toFixed(0)} MiB)`);
    assert.ok(growth < 32 * MIB, `the host grew by ${(growth / MIB).toFixed(0)} MiB`);
  });
});

describe('hostile peers: unauthenticated clients, the limit after hello', function () {
  this.timeout(20_000);
  let parent: string;
  let host: DaemonProcess | undefined;

  afterEach(async () => {
    await host?.stop();
    host = undefined;
    rmSync(parent, { recursive: true, force: true });
  });

  it('takes a large frame sent in the same write as the hello that authenticates it', async () => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'mt-unauth-'));
    host = await startDaemon(path.join(parent, 'host'));
    const peer = RawPeer.open(host.paths.socket);
    const token = readFileSync(host.paths.token, 'utf8');
    peer.socket.write(
      Buffer.concat([
        encodeJsonFrame(FrameKind.Control, { type: 'hello', token, protocolVersion: PROTOCOL_VERSION, clientVersion: 'pipelined' }),
        // Keystrokes for a session that does not exist are dropped quietly; a frame over the pre-auth limit is not refused.
        encodeDataFrame(FrameKind.Input, 999, 'x'.repeat(64 * 1024)),
        encodeJsonFrame(FrameKind.Control, { type: 'request', id: 1, request: { method: 'list' } }),
      ]),
    );
    await pollUntil(() => peer.frames.length >= 2 || peer.socket.destroyed, 'the welcome and the answer', { timeoutMs: 5_000 });
    assert.deepEqual(
      peer.frames.map((frame) => {
        const message = JSON.parse(frame.payload.toString('utf8'));
        return `${message.type} ${message.ok ?? ''}`.trim();
      }),
      ['welcome', 'response true'],
    );
    peer.socket.destroy();
  });
});
