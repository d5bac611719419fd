import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SavedScreens } from '../../src/extension/milestones/savedScreens';
import { startSession, type Session } from '../../src/extension/sessions';

describe('saved screens', function () {
  this.timeout(10_000);
  let scratch: string;
  let session: Session;

  beforeEach(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'mt-saved-'));
    session = await startSession({ milestoneId: 'unsaveable', command: 'cat' });
  });

  afterEach(async () => {
    await session.close(200);
    rmSync(scratch, { recursive: true, force: true });
  });

  it("reports a save that failed in the extension's log, and keeps the session", async () => {
    // A file where the storage folder should be: the folder cannot be created.
    const blocked = path.join(scratch, 'storage');
    writeFileSync(blocked, '');
    const warnings: string[] = [];
    const screens = new SavedScreens(path.join(blocked, 'sessions'), { warn: (message: string) => warnings.push(message) });
    await screens.save(session);
    assert.equal(warnings.length, 1, 'one warning in the log');
    assert.match(warnings[0], /could not save the screen of unsaveable/i);
    assert.match(warnings[0], /ENOTDIR|not a directory/i, 'with the reason');
    assert.equal(session.state, 'running');
    assert.equal(await screens.load('unsaveable'), undefined);
  });
});
