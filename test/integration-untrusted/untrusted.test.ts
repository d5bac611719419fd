import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { MilestoneTerminalsApi } from '../../src/extension/extension';
import { loadDefinedMilestones } from '../../src/extension/milestones/definedMilestones';
import { sessionSettings } from '../../src/extension/milestones/settings';
import type { OpenedTerminal } from '../../src/extension/ui/commands';
import { EXTENSION_ID } from '../support/extension';
import { isAlive } from '../support/processes';
import { sleep } from '../support/timing';
import { CHOSEN_FOLDER, FROM_FILE, FROM_SETTINGS, PROOF_SETTING, SHORTENING_SETTINGS } from './fixture';

function open(argument?: unknown): Thenable<OpenedTerminal | undefined> {
  return vscode.commands.executeCommand<OpenedTerminal | undefined>('milestoneTerminals.open', argument);
}

/** In a workspace the user has not trusted (see fixture.ts), nothing in it may choose what runs or where. */
describe('Milestone Terminals in an untrusted workspace (restricted mode)', () => {
  let api: MilestoneTerminalsApi;
  let folder: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<MilestoneTerminalsApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is loaded`);
    api = await extension.activate();
    folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    assert.ok(folder, 'a folder is open');
  });

  after(async () => {
    for (const session of api.listSessions()) {
      await vscode.commands.executeCommand('milestoneTerminals.kill', session.sessionId);
    }
  });

  it('really is untrusted, and the workspace settings file is read', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.equal(vscode.workspace.getConfiguration(PROOF_SETTING.section).get(PROOF_SETTING.key), PROOF_SETTING.value);
  });

  it(`ignores the workspace's session timeout (${SHORTENING_SETTINGS.detachedTimeoutMinutes} min), buffer size, session cap and transcripts: they are the user's policy for every window`, () => {
    assert.deepEqual(sessionSettings(), {
      detachedTimeoutMs: 5 * 60_000,
      replayBufferBytes: 64 * 1024,
      maxSessions: 100,
      transcriptMaxBytes: 32 * 1024 * 1024,
      transcriptRetentionMs: 7 * 24 * 60 * 60_000,
    });
  });

  it("a detached session outlives the workspace's 0.001-minute timeout", async function () {
    this.timeout(20_000);
    const opened = await open({ milestoneId: 'detached-survivor' });
    assert.ok(opened, 'a plain milestone opens');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // Something that must NOT happen, so this waits: 3 s is 3 cleanup rounds at the workspace's 60 ms timeout.
    await sleep(3_000);
    assert.ok(api.listSessions().some((session) => session.sessionId === opened.sessionId), 'the detached session is still there');
    await vscode.commands.executeCommand('milestoneTerminals.kill', opened.sessionId);
  });

  it('refuses a command, folder or environment passed by a caller, and starts nothing', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'mt-untrusted-')), 'ran');
    for (const spec of [
      { milestoneId: 'chooses-command', command: 'touch', args: [marker] },
      { milestoneId: 'chooses-folder', cwd: tmpdir() },
      { milestoneId: 'chooses-env', env: { BASH_ENV: marker } },
    ]) {
      assert.equal(await open(spec), undefined, `${spec.milestoneId} is refused`);
    }
    // Something that must not happen: half a second passes and nothing touched the marker.
    await sleep(500);
    assert.equal(existsSync(marker), false, 'the command never ran');
    assert.deepEqual(api.listSessions().map((session) => session.milestoneId), []);
  });

  it("a plain milestone runs the user's shell in the workspace folder, not the folder the workspace chose", async () => {
    const opened = await open({ milestoneId: 'plain' });
    assert.ok(opened, 'a plain milestone opens');
    assert.ok(isAlive(opened.pid));
    // The workspace really chose another folder, one that exists, so obeying it would have been possible.
    const chosen = join(folder, CHOSEN_FOLDER);
    const settings = JSON.parse(readFileSync(join(folder, '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['milestoneTerminals.defaultCwd'], chosen);
    assert.ok(existsSync(chosen));
    assert.equal(readlinkSync(`/proc/${opened.pid}/cwd`), folder);
  });

  it('offers no milestone defined by the workspace (settings or .vscode/milestones.json)', async () => {
    const log = vscode.window.createOutputChannel('Milestone Terminals untrusted test', { log: true });
    try {
      const ids = (await loadDefinedMilestones(log)).map((spec) => spec.milestoneId);
      assert.ok(!ids.includes(FROM_SETTINGS), `${FROM_SETTINGS} is offered`);
      assert.ok(!ids.includes(FROM_FILE), `${FROM_FILE} is offered`);
    } finally {
      log.dispose();
    }
  });
});
