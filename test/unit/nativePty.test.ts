import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_TARGET_FILE, isSessionError, nodePty, requireExecutableHelper, requireNativeModule, runningPlatform } from '../../src/extension/sessions';

describe('loading the native terminal backend', () => {
  let directory: string;
  let notABinary: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'mt-native-'));
    // A real file the loader must reject, as another platform's pty.node is rejected.
    notABinary = join(directory, 'pty.node');
    writeFileSync(notABinary, 'not a shared object\n');
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  function loadFailure(distDirectory: string): Error {
    try {
      requireNativeModule(notABinary, distDirectory);
    } catch (error) {
      assert.ok(isSessionError(error, 'pty-unavailable'), `a SessionError of kind pty-unavailable: ${String(error)}`);
      return error;
    }
    assert.fail('a binary that is not one loaded');
  }

  it("names this platform and the package's target when the binary does not load", () => {
    const otherTarget = runningPlatform() === 'darwin-arm64' ? 'linux-x64' : 'darwin-arm64';
    writeFileSync(join(directory, PACKAGE_TARGET_FILE), JSON.stringify({ target: otherTarget }));
    const { message } = loadFailure(directory);
    assert.ok(message.includes(`does not load on ${runningPlatform()}`), message);
    assert.ok(message.includes(`This is the ${otherTarget} package`), message);
    assert.ok(message.includes(`install the ${runningPlatform()} one`), message);
    // The loader's own reason, for the log and for a bug report.
    assert.ok(message.includes(notABinary), message);
  });

  it('tells a development build to rebuild node-pty', () => {
    const { message } = loadFailure(directory);
    assert.ok(message.includes(`rebuild node-pty for ${runningPlatform()}`), message);
  });

  it('calls a package for this very platform damaged', () => {
    writeFileSync(join(directory, PACKAGE_TARGET_FILE), JSON.stringify({ target: runningPlatform() }));
    assert.match(loadFailure(directory).message, /package is damaged; reinstall/);
  });

  it('refuses a spawn-helper without the exec bit and accepts it with one', () => {
    const helper = join(directory, 'spawn-helper');
    writeFileSync(helper, '#!/bin/sh\n');
    chmodSync(helper, 0o644);
    assert.throws(
      () => requireExecutableHelper(helper),
      (error) => isSessionError(error, 'pty-unavailable') && error.message.includes('spawn-helper is not executable'),
    );
    chmodSync(helper, 0o755);
    requireExecutableHelper(helper);
  });

  it('loads the real node-pty of this checkout', () => {
    assert.equal(typeof nodePty().spawn, 'function');
  });
});
