import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { logUnexpectedErrors } from '../../src/extension/host/daemon/hostLog';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { hostPaths } from '../../src/extension/host/hostPaths';
import { FrameDecoder, FrameKind, encodeJsonFrame, type Frame } from '../../src/extension/host/protocol/frames';
import { PROTOCOL_VERSION, parseReject } from '../../src/extension/host/protocol/messages';
import { setUnexpectedErrorHandler } from '../../src/extension/sessions';
import { HOST_SCRIPT } from '../support/hostDaemon';
import { pollUntil } from '../support/timing';
import { PYTHON } from './helpers';


function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

describe('session host: where the daemon reports errors', function () {
  this.timeout(20_000);
  const scratch: string[] = [];
  let server: SessionHostServer | undefined;

  function tempDirectory(): string {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'mt-daemon-errors-'));
    scratch.push(parent);
    return path.join(parent, 'host');
  }

  afterEach(async () => {
    await server?.shutdown();
    server = undefined;
    setUnexpectedErrorHandler((error) => console.error('[milestone-terminals]', error));
    for (const parent of scratch.splice(0)) {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('logs the error of a listener that threw, as the daemon wires it', async () => {
    server = await SessionHostServer.start({ directory: tempDirectory(), idleShutdownMs: 0 });
    const host = server;
    logUnexpectedErrors((line) => host.appendLog(line));
    const throwing = host.manager.onDidChangeSessions(() => {
      throw new Error('a listener failed on purpose');
    });
    await host.manager.create({ milestoneId: 'listener', command: 'cat' });
    await pollUntil(() => /unexpected error: Error: a listener failed on purpose/.test(readLog(host.paths.log)), 'the error in the host log', { timeoutMs: 5_000 });
    throwing.dispose();
  });

  it('logs why it could not start, next to where a client looks for the log', () => {
    // A directory where the token file should be: writing it fails after the directory was checked.
    const directory = tempDirectory();
    mkdirSync(path.join(hostPaths(directory).token, 'in-the-way'), { recursive: true, mode: 0o700 });
    chmodSync(directory, 0o700);
    const result = spawnSync(process.execPath, [HOST_SCRIPT, '--directory', directory, '--idle-shutdown-ms', '0'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /session host: Error/);
    assert.match(readLog(hostPaths(directory).log), /failed to start: milestone-terminals session host: Error/);
  });

  it('tells a client that stopped reading why it is dropped', async () => {
    server = await SessionHostServer.start({ directory: tempDirectory(), idleShutdownMs: 0, maxClientBacklogBytes: 64 * 1024 });
    const host = server;
    const frames: Frame[] = [];
    const decoder = new FrameDecoder();
    const socket = net.createConnection(host.paths.socket);
    socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const token = readFileSync(host.paths.token, 'utf8');
    socket.write(encodeJsonFrame(FrameKind.Control, { type: 'hello', token, protocolVersion: PROTOCOL_VERSION, clientVersion: 'stalled' }));
    await pollUntil(() => frames.length > 0, 'the welcome', { timeoutMs: 5_000 });
    const flood = await host.manager.create({ milestoneId: 'flood', command: PYTHON, args: ['-c', "import sys\nwhile True: sys.stdout.write('x' * 10000)"] });
    // Output goes only to clients that show the session.
    socket.write(encodeJsonFrame(FrameKind.Control, { type: 'request', id: 1, request: { method: 'attach', sessionId: flood.id } }));
    socket.pause();
    await pollUntil(() => host.connectionCount === 0, 'the stalled client dropped', { timeoutMs: 10_000 });
    socket.resume();
    await closed;
    const reject = frames.find((frame) => frame.kind === FrameKind.Reject);
    assert.ok(reject, 'a reject frame followed the output');
    assert.equal(parseReject(reject.payload).reason, 'too-slow');
  });
});
