import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PtyProcess, Session, isSessionError, startSession } from '../../src/extension/sessions';
import { pollUntil } from '../support/timing';
import { OutputCollector, PYTHON, isAlive, programName, sessionMembers } from './helpers';

const BASH = ['--norc', '--noprofile', '-i'];
const bashEnv = { PS1: 'READY$ ', HISTFILE: '/dev/null' };

describe('PtyProcess (real pseudo-terminals)', () => {
  const started: PtyProcess[] = [];
  async function spawn(options: Parameters<typeof PtyProcess.spawn>[0]): Promise<PtyProcess> {
    const pty = await PtyProcess.spawn(options);
    started.push(pty);
    return pty;
  }
  afterEach(async () => {
    await Promise.all(started.splice(0).map((pty) => pty.close(200)));
  });

  it('delivers output and the exit code', async () => {
    const pty = await spawn({ command: 'sh', args: ['-c', 'printf "hello from pty"; exit 7'] });
    const output = new OutputCollector(pty.onData);
    const exit = await pty.whenExited();
    assert.equal(exit.exitCode, 7);
    assert.equal(output.text, 'hello from pty');
  });

  it('runs in the given cwd with the given environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mt-cwd-'));
    const pty = await spawn({ command: 'sh', args: ['-c', 'pwd; echo "$MT_PROBE"; echo "$TERM"'], cwd: dir, env: { MT_PROBE: 'probe-ü' } });
    const output = new OutputCollector(pty.onData);
    await pty.whenExited();
    assert.equal(output.text, `${dir}\r\nprobe-ü\r\nxterm-256color\r\n`);
  });

  it('passes a resize on to the child (stty size)', async () => {
    const pty = await spawn({ command: 'bash', args: BASH, env: bashEnv, cols: 80, rows: 24 });
    const output = new OutputCollector(pty.onData);
    await output.waitFor('READY$ ');
    pty.resize(123, 45);
    pty.write('stty size\r');
    await output.waitFor('45 123');
  });

  it('interrupts the foreground job with SIGINT and the shell lives on', async () => {
    const pty = await spawn({ command: 'bash', args: BASH, env: bashEnv });
    const output = new OutputCollector(pty.onData);
    await output.waitFor('READY$ ');
    pty.write('sleep 30; echo "slept $?"\r');
    await pollUntil(() => sessionMembers(pty.pid).length > 1, 'sleep started', { timeoutMs: 5_000 });
    const startedAt = Date.now();
    pty.signal('SIGINT');
    pty.write('echo "alive $((40 + 2))"\r');
    await output.waitFor('alive 42');
    assert.ok(Date.now() - startedAt < 5_000);
    assert.equal(pty.exit, undefined, 'the shell itself is still running');
  });

  it('ends a plain sleep with SIGINT, reporting the signal', async () => {
    const pty = await spawn({ command: 'sleep', args: ['30'] });
    // Until the child has become `sleep` it is node-pty's helper, not the job to interrupt.
    await pollUntil(() => programName(pty.pid) === 'sleep', 'the child to run sleep');
    pty.signal('SIGINT');
    const exit = await pty.whenExited();
    assert.equal(exit.signal, 2);
  });

  it('ends cat with EOF (Ctrl+D)', async () => {
    const pty = await spawn({ command: 'cat' });
    const output = new OutputCollector(pty.onData);
    pty.write('echo-me\r');
    await output.waitFor('echo-me\r\necho-me');
    pty.signal('EOF');
    assert.equal((await pty.whenExited()).exitCode, 0);
  });

  it('SIGTERM ends the foreground job', async () => {
    const pty = await spawn({ command: 'sleep', args: ['30'] });
    await pollUntil(() => programName(pty.pid) === 'sleep', 'the child to run sleep');
    pty.signal('SIGTERM');
    assert.equal((await pty.whenExited()).signal, 15);
  });

  it('does not lose the last output of a child that exits while printing', async function () {
    this.timeout(60_000);
    const script = 'import sys\nfor i in range(20000): sys.stdout.write("line %06d ..............................\\n" % i)\nsys.stdout.write("END-OF-OUTPUT\\n")';
    for (let run = 0; run < 10; run++) {
      const pty = await spawn({ command: PYTHON, args: ['-c', script] });
      const output = new OutputCollector(pty.onData);
      await pty.whenExited();
      assert.ok(output.text.endsWith('END-OF-OUTPUT\r\n'), `run ${run} lost its tail: ${JSON.stringify(output.text.slice(-80))}`);
      assert.ok(output.text.includes('line 019999'));
    }
  });

  it('close() hangs up the whole process session, jobs included', async () => {
    const pty = await spawn({ command: 'bash', args: BASH, env: bashEnv });
    const output = new OutputCollector(pty.onData);
    await output.waitFor('READY$ ');
    // A background job in its own process group, and one that ignores the hangup.
    pty.write('sleep 1000 & (trap "" HUP TERM; sleep 1001) & echo started\r');
    await output.waitFor('started');
    await pollUntil(() => sessionMembers(pty.pid).length >= 3, 'jobs started', { timeoutMs: 5_000 });
    const members = sessionMembers(pty.pid);
    await pty.close(300);
    await pollUntil(() => members.every((pid) => !isAlive(pid)), 'every member gone', { timeoutMs: 5_000 });
  });

  it('close() ends the background job of a non-interactive shell too', async () => {
    const pty = await spawn({ command: 'bash', args: ['-c', 'sleep 1000 & sleep 1000'] });
    await pollUntil(() => sessionMembers(pty.pid).filter((pid) => programName(pid) === 'sleep').length === 2, 'both sleeps started', { timeoutMs: 5_000 });
    const members = sessionMembers(pty.pid);
    await pty.close(300);
    await pollUntil(() => members.every((pid) => !isAlive(pid)), 'both sleeps gone', { timeoutMs: 5_000 });
  });

  it('refuses NUL characters in the command, cwd and arguments before starting anything, naming the argument', async () => {
    const refused = (options: Parameters<typeof PtyProcess.spawn>[0], message: RegExp) =>
      assert.rejects(PtyProcess.spawn(options), (error) => isSessionError(error, 'invalid-argument') && message.test(error.message));
    await refused({ command: 'sh\0-c' }, /The command contains a NUL character/);
    await refused({ command: 'sh', cwd: `${tmpdir()}\0/elsewhere` }, /The working directory contains a NUL character/);
    await refused({ command: 'sh', args: ['-c', 'true', 'cut\0here'] }, /Argument 2 contains a NUL character/);
  });

  it('refuses environment names with "=" or NUL and values with NUL, naming the variable', async () => {
    const refused = (env: Record<string, string | null>, message: RegExp) =>
      assert.rejects(PtyProcess.spawn({ command: 'sh', args: ['-c', 'true'], env }), (error) => isSessionError(error, 'invalid-argument') && message.test(error.message));
    await refused({ 'MT_A=B': 'x' }, /name "MT_A=B" contains "="/);
    await refused({ 'MT\0NAME': 'x' }, /name "MT\\u0000NAME" contains a NUL character/);
    await refused({ MT_VALUE: 'before\0after' }, /value of the environment variable "MT_VALUE" contains a NUL/);
    await refused({ '': 'x' }, /empty name/);
    // Removing a variable (null) is not a value and stays allowed.
    const pty = await spawn({ command: 'sh', args: ['-c', 'true'], env: { MT_GONE: null } });
    assert.equal((await pty.whenExited()).exitCode, 0);
  });

  it('reports a missing working directory clearly', async () => {
    await assert.rejects(PtyProcess.spawn({ command: 'sh', cwd: '/definitely/not/here' }), (error) => {
      assert.ok(isSessionError(error, 'cwd-not-found'));
      assert.match(error.message, /\/definitely\/not\/here" does not exist/);
      return true;
    });
    const file = join(mkdtempSync(join(tmpdir(), 'mt-file-')), 'plain.txt');
    writeFileSync(file, 'x');
    await assert.rejects(PtyProcess.spawn({ command: 'sh', cwd: file }), (error) => isSessionError(error, 'cwd-not-found') && /not a directory/.test(error.message));
  });

  it('reports a missing or non-executable command clearly', async () => {
    await assert.rejects(PtyProcess.spawn({ command: 'no-such-command-mt' }), (error) => {
      assert.ok(isSessionError(error, 'command-not-found'));
      assert.match(error.message, /"no-such-command-mt" was not found on PATH/);
      return true;
    });
    const notExecutable = join(mkdtempSync(join(tmpdir(), 'mt-noexec-')), 'script.sh');
    writeFileSync(notExecutable, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    await assert.rejects(PtyProcess.spawn({ command: notExecutable }), (error) => isSessionError(error, 'command-not-found'));
    await assert.rejects(PtyProcess.spawn({ command: 'sh', cols: 0 }), (error) => isSessionError(error, 'invalid-argument'));
  });

  it('refuses input after exit with a typed error', async () => {
    const pty = await spawn({ command: 'true' });
    await pty.whenExited();
    assert.throws(() => pty.write('x'), (error) => isSessionError(error, 'session-exited'));
    pty.resize(100, 30); // harmless after exit
  });
});

