/**
 * The Windows code paths, run by a Windows Node: under wine on Linux (scripts/test-wine.mjs)
 * and natively on the release workflow's Windows runner. What wine cannot do (ConPTY, a
 * second listen on a pipe name in use failing) runs only where MT_UNDER_WINE is unset.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { connectToSessionHost } from '../../src/extension/host/client/launcher';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { isHostError } from '../../src/extension/host/hostErrors';
import { hostAddress, hostPaths } from '../../src/extension/host/hostPaths';
import { PtyProcess, isSessionError } from '../../src/extension/sessions';
import { HOST_SCRIPT } from '../support/hostDaemon';
import { isAlive } from '../support/processes';
import { pollUntil } from '../support/timing';

const underWine = process.env.MT_UNDER_WINE === '1';
/** Wine runs winpty, not ConPTY; a real Windows runs what users get. */
const ptyBackend = underWine ? 'winpty' : 'conpty';
const onRealWindows = underWine ? it.skip : it;
// Sessions take the backend from the environment of the window that starts them: this process.
process.env.MILESTONE_TERMINALS_WINDOWS_PTY = ptyBackend;

function collect(onData: (listener: (data: string) => void) => unknown): { text: () => string } {
  let text = '';
  onData((data) => (text += data));
  return { text: () => text };
}

