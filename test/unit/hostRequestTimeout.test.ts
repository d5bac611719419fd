import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectToSessionHost } from '../../src/extension/host/client/launcher';
import type { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { isHostError } from '../../src/extension/host/hostErrors';
import { HOST_SCRIPT, endHostIn } from '../support/hostDaemon';
import { pollUntil } from '../support/timing';

const REQUEST_TIMEOUT_MS = 1_000;

describe('session host client: a host that stops answering', function () {
  this.timeout(30_000);
  let directory: string;
  let client: SessionHostClient | undefined;
  /** A host this test stopped; continued afterwards whatever happens, or it could not be terminated. */
  let stoppedPid: number | undefined;

  beforeEach(() => {
    directory = path.join(mkdtempSync(path.join(os.tmpdir(), 'mt-timeout-test-')), 'host');
  });

  afterEach(async () => {
    client?.dispose();
    client = undefined;
    await endHostIn(directory, stoppedPid);
    stoppedPid = undefined;
    rmSync(path.dirname(directory), { recursive: true, force: true });
  });

  it('fails a request within the request timeout while the host is stopped, and is served again once it continues', async () => {
    const logged: string[] = [];
    client = await connectToSessionHost({
      hostScript: HOST_SCRIPT,
      directory,
      idleShutdownMs: 1_000,
      clientVersion: 'test',
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      log: (message) => logged.push(message),
    });
    const session = await client.create({ milestoneId: 'stopped-host', command: 'sh', args: ['-c', "printf 'ready'; exec cat"] });
    let screen = '';
    for (const deadline = Date.now() + 10_000; !/ready/.test(screen); await new Promise((resolve) => setTimeout(resolve, 50))) {
      assert.ok(Date.now() < deadline, 'the session never printed');
      screen = (await session.screen()).data;
    }

    stoppedPid = client.hostPid;
    process.kill(stoppedPid, 'SIGSTOP');
    const started = Date.now();
    await assert.rejects(session.screen(), (error) => isHostError(error, 'timeout') && /did not answer the screen request within 1000 ms/.test(error.message));
    const waited = Date.now() - started;
    // Timers may fire a millisecond early; the upper bound leaves room for a loaded machine.
    assert.ok(waited >= REQUEST_TIMEOUT_MS - 5 && waited < REQUEST_TIMEOUT_MS + 3_000, `rejected after ${waited} ms`);
    assert.equal(client.connected, true, 'a host that is slow to answer is not a host that is gone');

    process.kill(stoppedPid, 'SIGCONT');
    stoppedPid = undefined;
    assert.equal((await session.screen()).data, screen);
    // The stopped host's late answer to the abandoned request is noted, not mistaken for the new one's.
    await pollUntil(() => logged.some((message) => /nobody waits for/.test(message)), 'the late reply was logged', { timeoutMs: 5_000 });
  });

  it('fails a waiting request as soon as the connection ends, not at its timeout', async () => {
    client = await connectToSessionHost({ hostScript: HOST_SCRIPT, directory, idleShutdownMs: 1_000, clientVersion: 'test', requestTimeoutMs: 20_000 });
    const session = await client.create({ milestoneId: 'killed-host', command: 'cat' });
    const hostPid = client.hostPid;
    process.kill(hostPid, 'SIGSTOP');
    const screen = session.screen();
    const started = Date.now();
    process.kill(hostPid, 'SIGKILL');
    await assert.rejects(screen, (error) => isHostError(error, 'disconnected'));
    assert.ok(Date.now() - started < 5_000, `rejected after ${Date.now() - started} ms`);
  });
});
