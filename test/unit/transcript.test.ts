import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, promises as fsp, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { listTranscripts, readTranscript, transcriptDirectory, transcriptPaths, transcriptToText } from '../../src/extension/host/daemon/transcriptFiles';
import { FAKE_AGENT_EXIT_CODE, FAKE_AGENT_PROMPT, fakeAgentScript } from '../support/fakeAgent';
import { startDaemon, type DaemonProcess } from '../support/hostDaemon';
import { pollUntil } from '../support/timing';
import { PYTHON } from './helpers';

const FAKE_AGENT = fakeAgentScript(__dirname);

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What the terminal sends for what the agent printed: its ONLCR turns each LF into CRLF. */
function asTheTerminalSendsIt(recorded: Buffer): Buffer {
  return Buffer.from(recorded.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
}

async function connect(socket: string, tokenFile: string): Promise<SessionHostClient> {
  return SessionHostClient.connect(socket, readFileSync(tokenFile, 'utf8'), { clientVersion: 'test' });
}

describe('transcript: every byte a session prints, on disk', function () {
  this.timeout(40_000);
  let root: string;
  const clients: SessionHostClient[] = [];
  let daemon: DaemonProcess | undefined;
  let server: SessionHostServer | undefined;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'mt-transcript-'));
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) {
      client.dispose();
    }
    await daemon?.stop();
    daemon = undefined;
    await server?.shutdown();
    server = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it("is byte-identical to what the fake agent printed, in private files that outlive a kill -9 of the host", async () => {
    const directory = path.join(root, 'host');
    daemon = await startDaemon(directory);
    const client = await connect(daemon.paths.socket, daemon.paths.token);
    clients.push(client);
    const record = path.join(root, 'agent.record');
    const session = await client.create({ milestoneId: 'agent', command: process.execPath, args: [FAKE_AGENT, '--lines', '200', '--record', record] });
    await pollUntil(async () => (await session.screen()).data.includes(FAKE_AGENT_PROMPT), 'the prompt');
    session.write('yes\r');
    await pollUntil(() => session.state === 'exited', 'the agent exited');
    assert.equal(session.exitCode, FAKE_AGENT_EXIT_CODE);

    process.kill(daemon.pid, 'SIGKILL');
    await pollUntil(() => daemon?.hasExited(), 'the host gone');
    // Found by the session id under the known directory, with no host to ask.
    const folder = transcriptDirectory(directory);
    const transcript = await readTranscript(folder, session.id);
    assert.ok(transcript, 'a transcript');
    assert.equal(sha256(transcript), sha256(asTheTerminalSendsIt(readFileSync(record))));
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    const files = transcriptPaths(folder, session.id);
    for (const file of [files.current, files.metadata]) {
      assert.equal(statSync(file).mode & 0o777, 0o600, file);
    }
    assert.deepEqual(
      (await listTranscripts(folder)).map(({ milestoneId, sessionId }) => ({ milestoneId, sessionId })),
      [{ milestoneId: 'agent', sessionId: session.id }],
    );
    const text = transcriptToText(transcript.toString('utf8'));
    assert.match(text, /^step 200 of 200: 編集 ✓ file-200\.ts$/m);
    assert.match(text, /^answer: yes$/m);
    assert.doesNotMatch(text, /[\x1b\x07\r]/);

    // A host started after the kill keeps it (it is not older than the retention period).
    daemon = await startDaemon(directory);
    const again = await connect(daemon.paths.socket, daemon.paths.token);
    clients.push(again);
    assert.equal(sha256((await readTranscript(folder, session.id)) ?? Buffer.alloc(0)), sha256(transcript));
  });

  it('rotates at the cap: both files together stay within it and hold the newest output', async () => {
    const maxBytes = 256 * 1024;
    server = await SessionHostServer.start({ directory: path.join(root, 'host'), idleShutdownMs: 0, closeGraceMs: 200, transcriptMaxBytes: maxBytes });
    const client = await connect(server.paths.socket, server.paths.token);
    clients.push(client);
    // 2 MB of numbered lines, then an end marker.
    const session = await client.create({
      milestoneId: 'flood',
      command: PYTHON,
      args: ['-c', "import sys\nfor i in range(40000): sys.stdout.write('line %08d of the flood......................\\n' % i)\nsys.stdout.write('END\\n')\nsys.stdout.flush()"],
    });
    await pollUntil(() => session.state === 'exited', 'the flood ended', { timeoutMs: 30_000 });
    const folder = server.transcriptDirectory;
    const files = transcriptPaths(folder, session.id);
    const complete = await pollUntil(async () => {
      const bytes = (await readTranscript(folder, session.id)) ?? Buffer.alloc(0);
      return bytes.toString('utf8').endsWith('END\r\n') && bytes;
    }, 'the transcript written to its end');
    assert.ok(existsSync(files.previous), 'rotated');
    assert.ok(complete.length <= maxBytes, `${complete.length} bytes kept, cap ${maxBytes}`);
    assert.ok(complete.length >= maxBytes / 2, `${complete.length} bytes kept: at least the last half of the cap`);
    const lines = complete.toString('utf8').split('\r\n');
    // Whole lines after the first cut one, consecutive up to the last.
    const numbers = lines.slice(1, -2).map((line) => Number(/^line (\d{8}) /.exec(line)?.[1]));
    assert.equal(numbers.at(-1), 39_999);
    numbers.forEach((value, index) => assert.equal(value, numbers[0] + index, `line ${index}`));
  });

  it('keeps none when the cap is 0', async () => {
    server = await SessionHostServer.start({ directory: path.join(root, 'host'), idleShutdownMs: 0, closeGraceMs: 200, transcriptMaxBytes: 0 });
    const client = await connect(server.paths.socket, server.paths.token);
    clients.push(client);
    const session = await client.create({ milestoneId: 'none', command: 'sh', args: ['-c', 'echo hello; sleep 60'] });
    await pollUntil(async () => (await session.screen()).data.includes('hello'), 'hello');
    assert.equal(await readTranscript(server.transcriptDirectory, session.id), undefined);
  });

  it('removes transcripts older than the retention period when the host starts, and keeps newer ones', async () => {
    const directory = path.join(root, 'host');
    const folder = transcriptDirectory(directory);
    await fsp.mkdir(directory, { mode: 0o700 });
    await fsp.mkdir(folder, { mode: 0o700 });
    const old = '11111111-1111-4111-8111-111111111111';
    const recent = '22222222-2222-4222-8222-222222222222';
    const dayAgo = new Date(Date.now() - 24 * 60 * 60_000);
    for (const sessionId of [old, recent]) {
      const files = transcriptPaths(folder, sessionId);
      await fsp.writeFile(files.metadata, JSON.stringify({ sessionId, milestoneId: sessionId, title: sessionId, createdAt: 0 }), { mode: 0o600 });
      await fsp.writeFile(files.current, 'output', { mode: 0o600 });
      await fsp.writeFile(files.previous, 'older output', { mode: 0o600 });
    }
    for (const file of Object.values(transcriptPaths(folder, old))) {
      await fsp.utimes(file, dayAgo, dayAgo);
    }
    server = await SessionHostServer.start({ directory, idleShutdownMs: 0, transcriptRetentionMs: 60 * 60_000 });
    await pollUntil(async () => (await readTranscript(folder, old)) === undefined, 'the old transcript removed');
    assert.deepEqual(
      (await listTranscripts(folder)).map(({ sessionId }) => sessionId),
      [recent],
    );
    assert.equal((await readTranscript(folder, recent))?.toString(), 'older outputoutput');
  });
});

describe('transcript: as text', () => {
  it('drops escape sequences and controls, turns CRLF into LF and shows a line rewritten after CR as it was left', () => {
    const raw = '\x1b[1;32mok\x1b[0m\r\n\x1b]0;title\x07\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\\r\nprogress 10%\rprogress 100%\r\nabc\rX\x07\r\n\x1bPq#0\x1b\\tail';
    assert.equal(transcriptToText(raw), 'ok\nlink\nprogress 100%\nXbc\ntail');
  });
});
