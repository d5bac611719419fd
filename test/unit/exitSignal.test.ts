import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { startSession } from '../../src/extension/sessions';
import { describeExitStatus, endedInError } from '../../src/shared/exitStatus';
import { pollUntil } from '../support/timing';

describe('a process killed by a signal', function () {
  this.timeout(20_000);

  it('says signal 9 in the snapshot of a local session after kill -9', async () => {
    const session = await startSession({ milestoneId: 'killed-locally', command: 'sleep', args: ['1000'] });
    try {
      process.kill(session.pid, 'SIGKILL');
      await session.whenExited();
      const snapshot = session.snapshot();
      assert.equal(snapshot.exitSignal, 9);
      assert.equal(describeExitStatus(snapshot), 'killed by SIGKILL (signal 9)');
      assert.ok(endedInError(snapshot));
    } finally {
      session.dispose();
    }
  });

  it('says signal 9 in the snapshot a window gets from the session host', async () => {
    const directory = path.join(mkdtempSync(path.join(os.tmpdir(), 'mt-signal-test-')), 'host');
    const server = await SessionHostServer.start({ directory, idleShutdownMs: 0, closeGraceMs: 200 });
    const client = await SessionHostClient.connect(server.paths.socket, readFileSync(server.paths.token, 'utf8'), { clientVersion: 'test' });
    try {
      const session = await client.create({ milestoneId: 'killed-in-the-host', command: 'sleep', args: ['1000'] });
      process.kill(session.pid, 'SIGKILL');
      await pollUntil(() => session.state === 'exited', 'the window to see the exit');
      assert.equal(session.snapshot().exitSignal, 9);
      assert.equal(session.info().exitSignal, 9);
      assert.equal(client.list().find((listed) => listed.sessionId === session.id)?.exitSignal, 9);
    } finally {
      client.dispose();
      await server.shutdown();
      rmSync(path.dirname(directory), { recursive: true, force: true });
    }
  });

  it('is told apart from a clean exit and from a failing one', () => {
    assert.equal(describeExitStatus({ exitCode: 0, exitSignal: undefined }), 'exited with code 0');
    assert.equal(endedInError({ exitCode: 0, exitSignal: undefined }), false);
    assert.equal(describeExitStatus({ exitCode: 2, exitSignal: undefined }), 'exited with code 2');
    assert.ok(endedInError({ exitCode: 2, exitSignal: undefined }));
    assert.equal(describeExitStatus({ exitCode: 0, exitSignal: 15 }), 'killed by SIGTERM (signal 15)');
    assert.equal(describeExitStatus({ exitCode: undefined, exitSignal: 31 }), 'killed by signal 31');
    assert.equal(describeExitStatus({ exitCode: undefined, exitSignal: undefined }), 'ended');
  });
});