describe('Windows: the session host over a named pipe', function () {
  this.timeout(60_000);
  let directory: string;
  const servers: SessionHostServer[] = [];
  const clients: SessionHostClient[] = [];
  beforeEach(() => {
    assert.equal(process.platform, 'win32', 'this suite runs on a Windows Node');
    directory = mkdtempSync(path.join(tmpdir(), 'mt-win-'));
  });
  afterEach(async () => {
    clients.splice(0).forEach((client) => client.dispose());
    await Promise.all(servers.splice(0).map((server) => server.shutdown()));
    rmSync(directory, { recursive: true, force: true });
  });

  async function startServer(): Promise<SessionHostServer> {
    const server = await SessionHostServer.start({ directory, idleShutdownMs: 0, findableCheckMs: 0 });
    servers.push(server);
    return server;
  }

  it('listens on a pipe whose random name is kept beside the token, and authenticates by the token', async () => {
    const server = await startServer();
    const paths = hostPaths(directory);
    assert.match(readFileSync(paths.socket, 'utf8'), /^[0-9a-f]{32}$/);
    const address = await hostAddress(paths);
    assert.equal(server.address, address);
    assert.match(address, /^\\\\\.\\pipe\\milestone-terminals-host-v\d+-[0-9a-f]{32}$/);
    const token = readFileSync(paths.token, 'utf8');
    const client = await SessionHostClient.connect(address, token, { clientVersion: 'wine' });
    clients.push(client);
    assert.equal(client.hostPid, process.pid);
    await assert.rejects(SessionHostClient.connect(address, 'f'.repeat(token.length)), (error) => isHostError(error, 'rejected') && /bad-token/.test(error.message));
  });

  it('removes token and pipe name on shutdown, so the next host serves on a new name', async () => {
    const first = await startServer();
    const firstAddress = first.address;
    await first.shutdown();
    const paths = hostPaths(directory);
    assert.equal(existsSync(paths.token), false, 'token removed');
    assert.equal(existsSync(paths.socket), false, 'pipe name removed');
    const second = await startServer();
    assert.notEqual(second.address, firstAddress);
  });

  onRealWindows('refuses a second host on the same directory: the pipe name is in use', async () => {
    await startServer();
    await assert.rejects(SessionHostServer.start({ directory, idleShutdownMs: 0, findableCheckMs: 0 }), (error) => isHostError(error, 'already-running'));
  });

  it('starts a detached host that outlives the process that started it', async () => {
    // A separate Node starts the host through the launcher, as a window would, and exits.
    const starter = spawn(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(path.resolve(__dirname, 'startHost.js'))}).main(${JSON.stringify(directory)}, ${JSON.stringify(HOST_SCRIPT)}).then(() => process.exit(0), () => process.exit(1))`,
      ],
      { stdio: 'ignore' },
    );
    const code = await new Promise<number | null>((resolve) => starter.once('exit', resolve));
    assert.equal(code, 0, 'the starter connected and exited');
    const client = await connectToSessionHost({ hostScript: HOST_SCRIPT, directory, clientVersion: 'wine', idleShutdownMs: 500 });
    clients.push(client);
    assert.notEqual(client.hostPid, process.pid);
    assert.ok(isAlive(client.hostPid), 'the host started by the exited process still runs');
    const session = await client.create({ milestoneId: 'wine-1', command: 'cmd.exe', args: ['/c', 'echo hosted-on-windows'] });
    // It may have printed before this client could listen: the host's mirror of the screen has it either way.
    await pollUntil(async () => (await session.screen()).data.includes('hosted-on-windows'), "the session's output on its screen", { timeoutMs: 20_000 });
    const hostPid = client.hostPid;
    await client.close(session.id);
    client.dispose();
    clients.splice(0);
    await pollUntil(() => !isAlive(hostPid), 'the idle host exiting', { timeoutMs: 20_000 });
  });
});

describe(`Windows: PTYs (${ptyBackend})`, function () {
  this.timeout(60_000);
  const started: PtyProcess[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((pty) => pty.close(500)));
  });
  async function spawnPty(options: Parameters<typeof PtyProcess.spawn>[0]): Promise<PtyProcess> {
    const pty = await PtyProcess.spawn(options);
    started.push(pty);
    return pty;
  }

  it('runs a command from PATH (cmd, found through PATHEXT) and reports its exit code', async () => {
    const pty = await spawnPty({ command: 'cmd', args: ['/c', 'echo from-the-console & exit 7'] });
    const output = collect((listener) => pty.onData(listener));
    const exit = await pty.whenExited();
    assert.equal(exit.exitCode, 7);
    await pollUntil(() => output.text().includes('from-the-console'), () => `output (got ${JSON.stringify(output.text())})`, { timeoutMs: 5_000 });
  });

  it('starts the default shell (COMSPEC) in a drive-absolute working directory, and closes it', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'mt-cwd-'));
    const pty = await spawnPty({ cwd });
    assert.match(pty.file.toLowerCase(), /cmd\.exe$/);
    const output = collect((listener) => pty.onData(listener));
    pty.write('echo %CD%\r');
    await pollUntil(() => output.text().toLowerCase().includes(path.basename(cwd).toLowerCase()), () => `the shell's cwd (got ${JSON.stringify(output.text())})`, { timeoutMs: 10_000 });
    await pty.close(2_000);
    assert.ok(pty.exit, 'closed');
    rmSync(cwd, { recursive: true, force: true });
  });

  it('refuses a drive-relative or missing working directory', async () => {
    await assert.rejects(spawnPty({ cwd: 'C:somewhere' }), (error) => isSessionError(error, 'invalid-argument'));
    await assert.rejects(spawnPty({ cwd: 'C:\\does-not-exist-mt' }), (error) => isSessionError(error, 'cwd-not-found'));
  });

  onRealWindows('interrupts a running program with Ctrl+C as input (ConPTY)', async () => {
    const pty = await spawnPty({ command: 'cmd.exe' });
    const output = collect((listener) => pty.onData(listener));
    pty.write('ping -n 30 127.0.0.1\r');
    await pollUntil(() => /Reply from|Antwort von|127\.0\.0\.1/.test(output.text()), 'ping running', { timeoutMs: 10_000 });
    pty.signal('SIGINT');
    pty.write('echo after-interrupt\r');
    await pollUntil(() => output.text().includes('after-interrupt'), () => `the prompt back (got ${JSON.stringify(output.text().slice(-400))})`, { timeoutMs: 10_000 });
  });
});
