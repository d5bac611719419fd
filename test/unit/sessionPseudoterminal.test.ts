import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { SessionPseudoterminal } from '../../src/extension/ui/sessionPseudoterminal';
import { OutputCollector, waitForEvent } from './helpers';

describe('terminal panel: a session whose host is gone', function () {
  this.timeout(20_000);
  let server: SessionHostServer;
  let client: SessionHostClient;
  const rejections: unknown[] = [];
  const recordRejection = (reason: unknown) => rejections.push(reason);

  beforeEach(async () => {
    server = await SessionHostServer.start({ directory: path.join(mkdtempSync(path.join(os.tmpdir(), 'mt-pty-test-')), 'host'), idleShutdownMs: 0, closeGraceMs: 200 });
    client = await SessionHostClient.connect(server.paths.socket, readFileSync(server.paths.token, 'utf8'), { clientVersion: 'test' });
    // Mocha's own handler would report an unhandled rejection against whichever test runs then.
    process.prependListener('unhandledRejection', recordRejection);
  });

  afterEach(async () => {
    process.removeListener('unhandledRejection', recordRejection);
    rejections.length = 0;
    client.dispose();
    await server.shutdown();
    rmSync(path.dirname(server.paths.directory), { recursive: true, force: true });
  });

  it('says in the terminal that the screen could not be read, logs why, and leaves no rejection unhandled', async () => {
    const session = await client.create({ milestoneId: 'host-gone', command: 'cat' });
    const disconnected = waitForEvent(client.onDidDisconnect);
    await server.shutdown();
    await disconnected;

    const logged: string[] = [];
    const terminal = new SessionPseudoterminal(session, { error: (message: string | Error) => logged.push(String(message)) });
    const shown = new OutputCollector(terminal.onDidWrite);
    terminal.open({ columns: 80, rows: 24 });
    await shown.waitFor(/could not show the session/i);
    assert.match(shown.text, /session host/i, 'the notice says what is gone');
    assert.equal(logged.length, 1);
    assert.match(logged[0], /host-gone/);
    // An unhandled rejection is reported at the end of the turn it happened in; one more turn passes here.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(rejections, []);
    terminal.close();
  });
});
