import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { AttentionChange, MilestoneTerminalsApiV1, MilestoneTerminalsExports, SessionStateChange, WaitResult } from '../../api/milestone-terminals';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { defaultHostDirectory, hostPaths } from '../../src/extension/host/hostPaths';
import { EXTENSION_ID } from '../support/extension';
import { FAKE_AGENT_EXIT_CODE, FAKE_AGENT_NOTIFICATION, FAKE_AGENT_PROMPT, fakeAgentScript } from '../support/fakeAgent';
import { isAlive } from '../support/processes';
import { pollUntil } from '../support/timing';

const AGENT = fakeAgentScript(__dirname);
const AGENT_LINE = 'step 3 of 3: 編集 ✓ file-3.ts';
const LINK = 'vscode://milestone-terminals.milestone-terminals/open';

function until<T>(probe: () => T, what: string) {
  return pollUntil(probe, what, { timeoutMs: 15_000, intervalMs: 50 });
}

function agent(milestoneId: string) {
  return { milestoneId, command: process.execPath, args: [AGENT, '--lines', '3'] };
}

function command<T>(name: string, ...args: unknown[]): Thenable<T> {
  return vscode.commands.executeCommand<T>(`milestoneTerminals.api.${name}`, ...args);
}

describe('The API for other extensions, in the extension host', () => {
  let api: MilestoneTerminalsApiV1;

  before(async () => {
    const extension = vscode.extensions.getExtension<MilestoneTerminalsExports>(EXTENSION_ID);
    assert.ok(extension);
    api = (await extension.activate()).getApi(1);
  });

  afterEach(async () => {
    for (const session of api.listSessions()) {
      await api.close(session.milestoneId);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('is versioned: getApi(1) serves, another version is refused by kind', async () => {
    const exports = (await vscode.extensions.getExtension<MilestoneTerminalsExports>(EXTENSION_ID)!.activate());
    assert.equal(exports.apiVersion, 1);
    assert.throws(() => exports.getApi(2 as 1), (error: Error & { kind?: string }) => error.kind === 'unsupported-version' && /serves API version 1, not 2/.test(error.message));
  });

  it('waits for the prompt, reads the screen, answers, waits for idle and for the exit code, and reports the states', async () => {
    const changes: SessionStateChange[] = [];
    const subscription = api.onDidChangeSessionState((change) => changes.push(change));
    try {
      const opened = await api.openMilestoneTerminal(agent('api-agent'));
      assert.ok(opened);
      const prompt = await api.waitFor('api-agent', { output: /Continue\? \[y\/n\]/, includeScreen: true }, { timeoutMs: 15_000 });
      assert.equal(prompt.matched, FAKE_AGENT_PROMPT.trim());
      const screen = await api.readScreen('api-agent');
      assert.equal(screen.sessionId, opened.sessionId);
      assert.ok(screen.lines.includes(AGENT_LINE), screen.lines.join('\n'));
      assert.equal(screen.lines.at(-1), FAKE_AGENT_PROMPT);
      assert.equal((await api.waitFor('api-agent', { idleMs: 300 }, { timeoutMs: 15_000 })).reason, 'idle');
      await api.sendText('api-agent', 'y', { enter: true });
      const exit = await api.waitFor('api-agent', { exit: true }, { timeoutMs: 15_000 });
      assert.equal(exit.exitCode, FAKE_AGENT_EXIT_CODE);
      assert.deepEqual(exit.lastLines.slice(-2), ['answer: y', 'fake agent: done']);
      await until(() => changes.some((change) => change.change === 'exited'), 'the exit reported');
      assert.ok(await api.close('api-agent'));
      await until(() => changes.some((change) => change.change === 'closed'), 'the close reported');
      assert.deepEqual(
        changes.map(({ change, milestoneId, sessionId, exitCode }) => ({ change, milestoneId, sessionId, exitCode })),
        [
          { change: 'created', milestoneId: 'api-agent', sessionId: opened.sessionId, exitCode: undefined },
          { change: 'exited', milestoneId: 'api-agent', sessionId: opened.sessionId, exitCode: FAKE_AGENT_EXIT_CODE },
          { change: 'closed', milestoneId: 'api-agent', sessionId: opened.sessionId, exitCode: FAKE_AGENT_EXIT_CODE },
        ],
      );
    } finally {
      subscription.dispose();
    }
  });

  it('does the same through the commands, restarts and closes by milestone, and refuses bad arguments by kind', async () => {
    const opened = await vscode.commands.executeCommand<{ pid: number }>('milestoneTerminals.open', agent('command-agent'));
    const prompt = await command<WaitResult>('waitFor', 'command-agent', { output: 'continue\\?', flags: 'i', includeScreen: true }, { timeoutMs: 15_000 });
    assert.equal(prompt.matched, 'Continue?');
    assert.ok((await command<{ lines: string[] }>('readScreen', 'command-agent')).lines.includes(AGENT_LINE));
    const restarted = await command<{ pid: number }>('restart', 'command-agent');
    assert.notEqual(restarted.pid, opened.pid);
    await until(() => !isAlive(opened.pid), 'the first process to end');
    await command('waitFor', 'command-agent', { output: 'Continue', includeScreen: true }, { timeoutMs: 15_000 });
    await command('sendText', 'command-agent', 'n\r');
    assert.equal((await command<WaitResult>('waitFor', 'command-agent', { exit: true }, { timeoutMs: 15_000 })).exitCode, FAKE_AGENT_EXIT_CODE);
    await assert.rejects(Promise.resolve(command('sendText', 'command-agent', 'late')), /has ended; the text was not sent/);
    await assert.rejects(Promise.resolve(command('waitFor', 'command-agent', { idle: 5 })), /unknown key "idle"/);
    await assert.rejects(Promise.resolve(command('readScreen', 'no-such-milestone')), /"no-such-milestone" has no session/);
    await assert.rejects(Promise.resolve(command('readScreen', 42)), /milestone id must be a string/);
    assert.equal(await command('close', 'command-agent'), true);
    assert.equal(await command('close', 'command-agent'), false);
    assert.deepEqual(await command('listSessions'), []);
  });

  it('reaches a session another window started: its output, screen, input and exit', async () => {
    const paths = hostPaths(defaultHostDirectory());
    const otherWindow = await SessionHostClient.connect(paths.socket, readFileSync(paths.token, 'utf8').trim(), { clientVersion: 'other-window' });
    try {
      await otherWindow.create(agent('other-window-agent'));
      await until(() => api.listSessions().some((session) => session.milestoneId === 'other-window-agent'), 'this window to hear of the session');
      const prompt = await api.waitFor('other-window-agent', { output: 'Continue\\?', includeScreen: true }, { timeoutMs: 15_000 });
      assert.equal(prompt.matched, 'Continue?');
      assert.ok((await api.readScreen('other-window-agent')).lines.includes(AGENT_LINE));
      await api.sendText('other-window-agent', 'y', { enter: true });
      assert.equal((await api.waitFor('other-window-agent', { exit: true }, { timeoutMs: 15_000 })).exitCode, FAKE_AGENT_EXIT_CODE);
    } finally {
      otherWindow.dispose();
    }
  });

  it('reports attention from a session no view shows, and its end once the session is closed', async () => {
    const paths = hostPaths(defaultHostDirectory());
    const otherWindow = await SessionHostClient.connect(paths.socket, readFileSync(paths.token, 'utf8').trim(), { clientVersion: 'other-window' });
    const changes: AttentionChange[] = [];
    const subscription = api.onDidChangeAttention((change) => changes.push(change));
    try {
      const created = await otherWindow.create(agent('needs-you'));
      await until(
        () => changes.some(({ sessionId, attention }) => sessionId === created.id && attention?.reason === 'notification' && attention.message === FAKE_AGENT_NOTIFICATION),
        'the notification reported',
      );
      assert.ok(await api.close('needs-you'));
      await until(() => changes.at(-1)?.attention === undefined, 'the attention reported gone with the session');
      assert.ok(changes.every(({ milestoneId }) => milestoneId === 'needs-you'));
    } finally {
      subscription.dispose();
      otherWindow.dispose();
    }
  });

  describe('milestone definitions', () => {
    const config = () => vscode.workspace.getConfiguration('milestoneTerminals');

    beforeEach(async () => {
      await config().update(
        'milestones',
        [
          { id: 'linked', command: 'cat' },
          { id: 'resumable', command: 'sh', args: ['-c', 'echo started-$((1+1)); exec cat'], resumeArgs: ['-c', 'echo resumed-$((2+2)); exec cat'] },
        ],
        vscode.ConfigurationTarget.Global,
      );
    });

    afterEach(async () => {
      await config().update('milestones', undefined, vscode.ConfigurationTarget.Global);
    });

    it('a link opens a defined milestone, and refuses one that carries a command, folder or environment, starting nothing', async () => {
      for (const query of ['milestone=linked&command=sh', 'milestone=linked&cwd=%2Ftmp', 'milestone=linked&env=X%3D1', 'milestone=linked&args=-c']) {
        await assert.rejects(Promise.resolve(vscode.commands.executeCommand('milestoneTerminals.openLink', `${LINK}?${query}`)), /cannot choose a command, folder or environment/, query);
      }
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('milestoneTerminals.openLink', `${LINK}?milestone=%E2%80%AElinked`)), /bidirectional/);
      assert.deepEqual(api.listSessions(), [], 'no refused link started anything');
      const opened = await vscode.commands.executeCommand<{ sessionId: string }>('milestoneTerminals.openLink', `${LINK}?milestone=linked`);
      const session = api.listSessions().find((candidate) => candidate.sessionId === opened.sessionId);
      assert.match(session?.command ?? '', /cat$/);
      await until(() => vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.label === 'linked')), 'its tab');
      const again = await vscode.commands.executeCommand<{ sessionId: string }>('milestoneTerminals.openLink', `${LINK}?milestone=linked`);
      assert.equal(again.sessionId, opened.sessionId, 'a running session is opened, not started again');
    });

    it('Restart of a milestone whose session is gone starts it with its resumeArgs; a running one restarts as it was', async () => {
      await api.openMilestoneTerminal('resumable');
      await api.waitFor('resumable', { output: 'started-2', includeScreen: true }, { timeoutMs: 15_000 });
      await api.restart('resumable');
      await api.waitFor('resumable', { output: 'started-2', includeScreen: true }, { timeoutMs: 15_000 });
      assert.ok(await api.close('resumable'));
      await vscode.commands.executeCommand('milestoneTerminals.restart', { milestoneId: 'resumable' });
      const resumed = await api.waitFor('resumable', { output: 'resumed-4', includeScreen: true }, { timeoutMs: 15_000 });
      assert.equal(resumed.matched, 'resumed-4');
    });
  });
});