describe('Session', () => {
  let session: Session | undefined;
  afterEach(async () => {
    await session?.close(200);
    session = undefined;
  });

  it('records output in the replay buffer and keeps the last 64 KiB of a real process intact', async () => {
    const script = 'import sys\nfor i in range(10000): sys.stdout.write("%05d é漢🚀 \\x1b[3%dmcolour\\x1b[0m\\n" % (i, i % 8))';
    session = await startSession({ milestoneId: 'replay', command: PYTHON, args: ['-c', script] });
    const output = new OutputCollector(session.onData);
    await session.whenExited();
    const replay = session.replay.getReplay();
    assert.ok(Buffer.byteLength(output.text) > 4 * 65536);
    assert.ok(output.text.endsWith(replay), 'replay is the tail of the output');
    assert.ok(session.replay.byteLength <= 65536 && session.replay.byteLength > 65536 - 16, `${session.replay.byteLength} bytes`);
    assert.ok(replay.endsWith('09999 é漢🚀 \x1b[37mcolour\x1b[0m\r\n'));
    assert.equal(Buffer.from(replay).toString(), replay);
  });

  it('tracks state, exit, activity and attached views', async () => {
    session = await startSession({ milestoneId: 'state', title: '  Nice title ', command: 'cat' });
    assert.equal(session.state, 'running');
    assert.equal(session.title, 'Nice title');
    assert.ok(session.pid > 0);
    const view = session.attach();
    assert.equal(session.attachedViews, 1);
    assert.equal(session.detachedSince, undefined);
    view.dispose();
    view.dispose();
    assert.equal(session.attachedViews, 0);
    assert.ok(session.detachedSince !== undefined);
    const before = session.lastActivity;
    await pollUntil(() => Date.now() > before, 'the clock to move past the last activity');
    session.write('x');
    assert.ok(session.lastActivity > before);
    session.signal('EOF');
    session.signal('EOF');
    await session.whenExited();
    assert.equal(session.state, 'exited');
    assert.equal(session.exitCode, 0);
    assert.ok(session.info().exitedAt);
  });
});
