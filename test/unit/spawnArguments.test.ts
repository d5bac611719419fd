import * as assert from 'node:assert/strict';
import { isSessionError } from '../../src/extension/sessions';
import { windowsPtyOptions } from '../../src/extension/sessions/ptyProcess';
import { validateSpawnArguments } from '../../src/extension/sessions/spawnArguments';

describe('spawn arguments on Windows (checked on every platform)', () => {
  it('refuses a drive-relative working directory, which depends on the host process', () => {
    assert.throws(
      () => validateSpawnArguments({ cwd: 'C:projects' }, 'win32'),
      (error) => isSessionError(error, 'invalid-argument') && /drive-relative/.test(error.message),
    );
  });

  it('takes drive-absolute and UNC working directories on Windows, and any name elsewhere', () => {
    validateSpawnArguments({ cwd: 'C:\\projects' }, 'win32');
    validateSpawnArguments({ cwd: 'd:/projects' }, 'win32');
    validateSpawnArguments({ cwd: '\\\\server\\share\\projects' }, 'win32');
    validateSpawnArguments({ cwd: 'C:projects' }, 'linux');
  });

  it('chooses the pseudo-terminal backend as asked, ConPTY by default', () => {
    assert.deepEqual(windowsPtyOptions({}), { useConpty: true });
    assert.deepEqual(windowsPtyOptions({ MILESTONE_TERMINALS_WINDOWS_PTY: 'conpty-dll' }), { useConpty: true, useConptyDll: true });
    assert.deepEqual(windowsPtyOptions({ MILESTONE_TERMINALS_WINDOWS_PTY: 'winpty' }), { useConpty: false });
  });
});
