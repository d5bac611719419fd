import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostLog } from '../../src/extension/host/daemon/hostLog';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { FrameDecoder, FrameKind, encodeJsonFrame, type Frame } from '../../src/extension/host/protocol/frames';
import { PROTOCOL_VERSION } from '../../src/extension/host/protocol/messages';
import { pollUntil } from '../support/timing';

const FORGED = '\n2020-01-01T00:00:00.000Z forged entry\r\u2028\u001b[2J\u001b]0;title\u0007\u202e';

/** Every line is an entry (timestamp first) or the continuation of one (a tab first). */
function assertNoForgedLines(log: string): void {
  for (const line of log.split('\n').filter((text) => text !== '')) {
    assert.match(line, /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z |\t)/, `a line of its own: ${JSON.stringify(line)}`);
    assert.doesNotMatch(line, /^2020-01-01/);
  }
  assert.doesNotMatch(log, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202e]/, 'no control character reaches the file');
}

describe('session host log', function () {
  this.timeout(20_000);
  let parent: string;

  beforeEach(() => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'mt-host-log-'));
  });

  afterEach(() => {
    rmSync(parent, { recursive: true, force: true });
  });

  it('stays under its size limit while the host runs, keeping the previous part', async () => {
    const file = path.join(parent, 'host.log');
    const limit = 4_096;
    const log = await HostLog.open(file, limit);
    for (let index = 0; index < 500; index++) {
      log.append(`entry ${index} ${'x'.repeat(100)}`);
    }
    await log.close();
    assert.ok(statSync(file).size <= limit + 200, `the log is ${statSync(file).size} bytes`);
    assert.ok(existsSync(`${file}.old`), 'the previous part kept');
    assert.ok(statSync(`${file}.old`).size <= limit + 200);
    assert.match(readFileSync(file, 'utf8'), /entry 499 /);
  });

  it('writes an error message with line breaks and escape sequences as one entry', async () => {
    const file = path.join(parent, 'host.log');
    const log = await HostLog.open(file);
    log.append(`request failed: Error: bad${FORGED}\n    at somewhere (file.js:1:1)`);
    await log.close();
    const text = readFileSync(file, 'utf8');
    assertNoForgedLines(text);
    assert.match(text, /\\u\{1b\}\[2J/, 'the escape shown, not executed');
  });

  it('cannot be forged by a client version or a milestone id', async () => {
    const server = await SessionHostServer.start({ directory: path.join(parent, 'host'), idleShutdownMs: 0 });
    try {
      const socket = net.createConnection(server.paths.socket);
      const frames: Frame[] = [];
      const decoder = new FrameDecoder();
      socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
      const token = readFileSync(server.paths.token, 'utf8');
      socket.write(encodeJsonFrame(FrameKind.Control, { type: 'hello', token, protocolVersion: PROTOCOL_VERSION, clientVersion: `1.0${FORGED}` }));
      await pollUntil(() => frames.length > 0, 'the welcome', { timeoutMs: 5_000 });
      await server.manager.create({ milestoneId: `m${FORGED}`, command: 'cat' }).catch(() => undefined);
      socket.destroy();
      await pollUntil(() => server.connectionCount === 0, 'the client gone', { timeoutMs: 5_000 });
    } finally {
      await server.shutdown();
    }
    const text = readFileSync(server.paths.log, 'utf8');
    assert.match(text, /client 1\.0/);
    assertNoForgedLines(text);
  });
});
