import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fsp, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Terminal } from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';
import { connectToSessionHost } from '../../src/extension/host/client/launcher';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { FrameKind, encodeFrame, encodeJsonFrame } from '../../src/extension/host/protocol/frames';
import { isHostError } from '../../src/extension/host/hostErrors';
import { hostPaths } from '../../src/extension/host/hostPaths';
import { PROTOCOL_VERSION, parseHostMessage } from '../../src/extension/host/protocol/messages';
import { SessionHostServer, type SessionHostServerOptions } from '../../src/extension/host/daemon/server';
import { isSessionError, type TerminalSession } from '../../src/extension/sessions';
import { HOST_SCRIPT } from '../support/hostDaemon';
import { pollUntil, sleep } from '../support/timing';
import { RawPeer } from './rawPeer';
import { OutputCollector, PYTHON, isAlive, waitForEvent } from './helpers';


function tempDirectory(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'mt-host-test-')), 'host');
}

async function connect(server: SessionHostServer): Promise<SessionHostClient> {
  const token = readFileSync(server.paths.token, 'utf8');
  return SessionHostClient.connect(server.paths.socket, token, { clientVersion: 'test' });
}

/** A headless terminal like a view's, fed text; resolves once everything is parsed. */
async function render(text: string, cols = 80, rows = 24, scrollback = 1_000): Promise<{ terminal: Terminal; serialize: () => string }> {
  const terminal = new Terminal({ cols, rows, scrollback, allowProposedApi: true });
  const serializer = new SerializeAddon();
  terminal.loadAddon(serializer);
  await new Promise<void>((resolve) => terminal.write(text, resolve));
  return { terminal, serialize: () => serializer.serialize() };
}

function lineText(terminal: Terminal, y: number): string {
  return terminal.buffer.active.getLine(y)?.translateToString(true) ?? '';
}

/**
 * Waits until the host's screen of `session` matches. Output can arrive with the
 * create response, before a listener could subscribe, so the screen is polled.
 */
async function waitForScreen(session: TerminalSession, pattern: RegExp): Promise<void> {
  await pollUntil(async () => pattern.test((await session.screen()).data), `the screen to match ${pattern}`, { intervalMs: 50 });
}

