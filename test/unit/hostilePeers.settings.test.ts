import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { sleep } from '../support/timing';
import { waitForEvent } from './helpers';

/**
 * A window's settings are its user's policy for its own sessions. Another window (an
 * untrusted folder's settings, or any client of the socket) must not shorten them.
 */
describe('hostile peers: settings of another window', function () {
  this.timeout(20_000);
  let server: SessionHostServer;
  const clients: SessionHostClient[] = [];

  async function client(): Promise<SessionHostClient> {
    const created = await SessionHostClient.connect(server.paths.socket, readFileSync(server.paths.token, 'utf8'), { clientVersion: 'test' });
    clients.push(created);
    return created;
  }

  beforeEach(async () => {
    const directory = path.join(mkdtempSync(path.join(os.tmpdir(), 'mt-settings-test-')), 'host');
    server = await SessionHostServer.start({ directory, idleShutdownMs: 0, closeGraceMs: 200, detachedTimeoutMs: 0, cleanupIntervalMs: 50 });
  });

  afterEach(async () => {
    for (const created of clients.splice(0)) {
      created.dispose();
    }
    await server.shutdown();
    rmSync(path.dirname(server.paths.directory), { recursive: true, force: true });
  });

  it("a window that asks for a 60 ms timeout does not close another window's detached session", async () => {
    const a = await client();
    const b = await client();
    await a.configure({ detachedTimeoutMs: 60_000, replayBufferBytes: 64 * 1024 });
    const session = await a.create({ milestoneId: 'kept-by-a', command: 'cat' });
    await b.configure({ detachedTimeoutMs: 60, replayBufferBytes: 64 * 1024 });
    // Something that must NOT happen, so this waits: 3 s is 50 of b's timeouts and 60 cleanup rounds.
    await sleep(3_000);
    assert.ok(server.manager.get(session.id), "b's short timeout closed a's detached session");
    assert.equal(server.manager.detachedTimeoutMs, 60_000);
  });

  it('keep-until-closed (0) from any window wins, and the others apply again once it leaves', async () => {
    const a = await client();
    const b = await client();
    await a.configure({ detachedTimeoutMs: 0, replayBufferBytes: 64 * 1024 });
    await b.configure({ detachedTimeoutMs: 300, replayBufferBytes: 64 * 1024 });
    assert.equal(server.manager.detachedTimeoutMs, 0);
    const session = await b.create({ milestoneId: 'kept-while-a-is-here', command: 'cat' });
    const closed = waitForEvent(b.onDidChangeSessions, (change) => change.kind === 'closed' && change.session.id === session.id, 5_000);
    a.dispose();
    await closed;
    assert.equal(server.manager.detachedTimeoutMs, 300);
  });

  it("a window's replay buffer size applies to the sessions it creates, not to another window's", async () => {
    const a = await client();
    const b = await client();
    await a.configure({ detachedTimeoutMs: 0, replayBufferBytes: 2 * 1024 * 1024 });
    await b.configure({ detachedTimeoutMs: 0, replayBufferBytes: 1024 });
    const ofA = await a.create({ milestoneId: 'big-buffer', command: 'cat' });
    const ofB = await b.create({ milestoneId: 'small-buffer', command: 'cat' });
    assert.equal(server.manager.getOrThrow(ofA.id).replay.capacityBytes, 2 * 1024 * 1024);
    assert.equal(server.manager.getOrThrow(ofB.id).replay.capacityBytes, 1024);
  });
});
