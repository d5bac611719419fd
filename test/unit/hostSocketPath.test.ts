import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectToSessionHost } from '../../src/extension/host/client/launcher';
import type { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { isHostError } from '../../src/extension/host/hostErrors';
import { MAX_SOCKET_PATH_BYTES, ensureHostDirectories, hostPaths } from '../../src/extension/host/hostPaths';
import { HOST_SCRIPT, startDaemon, type DaemonProcess } from '../support/hostDaemon';

describe('session host: a directory too deep for a socket', function () {
  this.timeout(30_000);
  let parent: string;
  let directory: string;
  let host: DaemonProcess | undefined;
  let client: SessionHostClient | undefined;

  beforeEach(() => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'mt-socket-path-'));
    directory = path.join(parent, 'd'.repeat(120));
  });

  afterEach(async () => {
    client?.dispose();
    client = undefined;
    await host?.stop();
    host = undefined;
    const socketDirectory = hostPaths(directory).socketDirectory;
    rmSync(parent, { recursive: true, force: true });
    if (socketDirectory !== directory) {
      rmSync(socketDirectory, { recursive: true, force: true });
    }
  });

  it('serves from a short private socket directory that a client finds too', async () => {
    const paths = hostPaths(directory);
    assert.ok(Buffer.byteLength(paths.socket) <= MAX_SOCKET_PATH_BYTES, paths.socket);
    assert.notEqual(paths.socketDirectory, directory);
    host = await startDaemon(directory);
    assert.equal(statSync(paths.socketDirectory).mode & 0o777, 0o700);
    client = await connectToSessionHost({ hostScript: HOST_SCRIPT, directory, startTimeoutMs: 5_000 });
    assert.equal(client.hostPid, host.pid);
  });

  it('says so clearly when no socket path fits', async () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = path.join(parent, 't'.repeat(120));
    try {
      await assert.rejects(ensureHostDirectories(hostPaths(directory)), (error) => isHostError(error, 'socket-path-too-long') && /bytes the OS allows/.test(error.message));
    } finally {
      if (saved === undefined) {
        delete process.env.TMPDIR;
      } else {
        process.env.TMPDIR = saved;
      }
    }
  });
});
