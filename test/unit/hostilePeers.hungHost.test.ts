import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UNRESPONSIVE_AFTER_BEATS } from '../../src/extension/host/client/hostHeartbeat';
import { connectToSessionHost } from '../../src/extension/host/client/launcher';
import type { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { HOST_SCRIPT, endHostIn } from '../support/hostDaemon';
import { pollUntil, sleep } from '../support/timing';
import { OutputCollector } from './helpers';

const HEARTBEAT_INTERVAL_MS = 100;
const UNRESPONSIVE_AFTER_MS = HEARTBEAT_INTERVAL_MS * UNRESPONSIVE_AFTER_BEATS;

describe('hostile peers: a session host that hangs (SIGSTOP)', function () {
  this.timeout(30_000);
  let directory: string;
  let client: SessionHostClient | undefined;
  /** Continued afterwards whatever happens, or the host could not be terminated. */
  let stoppedPid: number | undefined;

  beforeEach(() => {
    directory = path.join(mkdtempSync(path.join(os.tmpdir(), 'mt-hung-test-')), 'host');
  });

  afterEach(async () => {
    client?.dispose();
    client = undefined;
    await endHostIn(directory, stoppedPid);
    stoppedPid = undefined;
    rmSync(path.dirname(directory), { recursive: true, force: true });
  });

  it('is reported unresponsive while stopped, stays connected, and is responsive again with nothing lost once continued', async () => {
    const logged: string[] = [];
    const states: string[] = [];
    client = await connectToSessionHost({
      hostScript: HOST_SCRIPT,
      directory,
      idleShutdownMs: 1_000,
      clientVersion: 'test',
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      log: (message) => logged.push(message),
    });
    const connected = client;
    connected.onDidBecomeUnresponsive(() => states.push('unresponsive'));
    connected.onDidBecomeResponsive(() => states.push('responsive'));
    // The process prints once told to, which the test does while its host is stopped.
    const go = path.join(path.dirname(directory), 'go');
    const printed = path.join(path.dirname(directory), 'printed');
    const session = await connected.create({
      milestoneId: 'hung-host',
      command: 'sh',
      args: ['-c', `echo ready; until [ -e '${go}' ]; do sleep 0.02; done; echo "made-while-stopped-$((6*7))"; touch '${printed}'; exec cat`],
    });
    const attachment = session.attach();
    const output = new OutputCollector(session.onData);
    // Printed before anyone listened, perhaps: the screen has it either way.
    await pollUntil(async () => /ready/.test((await session.screen()).data), 'the session to start');

    // An idle host that beats is never called unresponsive, however long it has nothing to say.
    await sleep(UNRESPONSIVE_AFTER_MS * 3);
    assert.equal(states.length, 0, `said ${states.join(', ')}`);
    assert.equal(connected.responsive, true);

    stoppedPid = connected.hostPid;
    process.kill(stoppedPid, 'SIGSTOP');
    const stoppedAt = Date.now();
    await pollUntil(() => states.includes('unresponsive'), 'the client to report the host unresponsive', { timeoutMs: 5_000, intervalMs: 10 });
    const noticedAfter = Date.now() - stoppedAt;
    // The last beat came at most one interval before the stop; the upper bound leaves room for a loaded machine.
    assert.ok(noticedAfter >= UNRESPONSIVE_AFTER_MS - HEARTBEAT_INTERVAL_MS - 5 && noticedAfter < UNRESPONSIVE_AFTER_MS + 2_000, `unresponsive after ${noticedAfter} ms`);
    assert.equal(connected.responsive, false);
    assert.ok(logged.some((line) => /No heartbeat from the session host/.test(line)), 'the first wait only logs');

    await fsp.writeFile(go, '');
    await pollUntil(() => existsSync(printed), 'the session to print while its host is stopped');
    assert.equal(connected.connected, true, 'a host that is silent is not a host that is gone');
    assert.deepEqual(states, ['unresponsive'], 'said once, not on every missed beat');

    process.kill(stoppedPid, 'SIGCONT');
    stoppedPid = undefined;
    await pollUntil(() => states.includes('responsive'), 'the client to report the host responsive again', { timeoutMs: 5_000, intervalMs: 10 });
    assert.equal(connected.responsive, true);
    await output.waitFor('made-while-stopped-42');
    assert.match((await session.screen()).data, /made-while-stopped-42/);
    session.write('typed-after\r');
    await output.waitFor('typed-after');
    assert.deepEqual(states, ['unresponsive', 'responsive']);
    attachment.dispose();
  });
});
