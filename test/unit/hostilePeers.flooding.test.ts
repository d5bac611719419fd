import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import type { HostResults } from '../../src/extension/host/protocol/messages';
import { pollUntil } from '../support/timing';
import { OutputCollector } from './helpers';
import { RawPeer } from './rawPeer';

/** A multiple of the 64 KiB chunks typed below. */
const FLOOD_BYTES = 20 * 1024 * 1024;

describe('hostile peers: a client that floods the host', function () {
  this.timeout(60_000);
  let parent: string;
  let server: SessionHostServer;
  let good: SessionHostClient;
  let flooder: RawPeer;

  beforeEach(async () => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'mt-flood-'));
    server = await SessionHostServer.start({ directory: path.join(parent, 'host'), idleShutdownMs: 0, closeGraceMs: 200 });
    good = await SessionHostClient.connect(server.paths.socket, readFileSync(server.paths.token, 'utf8').trim(), { clientVersion: 'good' });
    flooder = await RawPeer.connect(server.paths);
  });

  afterEach(async () => {
    flooder.destroy();
    good.dispose();
    await server.shutdown();
    rmSync(parent, { recursive: true, force: true });
  });

  /** Types a marker into `cat` and returns how long its echo took. */
  async function echoMs(output: OutputCollector, session: { write(data: string): void }, marker: string): Promise<number> {
    const started = Date.now();
    session.write(`${marker}\r`);
    await output.waitFor(marker, 15_000);
    return Date.now() - started;
  }

  it('is dropped once it has not read the answers to 40,000 requests, and typing elsewhere is echoed meanwhile', async () => {
    const session = await good.create({ milestoneId: 'typing', command: 'cat' });
    const output = new OutputCollector(session.onData);
    session.attach();
    await echoMs(output, session, 'warm-up');

    flooder.stopReading();
    for (let i = 0; i < 40_000; i++) {
      flooder.send({ method: 'list' });
    }
    const echoes: number[] = [];
    for (let i = 0; !flooder.closed && i < 200; i++) {
      echoes.push(await echoMs(output, session, `during-flood-${i}`));
    }
    await pollUntil(() => flooder.closed, 'the flooding client to be dropped', { timeoutMs: 20_000 });
    assert.ok(server.connectionCount === 1, `only the good client is left (${server.connectionCount} connections)`);
    echoes.push(await echoMs(output, session, 'after-flood'));
    console.log(`      echo while flooded: ${echoes.length} keystrokes, slowest ${Math.max(...echoes)} ms`);
    // Loose on purpose (a loaded 2-core CI machine): the figure that matters is in bench/stuckClients.
    assert.ok(Math.max(...echoes) < 2_000, `every echo within 2 s (slowest ${Math.max(...echoes)} ms)`);
  });

  it('types 20 MB into its own session without starving another session, and every byte arrives', async () => {
    const mine = await good.create({ milestoneId: 'typing', command: 'cat' });
    const output = new OutputCollector(mine.onData);
    mine.attach();
    const created = await flooder.request({ method: 'create', options: { milestoneId: 'sink', command: 'bash', args: ['-c', `stty raw -echo; head -c ${FLOOD_BYTES} > /dev/null`] } });
    assert.ok(created.ok);
    const sink = (created.result as HostResults['create']).session;
    const chunk = 'y'.repeat(64 * 1024);
    for (let sent = 0; sent < FLOOD_BYTES; sent += chunk.length) {
      flooder.type(sink.handle, chunk);
    }
    const echoes: number[] = [];
    for (let i = 0; i < 20; i++) {
      echoes.push(await echoMs(output, mine, `beside-flood-${i}`));
    }
    console.log(`      echo beside a 20 MB input flood: slowest of ${echoes.length} ${Math.max(...echoes)} ms`);
    assert.ok(Math.max(...echoes) < 2_000, `every echo within 2 s (slowest ${Math.max(...echoes)} ms)`);
    // head exits once it has read every byte: none was lost on the way.
    await pollUntil(() => server.manager.getOrThrow(sink.sessionId).state === 'exited', 'the sink to have read all 20 MB', { timeoutMs: 30_000 });
    assert.equal(server.manager.getOrThrow(sink.sessionId).exitCode, 0);
  });
});