describe('session host: in-process server', function () {
  this.timeout(20_000);
  let server: SessionHostServer;
  const clients: SessionHostClient[] = [];

  async function start(options: SessionHostServerOptions = {}): Promise<SessionHostServer> {
    server = await SessionHostServer.start({ directory: tempDirectory(), idleShutdownMs: 0, closeGraceMs: 200, ...options });
    return server;
  }

  async function client(): Promise<SessionHostClient> {
    const created = await connect(server);
    clients.push(created);
    return created;
  }

  afterEach(async () => {
    for (const created of clients.splice(0)) {
      created.dispose();
    }
    await server?.shutdown();
    rmSync(path.dirname(server.paths.directory), { recursive: true, force: true });
  });

  it('keeps its directory private (0700) and its token in a 0600 file', async () => {
    await start();
    assert.equal(statSync(server.paths.directory).mode & 0o777, 0o700);
    assert.equal(statSync(server.paths.token).mode & 0o777, 0o600);
    assert.match(readFileSync(server.paths.token, 'utf8'), /^[0-9a-f]{64}$/);
    assert.equal(path.basename(server.paths.socket), `host-v${PROTOCOL_VERSION}.sock`);
  });

  it('refuses a directory that group or others can enter', async () => {
    const directory = tempDirectory();
    await fsp.mkdir(directory, { mode: 0o755 });
    await fsp.chmod(directory, 0o755);
    await assert.rejects(SessionHostServer.start({ directory, idleShutdownMs: 0 }), (error) => isHostError(error, 'insecure-directory'));
    await start();
  });

  it('refuses to start a second host on the same directory', async () => {
    await start();
    await assert.rejects(SessionHostServer.start({ directory: server.paths.directory, idleShutdownMs: 0 }), (error) => isHostError(error, 'already-running'));
    const a = await client();
    assert.deepEqual(a.list(), [], 'the first host still serves');
  });

  it('after a crash, of hosts starting at once exactly one takes over the stale lock', async () => {
    const dead = spawnSync('true').pid;
    assert.ok(dead && !isAlive(dead));
    for (let trial = 0; trial < 40; trial++) {
      const directory = tempDirectory();
      await fsp.mkdir(directory, { mode: 0o700 });
      await fsp.writeFile(hostPaths(directory).lock, String(dead), { mode: 0o600 });
      // Starters a moment apart, as separate windows are: one checks the stale lock while another replaces it.
      const starts = await Promise.allSettled(
        Array.from({ length: 4 }, (_, index) => sleep(index * (trial % 4)).then(() => SessionHostServer.start({ directory, idleShutdownMs: 0 }))),
      );
      const started = starts.filter((result): result is PromiseFulfilledResult<SessionHostServer> => result.status === 'fulfilled').map((result) => result.value);
      for (const result of starts) {
        if (result.status === 'rejected') {
          assert.ok(isHostError(result.reason, 'already-running'), String(result.reason));
        }
      }
      await Promise.all(started.map((host) => host.shutdown()));
      rmSync(path.dirname(directory), { recursive: true, force: true });
      assert.equal(started.length, 1, `trial ${trial}: ${started.length} hosts took the lock`);
    }
    await start();
  });

  it('two clients attached to one milestone see the same output', async () => {
    await start();
    const a = await client();
    const b = await client();
    const created = waitForEvent(b.onDidChangeSessions, (change) => change.kind === 'created');
    const { session, created: isNew } = await a.getOrCreate({ milestoneId: 'shared', command: 'cat' });
    assert.equal(isNew, true);
    await created;
    const other = b.getByMilestone('shared');
    assert.ok(other);
    assert.equal(other.id, session.id);
    assert.equal(other.pid, session.pid);
    const outA = new OutputCollector(session.onData);
    const outB = new OutputCollector(other.onData);
    const viewA = session.attach();
    other.attach();
    await pollUntil(() => session.attachedViews === 2 && other.attachedViews === 2, 'both views counted everywhere', { timeoutMs: 3_000 });
    session.write('from-a\r');
    other.write('from-b\r');
    await outA.waitFor('from-b');
    await outB.waitFor('from-b');
    assert.equal(outA.text, outB.text);
    viewA.dispose();
    await pollUntil(() => other.attachedViews === 1, 'detach seen by the other client', { timeoutMs: 3_000 });
  });

  it('get-or-create from two clients at once starts one process', async () => {
    await start();
    const a = await client();
    const b = await client();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => (index % 2 ? a : b).getOrCreate({ milestoneId: 'race', command: 'cat' })),
    );
    assert.equal(new Set(results.map((result) => result.session.id)).size, 1);
    assert.equal(results.filter((result) => result.created).length, 1);
    assert.equal(server.manager.list().length, 1);
    await pollUntil(() => a.list().length === 1 && b.list().length === 1, 'both clients list one session', { timeoutMs: 3_000 });
  });

  it('screen() reproduces colours and cursor position', async () => {
    await start();
    const a = await client();
    const session = await a.create({
      milestoneId: 'colours',
      command: 'sh',
      args: ['-c', "printf 'plain \\033[31mred\\033[0m \\033[1;38;5;208mbold-orange\\033[0m\\033[5;10Hhere'; printf 'READY\\033[8;3H'; sleep 60"],
    });
    await waitForScreen(session, /READY/);
    const b = await client();
    const view = await render((await b.getOrThrow(session.id).screen()).data);
    const line = view.terminal.buffer.active.getLine(0);
    assert.ok(line);
    assert.equal(lineText(view.terminal, 0), 'plain red bold-orange');
    const red = line.getCell(6);
    assert.ok(red?.isFgPalette());
    assert.equal(red?.getFgColor(), 1);
    assert.equal(line.getCell(5)?.isFgDefault(), true);
    const orange = line.getCell(10);
    assert.equal(orange?.getFgColor(), 208);
    assert.ok(orange?.isBold());
    assert.equal(lineText(view.terminal, 4), '         hereREADY');
    assert.equal(view.terminal.buffer.active.cursorY, 7);
    assert.equal(view.terminal.buffer.active.cursorX, 2);
  });

  it('an alternate screen (vim, less) survives into a new client', async () => {
    await start();
    const a = await client();
    const session = await a.create({
      milestoneId: 'alt',
      command: 'sh',
      args: ['-c', "printf 'on the normal screen\\n'; tput smcup; printf '\\033[2J\\033[H\\033[7mSTATUS\\033[0m\\033[3;4Hin the editor'; printf '\\033[?1h\\033[?2004h'; sleep 60"],
    });
    await waitForScreen(session, /in the editor/);
    a.dispose();
    const b = await client();
    const screen = (await b.getOrThrow(session.id).screen()).data;
    const view = await render(screen);
    assert.equal(view.terminal.buffer.active.type, 'alternate');
    assert.equal(lineText(view.terminal, 0), 'STATUS');
    assert.ok(view.terminal.buffer.active.getLine(0)?.getCell(0)?.isInverse());
    assert.equal(lineText(view.terminal, 2), '   in the editor');
    assert.ok(!view.terminal.buffer.active.getLine(0)?.getCell(6)?.isInverse(), 'the inverse video ends with STATUS');
    assert.equal(view.terminal.buffer.normal.getLine(0)?.translateToString(true), 'on the normal screen');
    assert.equal(view.terminal.modes.applicationCursorKeysMode, true);
    assert.equal(view.terminal.modes.bracketedPasteMode, true);
  });

  it('loses and repeats nothing when screens are requested during a flood', async function () {
    this.timeout(60_000);
    await start();
    const a = await client();
    const total = 20_000;
    const script = [
      'import sys, time',
      `for i in range(1, ${total + 1}):`,
      "    sys.stdout.write('\\x1b[3%dmline %d\\x1b[0m %s\\n' % (i % 8, i, 'x' * (i % 50)))",
      "sys.stdout.write('DONE\\n')",
      'sys.stdout.flush()',
      'time.sleep(60)',
    ].join('\n');
    const session = await a.create({ milestoneId: 'flood', command: PYTHON, args: ['-c', script] });
    const received = new OutputCollector(session.onData);
    session.attach();
    /** Per screen: the screen, then every chunk onData delivered after it settled. */
    const streams: string[][] = [];
    session.onData((data) => {
      for (const stream of streams) {
        stream.push(data);
      }
    });
    const hosted = server.manager.get(session.id);
    assert.ok(hosted);
    let done = false;
    hosted.onData((data) => {
      done ||= data.includes('DONE');
    });
    while (!done && streams.length < 40) {
      const screen = (await session.screen()).data;
      streams.push([screen]);
      await sleep(15); // spreads the screen requests over the flood
    }
    assert.ok(streams.length >= 3, `only ${streams.length} screens taken during the flood`);
    await pollUntil(() => done, 'the flood finished', { timeoutMs: 30_000 });
    // Output frames arrive in order: once this client has DONE it has every chunk before it.
    await received.waitFor('DONE');
    const reference = (await (await client()).getOrThrow(session.id).screen()).data;
    for (const [index, stream] of streams.entries()) {
      const text = stream.join('');
      const exact = await render(text);
      assert.equal(exact.serialize(), reference, `screen ${index} + later output equals the host's screen`);
      // With unlimited scrollback every line after the screen's start must follow its predecessor.
      const full = await render(text, 80, 24, 100_000);
      const numbers: number[] = [];
      for (let y = 0; y < full.terminal.buffer.active.length; y++) {
        const match = /^line (\d+) /.exec(lineText(full.terminal, y));
        if (match) {
          numbers.push(Number(match[1]));
        }
      }
      assert.equal(numbers[numbers.length - 1], total, `screen ${index}: ends at the last line`);
      for (let i = 1; i < numbers.length; i++) {
        assert.equal(numbers[i], numbers[i - 1] + 1, `screen ${index}: line ${numbers[i - 1]} is followed by ${numbers[i]}`);
      }
    }
  });

  it('keeps the process when its client disconnects; a new client sees the same pid', async () => {
    await start();
    const a = await client();
    const session = await a.create({ milestoneId: 'keep', command: 'cat' });
    const pid = session.pid;
    a.dispose();
    await pollUntil(() => server.connectionCount === 0, 'the host noticed the disconnect', { timeoutMs: 3_000 });
    const b = await client();
    const again = b.getByMilestone('keep');
    assert.ok(again);
    assert.equal(again.pid, pid);
    assert.equal(again.state, 'running');
    assert.ok(isAlive(pid));
    const output = new OutputCollector(again.onData);
    again.attach();
    again.write('still here\r');
    await output.waitFor('still here');
  });

  it('survives a client that disconnects in the middle of writing', async () => {
    await start();
    const a = await client();
    const b = await client();
    const session = await a.create({ milestoneId: 'mid-write', command: 'cat' });
    await pollUntil(() => b.get(session.id) !== undefined, 'b saw the session', { timeoutMs: 3_000 });
    // Lots of input and requests, then the socket goes away with them half sent.
    session.write('y'.repeat(2_000_000));
    session.resize(100, 30);
    a.dispose();
    const other = b.getOrThrow(session.id);
    const output = new OutputCollector(other.onData);
    other.attach();
    other.write('\x03');
    other.write('b is fine\r');
    await output.waitFor('b is fine');
    assert.equal(b.connected, true);
  });

  it('gives each screen with the size it was drawn at, as another window sized it', async () => {
    await start();
    const a = await client();
    const b = await client();
    const session = await a.create({ milestoneId: 'sized', command: 'cat', cols: 80, rows: 24 });
    await pollUntil(() => b.get(session.id) !== undefined, 'b saw the session', { timeoutMs: 3_000 });
    assert.deepEqual((await b.getOrThrow(session.id).screen()).size, { cols: 80, rows: 24 });
    session.resize(120, 40);
    await pollUntil(async () => (await b.getOrThrow(session.id).screen()).size?.cols === 120, 'the screen drawn at the new size');
    assert.deepEqual((await b.getOrThrow(session.id).screen()).size, { cols: 120, rows: 40 });
  });

  it("takes a client's changed settings: a new timeout closes an unwatched session", async () => {
    await start({ detachedTimeoutMs: 0, cleanupIntervalMs: 50 });
    const a = await client();
    const session = await a.create({ milestoneId: 'reconfigured', command: 'cat' });
    // Something that must not happen: ten cleanup rounds pass and the session stays.
    await sleep(500);
    assert.ok(server.manager.get(session.id), 'a timeout of 0 keeps it');
    const closed = waitForEvent(a.onDidChangeSessions, (change) => change.kind === 'closed' && change.session.id === session.id, 5_000);
    await a.configure({ detachedTimeoutMs: 300, replayBufferBytes: 4096 });
    await closed;
    const next = await a.create({ milestoneId: 'reconfigured-buffer', command: 'cat' });
    assert.equal(server.manager.getOrThrow(next.id).replay.capacityBytes, 4096);
    await assert.rejects(a.request({ method: 'configure', settings: { detachedTimeoutMs: -1, replayBufferBytes: 4096 } }), /detachedTimeoutMs/);
  });

  it('closes a session that no client watches after the detached timeout', async () => {
    await start({ detachedTimeoutMs: 300, cleanupIntervalMs: 50 });
    const a = await client();
    const b = await client();
    const session = await a.create({ milestoneId: 'expiry', command: 'cat' });
    session.attach();
    // Something that must not happen: more than two timeouts pass and the watched session stays.
    await sleep(800);
    assert.ok(server.manager.get(session.id), 'a session watched by one client does not expire');
    const closed = waitForEvent(b.onDidChangeSessions, (change) => change.kind === 'closed' && change.session.id === session.id, 5_000);
    a.dispose();
    await closed;
    assert.equal(b.get(session.id), undefined);
  });

  it('pauses the process while any client asks', async () => {
    await start();
    const a = await client();
    const b = await client();
    const session = await a.create({ milestoneId: 'pause', command: 'sh', args: ['-c', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.02; done'] });
    await pollUntil(() => b.get(session.id) !== undefined, 'b saw the session', { timeoutMs: 3_000 });
    const other = b.getOrThrow(session.id);
    const output = new OutputCollector(other.onData);
    other.attach();
    await output.waitFor('tick 3');
    session.pause();
    other.resume(); // b never paused: its resume must not undo a's pause
    // Requests are served in order: once a's next one is answered the pause is in force, and
    // once b's is answered b has every output frame sent before it.
    await a.request({ method: 'list' });
    await b.request({ method: 'list' });
    const before = output.text.length;
    // Something that must not happen: twenty ticks' time passes without output.
    await sleep(400);
    assert.equal(output.text.length, before, 'no output while paused');
    a.dispose();
    await pollUntil(() => output.text.length > before, 'output resumes when the pausing client leaves', { timeoutMs: 3_000 });
  });

  describe('rejects bad peers and keeps serving good clients', () => {
    let good: SessionHostClient;
    let session: TerminalSession;
    let token: string;

    beforeEach(async () => {
      await start();
      good = await client();
      session = await good.create({ milestoneId: 'good', command: 'cat' });
      // Output goes only to clients that show the session.
      session.attach();
      token = readFileSync(server.paths.token, 'utf8');
    });

    /** A test of one bad peer, ending with the proof that the good client's session still answers and a newcomer is served. */
    function peer(title: string, body: () => Promise<void>): void {
      it(title, async () => {
        await body();
        assert.equal(good.connected, true);
        const output = new OutputCollector(session.onData);
        session.write('still served\r');
        await output.waitFor('still served');
        const late = await client();
        assert.equal(late.list().length, 1);
      });
    }

    peer('a peer that sends half a frame and hangs up', async () => {
      const truncated = RawPeer.open(server.paths.socket);
      const header = Buffer.alloc(5);
      header.writeUInt32BE(100, 0);
      header.writeUInt8(FrameKind.Control, 4);
      truncated.socket.end(Buffer.concat([header, Buffer.from('{"type":')]));
      await truncated.ended;
    });

    peer('a frame header announcing 64 MiB', async () => {
      const oversized = RawPeer.open(server.paths.socket);
      oversized.hello(token);
      const huge = Buffer.alloc(5);
      huge.writeUInt32BE(64 * 1024 * 1024, 0);
      huge.writeUInt8(FrameKind.Input, 4);
      oversized.socket.write(huge);
      assert.equal(await oversized.rejection(), 'bad-frame');
    });

    peer('a frame of an unknown kind', async () => {
      const unknownKind = RawPeer.open(server.paths.socket);
      unknownKind.socket.write(Buffer.from([0, 0, 0, 0, 77]));
      assert.equal(await unknownKind.rejection(), 'bad-frame');
    });

    peer('a hello with the wrong token', async () => {
      const wrongToken = RawPeer.open(server.paths.socket);
      wrongToken.hello('0'.repeat(64));
      assert.equal(await wrongToken.rejection(), 'bad-token');
    });

    peer('a hello with another protocol version', async () => {
      const wrongVersion = RawPeer.open(server.paths.socket);
      wrongVersion.hello(token, PROTOCOL_VERSION + 1);
      assert.equal(await wrongVersion.rejection(), 'protocol-version');
    });

    peer('a hello that is not JSON', async () => {
      const garbageHello = RawPeer.open(server.paths.socket);
      garbageHello.socket.write(encodeFrame(FrameKind.Control, Buffer.from('not json {')));
      assert.equal(await garbageHello.rejection(), 'bad-hello');
    });

    peer('a client that sends output', async () => {
      const outputFromClient = RawPeer.open(server.paths.socket);
      outputFromClient.hello(token);
      outputFromClient.socket.write(encodeFrame(FrameKind.Output, Buffer.from([0, 0, 0, 1, 65])));
      assert.equal(await outputFromClient.rejection(), 'bad-frame');
    });

    peer('a control message that is not JSON, after the hello', async () => {
      const garbageAfterHello = RawPeer.open(server.paths.socket);
      garbageAfterHello.hello(token);
      garbageAfterHello.socket.write(encodeFrame(FrameKind.Control, Buffer.from('\u0000\u0001garbage')));
      assert.equal(await garbageAfterHello.rejection(), 'bad-message');
    });

    peer('an unknown request is answered with an error and the connection stays usable', async () => {
      const unknownRequest = RawPeer.open(server.paths.socket);
      unknownRequest.hello(token);
      unknownRequest.socket.write(encodeJsonFrame(FrameKind.Control, { type: 'request', id: 9, request: { method: 'rm -rf' } }));
      unknownRequest.socket.write(encodeJsonFrame(FrameKind.Control, { type: 'request', id: 10, request: { method: 'list' } }));
      // Heartbeats may come between the answers at any time.
      const answers = () => unknownRequest.frames.map((frame) => parseHostMessage(frame.payload)).filter((message) => message.type !== 'heartbeat');
      await pollUntil(() => answers().length >= 3, 'two responses after the welcome', { timeoutMs: 3_000 });
      const [welcome, error, list] = answers();
      assert.equal(welcome.type, 'welcome');
      assert.ok(error.type === 'response' && error.id === 9 && !error.ok && error.error.kind === 'bad-request');
      assert.ok(list.type === 'response' && list.id === 10 && list.ok);
      unknownRequest.socket.destroy();
    });

    peer("a good client's expected failures come back typed", async () => {
      await assert.rejects(good.create({ milestoneId: 'nowhere', command: 'cat', cwd: '/no/such/dir' }), (e) => isSessionError(e, 'cwd-not-found'));
      assert.throws(() => session.resize(0, 10), (e) => isSessionError(e, 'invalid-argument'));
    });
  });
});

describe('session host: daemon process', function () {
  this.timeout(30_000);
  let directory: string;
  const clients: SessionHostClient[] = [];

  beforeEach(() => {
    directory = tempDirectory();
  });

  afterEach(async () => {
    for (const created of clients.splice(0)) {
      created.dispose();
    }
    const lock = hostPaths(directory).lock;
    const pid = Number(await fsp.readFile(lock, 'utf8').catch(() => '0'));
    if (pid > 0 && isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      await pollUntil(() => !isAlive(pid), 'host stopped', { timeoutMs: 5_000 });
    }
    rmSync(path.dirname(directory), { recursive: true, force: true });
  });

  async function connectHost(idleShutdownMs = 1_000): Promise<SessionHostClient> {
    const created = await connectToSessionHost({ hostScript: HOST_SCRIPT, directory, idleShutdownMs, clientVersion: 'test', detachedTimeoutMs: 60_000 });
    clients.push(created);
    return created;
  }

  it('starts one detached host for clients that connect at once', async () => {
    const [a, b] = await Promise.all([connectHost(), connectHost()]);
    assert.ok(a.hostPid > 0);
    assert.notEqual(a.hostPid, process.pid);
    assert.equal(a.hostPid, b.hostPid);
  });

  it('fires onDidDisconnect within seconds when the host is killed', async () => {
    const a = await connectHost();
    const session = await a.create({ milestoneId: 'doomed', command: 'cat' });
    const changed = waitForEvent(session.onDidChange, () => session.state === 'exited', 5_000);
    const disconnected = waitForEvent(a.onDidDisconnect, () => true, 5_000);
    const started = Date.now();
    process.kill(a.hostPid, 'SIGKILL');
    const why = await disconnected;
    assert.ok(Date.now() - started < 3_000);
    assert.match(why.reason, /closed/);
    await changed;
    assert.equal(session.state, 'exited');
    assert.equal(a.connected, false);
    await assert.rejects(session.screen(), (error) => isHostError(error, 'disconnected'));
    assert.throws(() => session.write('x'), (error) => isSessionError(error, 'session-exited'));
    // Its pty hung up with it.
    await pollUntil(() => !isAlive(session.pid), 'the orphaned process ended', { timeoutMs: 5_000 });
  });

  it('exits by itself when it has no session and no client', async () => {
    const a = await connectHost(500);
    const pid = a.hostPid;
    const session: TerminalSession = await a.create({ milestoneId: 'brief', command: 'cat' });
    await a.close(session.id);
    a.dispose();
    await pollUntil(() => !isAlive(pid), 'the idle host exited', { timeoutMs: 5_000 });
    const paths = hostPaths(directory);
    await assert.rejects(fsp.stat(paths.socket));
    await assert.rejects(fsp.stat(paths.token));
    assert.match(readFileSync(paths.log, 'utf8'), /idle: shutting down/);
  });

  it('keeps sessions for the next client after every client left (a window reload)', async () => {
    const a = await connectHost(500);
    const session = await a.create({ milestoneId: 'reload', command: 'sh', args: ['-c', "printf 'before reload'; exec cat"] });
    await waitForScreen(session, /before reload/);
    const hostPid = a.hostPid;
    a.dispose();
    // Something that must not happen: twice the idle shutdown passes and the host stays, kept by its session.
    await sleep(1_000);
    const b = await connectHost(500);
    assert.equal(b.hostPid, hostPid);
    const again = b.getByMilestone('reload');
    assert.equal(again?.pid, session.pid);
    assert.match((await again.screen()).data, /before reload/);
    await b.close(again.id);
  });
});
