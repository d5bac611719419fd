import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectToSessionHost } from '../../src/extension/host/client/launcher';
import { isHostError } from '../../src/extension/host/hostErrors';
import { hostPaths } from '../../src/extension/host/hostPaths';

describe('session host: start-up errors', function () {
  this.timeout(20_000);
  let parent: string;

  beforeEach(() => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'mt-startup-'));
  });

  afterEach(() => {
    rmSync(parent, { recursive: true, force: true });
  });

  it('puts what a host that fails to load prints into its log', async () => {
    // Fails before any of the host's code runs, as a native module that does not load would.
    const hostScript = path.join(parent, 'brokenHost.js');
    writeFileSync(hostScript, "throw new Error('the host could not load node-pty');\n");
    const directory = path.join(parent, 'host');
    await assert.rejects(connectToSessionHost({ hostScript, directory, startTimeoutMs: 1_500 }), (error) => isHostError(error, 'start-timeout'));
    assert.match(readFileSync(hostPaths(directory).log, 'utf8'), /Error: the host could not load node-pty/);
  });
});
