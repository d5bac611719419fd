import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectToSessionHost } from '../../src/extension/host/client/launcher';
import type { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { HOST_SCRIPT, lockOwner, startDaemon, type DaemonProcess } from '../support/hostDaemon';
import { pollUntil } from '../support/timing';

describe('hostile peers: a wiped host directory', function () {
  this.timeout(40_000);
  let parent: string;
  let directory: string;
  const hosts: DaemonProcess[] = [];
  const clients: SessionHostClient[] = [];

  beforeEach(() => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'mt-wiped-'));
    directory = path.join(parent, 'host');
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) {
      client.dispose();
    }
    for (const host of hosts.splice(0)) {
      if (!host.hasExited()) {
        process.kill(host.pid, 'SIGCONT');
        await host.stop();
      }
    }
    rmSync(parent, { recursive: true, force: true });
  });

  async function start(idleShutdownMs: number): Promise<DaemonProcess> {
    const host = await startDaemon(directory, idleShutdownMs);
    hosts.push(host);
    return host;
  }

  async function connect(): Promise<SessionHostClient> {
    const client = await connectToSessionHost({ hostScript: HOST_SCRIPT, directory, clientVersion: 'test', startTimeoutMs: 5_000, detachedTimeoutMs: 60_000 });
    clients.push(client);
    return client;
  }

  it("an old host leaving when idle does not remove the files of the host that started after the wipe", async () => {
    const old = await start(1_500);
    // Stopped, the old host cannot notice the wipe first: the new host is the one that starts.
    process.kill(old.pid, 'SIGSTOP');
    rmSync(directory, { recursive: true, force: true });
    const current = await start(0);
    process.kill(old.pid, 'SIGCONT');
    await pollUntil(() => old.hasExited(), 'the old host exiting when idle', { timeoutMs: 15_000 });
    assert.ok(existsSync(current.paths.socket), 'the socket of the new host');
    assert.ok(existsSync(current.paths.token), 'the token of the new host');
    assert.equal(lockOwner(current.paths), current.pid);
    const client = await connect();
    assert.equal(client.hostPid, current.pid);
  });

  it('a host whose directory was wiped makes itself findable again, with its sessions', async () => {
    const host = await start(0);
    const first = await connect();
    const session = await first.create({ milestoneId: 'survivor', command: 'cat' });
    rmSync(directory, { recursive: true, force: true });
    // A client that found nothing would start a second host: wait for the first one to come back.
    await pollUntil(() => existsSync(host.paths.socket) && existsSync(host.paths.token) && lockOwner(host.paths) === host.pid, 'the host findable again', { timeoutMs: 10_000 });
    const second = await connect();
    assert.equal(second.hostPid, host.pid);
    assert.equal(second.getByMilestone('survivor')?.pid, session.pid);
    assert.equal(lockOwner(host.paths), host.pid, 'no second host');
  });
});
