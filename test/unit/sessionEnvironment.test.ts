import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fsp, readFileSync, realpathSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { buildHostArguments } from '../../src/extension/host/hostCommandLine';
import { isHostError } from '../../src/extension/host/hostErrors';
import { hostPaths } from '../../src/extension/host/hostPaths';
import { MessageLimits } from '../../src/extension/host/protocol/messages';
import type { TerminalSession } from '../../src/extension/sessions';
import { HOST_SCRIPT } from '../support/hostDaemon';
import { pollUntil } from '../support/timing';
import { OutputCollector, PYTHON, isAlive } from './helpers';


/** A window's socket (as VS Code's CLI server or the git extension's would be), counting who connects. */
class WindowSocket {
  readonly path: string;
  connections = 0;
  private readonly server: net.Server;

  private constructor(socketPath: string, server: net.Server) {
    this.path = socketPath;
    this.server = server;
  }

  static listen(socketPath: string): Promise<WindowSocket> {
    const server = net.createServer((socket) => {
      window.connections++;
      socket.resume();
      socket.on('error', () => undefined);
    });
    const window = new WindowSocket(socketPath, server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve(window));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** For each input line: connects to $VSCODE_IPC_HOOK_CLI and says where that path led. */
const PROBE_HOOK = `
import os, socket, sys
hook = os.environ.get("VSCODE_IPC_HOOK_CLI", "")
print("hook-path=" + hook, flush=True)
for line in sys.stdin:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(hook)
        s.sendall(b"ping")
        result = "connected"
    except OSError:
        result = "refused"
    s.close()
    print("[%s] %s %s" % (line.strip(), result, os.path.realpath(hook)), flush=True)
`;

describe('session environment: a session gets the environment of the window that creates and shows it', function () {
  this.timeout(30_000);
  let root: string;
  let directory: string;
  const clients: SessionHostClient[] = [];
  const sockets: WindowSocket[] = [];

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'mt-env-test-'));
    directory = path.join(root, 'host');
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) {
      client.dispose();
    }
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
    const pid = Number(await fsp.readFile(hostPaths(directory).lock, 'utf8').catch(() => '0'));
    if (pid > 0 && isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      await pollUntil(() => !isAlive(pid), 'host stopped', { timeoutMs: 5_000 });
    }
    rmSync(root, { recursive: true, force: true });
  });

  /** Starts the real daemon from a process with `environment`, as the first window to need it would. */
  async function startHost(environment: NodeJS.ProcessEnv): Promise<void> {
    const child = spawn(process.execPath, [HOST_SCRIPT, ...buildHostArguments({ directory, idleShutdownMs: 1_000, hostVersion: 'test' })], {
      detached: true,
      stdio: 'ignore',
      env: environment,
    });
    child.unref();
    await pollUntil(() => existsSync(hostPaths(directory).socket), 'the host listens', { timeoutMs: 10_000 });
  }

  async function connectWindow(environment: NodeJS.ProcessEnv): Promise<SessionHostClient> {
    const paths = hostPaths(directory);
    const client = await SessionHostClient.connect(paths.socket, readFileSync(paths.token, 'utf8'), { clientVersion: 'test', environment: () => environment });
    clients.push(client);
    return client;
  }

  async function screenOf(session: TerminalSession, pattern: RegExp): Promise<RegExpExecArray> {
    for (const deadline = Date.now() + 10_000; ; await new Promise((resolve) => setTimeout(resolve, 50))) {
      const match = pattern.exec((await session.screen()).data);
      if (match) {
        return match;
      }
      assert.ok(Date.now() < deadline, `the screen never matched ${pattern}`);
    }
  }

  it("gives each session its creating window's variables, not the host's, with the milestone's env on top", async () => {
    await startHost({ ...process.env, MT_WINDOW_PROBE: 'host', MT_MILESTONE_PROBE: 'host' });
    const one = await connectWindow({ ...process.env, MT_WINDOW_PROBE: 'one', MT_MILESTONE_PROBE: 'one' });
    const two = await connectWindow({ ...process.env, MT_WINDOW_PROBE: 'two', MT_MILESTONE_PROBE: 'two' });
    const print = ['-c', 'printf "window=[%s] milestone=[%s]\\n" "$MT_WINDOW_PROBE" "$MT_MILESTONE_PROBE"; exec cat'];

    const first = await one.create({ milestoneId: 'env-one', command: 'sh', args: print });
    const second = await two.getOrCreate({ milestoneId: 'env-two', command: 'sh', args: print, env: { MT_MILESTONE_PROBE: 'defined' } });

    assert.deepEqual((await screenOf(first, /window=\[(\w*)\] milestone=\[(\w*)\]/)).slice(1), ['one', 'one']);
    assert.deepEqual((await screenOf(second.session, /window=\[(\w*)\] milestone=\[(\w*)\]/)).slice(1), ['two', 'defined']);
  });

  it("points a session's VS Code sockets at the window that attached last, and removes its links on close", async () => {
    const [socketOne, socketTwo] = await Promise.all([WindowSocket.listen(path.join(root, 'one.sock')), WindowSocket.listen(path.join(root, 'two.sock'))]);
    sockets.push(socketOne, socketTwo);
    await startHost(process.env);
    const one = await connectWindow({ ...process.env, VSCODE_IPC_HOOK_CLI: socketOne.path });
    const two = await connectWindow({ ...process.env, VSCODE_IPC_HOOK_CLI: socketTwo.path });

    const created = await one.create({ milestoneId: 'hook', command: PYTHON, args: ['-c', PROBE_HOOK] });
    const hookPath = (await screenOf(created, /hook-path=(\S+)/))[1];
    const shownInOne = created.attach();
    const output = new OutputCollector(created.onData);
    created.write('first\n');
    await output.waitFor(/\[first\] connected (\S+)/);
    assert.equal(/\[first\] connected (\S+)/.exec(output.text)?.[1], realpathSync(socketOne.path));
    // The probe may print before this process has accepted its connection.
    await pollUntil(() => socketOne.connections === 1, 'window one was reached', { timeoutMs: 5_000 });

    // Window two shows the session too and is the last to attach. Window one stays attached
    // so this test keeps reading the output (a window gets output only while it shows a session).
    const inTwo = two.getOrThrow(created.id);
    const shownInTwo = inTwo.attach();
    // The attach is fire-and-forget: probe until the hook leads to window two (each probe waits for the previous one's answer).
    let attempt = 1;
    created.write('try-1\n');
    await pollUntil(() => {
        if (socketTwo.connections === 0 && output.text.includes(`[try-${attempt}]`)) {
          created.write(`try-${++attempt}\n`);
        }
        return socketTwo.connections > 0;
      }, "the session's hook reaches window two", { timeoutMs: 10_000 }).catch((error: Error) => assert.fail(`${error.message}; output: ${output.text.slice(-400)}`));
    created.write('last\n');
    await output.waitFor(/\[last\] connected (\S+)/);
    const [realOne, realTwo] = [realpathSync(socketOne.path), realpathSync(socketTwo.path)];
    const reached = [...output.text.matchAll(/\[[\w-]+\] connected (\S+)/g)].map((match) => match[1]);
    const firstToTwo = reached.indexOf(realTwo);
    assert.ok(firstToTwo > 0 && reached.slice(firstToTwo).every((target) => target === realTwo), `once at window two, never back at one: ${reached.join(', ')}`);
    assert.equal(reached.at(-1), realTwo);
    // Each probe reached the window it names, and only that one.
    await pollUntil(() => socketOne.connections === reached.filter((target) => target === realOne).length && socketTwo.connections === reached.length - firstToTwo, 'the windows saw the probes they were named in', { timeoutMs: 5_000 });
    shownInTwo.dispose();
    shownInOne.dispose();

    assert.ok(hookPath.startsWith(directory + path.sep), `the session's hook (${hookPath}) is a link in the host's directory`);
    assert.ok(await two.close(created.id));
    await pollUntil(() => !existsSync(hookPath) && !existsSync(path.dirname(hookPath)), "the session's links are removed on close", { timeoutMs: 5_000 });
  });

  it('refuses an environment whose names hold = or NUL, whose values hold NUL, or that is too large, and starts nothing', async () => {
    await startHost(process.env);
    const window = await connectWindow(process.env);
    const refused: Array<[string, Record<string, string>]> = [
      ['a name with =', { 'A=B': 'x' }],
      ['a name with NUL', { 'A\0B': 'x' }],
      ['an empty name', { '': 'x' }],
      ['a value with NUL', { A: 'x\0y' }],
      ['more than the size limit', { A: 'x'.repeat(MessageLimits.maxEnvironmentChars) }],
    ];
    for (const [what, environment] of refused) {
      await assert.rejects(
        window.request({ method: 'create', options: { milestoneId: 'refused', command: 'cat' }, environment }),
        (error) => isHostError(error, 'protocol') && /bad-request/.test(error.message) && /"environment"/.test(error.message),
        what,
      );
    }
    assert.deepEqual(window.list(), []);
    // The connection is still good for a valid request.
    assert.equal((await window.request({ method: 'list' })).sessions.length, 0);
  });
});
