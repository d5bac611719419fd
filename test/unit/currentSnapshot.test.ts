import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { pollUntil } from '../support/timing';

describe("a window's figures for a session it does not show", function () {
  this.timeout(20_000);

  it('come from the session host when asked for: output kept and last activity are current', async () => {
    const directory = path.join(mkdtempSync(path.join(os.tmpdir(), 'mt-snapshot-test-')), 'host');
    const server = await SessionHostServer.start({ directory, idleShutdownMs: 0, closeGraceMs: 200 });
    const client = await SessionHostClient.connect(server.paths.socket, readFileSync(server.paths.token, 'utf8'), { clientVersion: 'test' });
    try {
      // No view attaches, so no output reaches this window: only the host knows how much there is.
      const session = await client.create({ milestoneId: 'unseen', command: 'bash', args: ['-c', 'head -c 40000 /dev/zero | tr "\\0" x; sleep 1000'] });
      const hosted = () => server.manager.getOrThrow(session.id).snapshot();
      await pollUntil(() => hosted().replayBytes >= 40_000, 'the host to keep the 40,000 characters');
      const current = await session.currentSnapshot();
      assert.equal(current.replayBytes, hosted().replayBytes);
      assert.equal(current.lastActivity, hosted().lastActivity);
      assert.equal(session.snapshot().replayBytes, current.replayBytes, 'the cached snapshot is brought up to date too');
    } finally {
      client.dispose();
      await server.shutdown();
      rmSync(path.dirname(directory), { recursive: true, force: true });
    }
  });
});
