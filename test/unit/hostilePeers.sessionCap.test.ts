import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { DEFAULT_DETACHED_TIMEOUT_MS, DEFAULT_REPLAY_BUFFER_BYTES, isSessionError } from '../../src/extension/sessions';

describe('hostile peers: a client that creates sessions without end', function () {
  this.timeout(30_000);
  let parent: string;
  let server: SessionHostServer | undefined;
  const clients: SessionHostClient[] = [];

  beforeEach(async () => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'mt-cap-'));
    server = await SessionHostServer.start({ directory: path.join(parent, 'host'), idleShutdownMs: 0, closeGraceMs: 200 });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) {
      client.dispose();
    }
    await server?.shutdown();
    server = undefined;
    rmSync(parent, { recursive: true, force: true });
  });

  async function connect(host: SessionHostServer): Promise<SessionHostClient> {
    const client = await SessionHostClient.connect(host.paths.socket, readFileSync(host.paths.token, 'utf8').trim());
    clients.push(client);
    return client;
  }

  it('refuses sessions beyond the configured cap with a clear error, and still lets a window connect', async () => {
    const host = server as SessionHostServer;
    const flooder = await connect(host);
    await flooder.configure({ detachedTimeoutMs: DEFAULT_DETACHED_TIMEOUT_MS, replayBufferBytes: DEFAULT_REPLAY_BUFFER_BYTES, maxSessions: 5 });
    for (let i = 0; i < 5; i++) {
      await flooder.create({ milestoneId: `capped-${i}`, command: 'cat' });
    }
    await assert.rejects(flooder.create({ milestoneId: 'one-too-many', command: 'cat' }), (error: unknown) => {
      assert.ok(isSessionError(error, 'too-many-sessions'), `expected too-many-sessions, got ${String(error)}`);
      assert.match((error as Error).message, /5 sessions/);
      return true;
    });
    await assert.rejects(flooder.getOrCreate({ milestoneId: 'one-too-many', command: 'cat' }), (error: unknown) => isSessionError(error, 'too-many-sessions'));
    // A running milestone is still reachable at the cap: getOrCreate returns it.
    assert.equal((await flooder.getOrCreate({ milestoneId: 'capped-0', command: 'cat' })).created, false);
    const newcomer = await connect(host);
    assert.deepEqual(newcomer.list().map((session) => session.milestoneId).sort(), ['capped-0', 'capped-1', 'capped-2', 'capped-3', 'capped-4']);
    // Closing one makes room again.
    await newcomer.close(newcomer.getByMilestone('capped-0')!.id);
    await newcomer.create({ milestoneId: 'after-a-close', command: 'cat' });
  });
});
