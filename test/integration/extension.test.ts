import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { MilestoneTerminalsApi } from '../../src/extension/extension';
import type { OpenedTerminal } from '../../src/extension/ui/commands';
import { EXTENSION_ID } from '../support/extension';
import { childCommands, isAlive } from '../support/processes';
import { pollUntil, sleep } from '../support/timing';

const VIEW_TYPE = 'milestoneTerminals.terminal';

function until<T>(probe: () => T, what: string) {
  return pollUntil(probe, what, { timeoutMs: 15_000, intervalMs: 50 });
}

function terminalTabs(label?: string): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(VIEW_TYPE) && (label === undefined || tab.label === label));
}

function open(argument?: unknown): Thenable<OpenedTerminal | undefined> {
  return vscode.commands.executeCommand<OpenedTerminal | undefined>('milestoneTerminals.open', argument);
}

describe('Milestone Terminals in the extension host', () => {
  let api: MilestoneTerminalsApi;
  const scratch = mkdtempSync(join(tmpdir(), 'mt-integration-'));

  before(async () => {
    const extension = vscode.extensions.getExtension<MilestoneTerminalsApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is loaded`);
    api = await extension.activate();
  });

  afterEach(async () => {
    for (const session of api.listSessions()) {
      await vscode.commands.executeCommand('milestoneTerminals.kill', session.sessionId);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('contributes its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['open', 'openInTerminalPanel', 'restart', 'sendInterrupt', 'kill', 'copySessionId', 'clearBuffer']) {
      assert.ok(commands.includes(`milestoneTerminals.${id}`), id);
    }
  });

  it('opens a milestone in an editor tab, and opening it again reuses tab and process', async () => {
    const first = await open({ milestoneId: 'tab-reuse', title: 'Reuse me', command: 'cat' });
    assert.ok(first, 'the command returns what it opened');
    assert.ok(isAlive(first.pid));
    await until(() => terminalTabs('Reuse me').length === 1, 'one terminal tab');
    const second = await open({ milestoneId: 'tab-reuse' });
    assert.equal(second?.sessionId, first.sessionId);
    assert.equal(second?.pid, first.pid);
    assert.equal(terminalTabs('Reuse me').length, 1);
    assert.equal(api.listSessions().filter((session) => session.milestoneId === 'tab-reuse').length, 1);
  });

  it('keeps the process when the tab is closed, and reattaches on reopen', async () => {
    const opened = await open({ milestoneId: 'survive-close', command: 'cat' });
    assert.ok(opened);
    const tab = await until(() => terminalTabs('survive-close')[0], 'tab');
    await vscode.window.tabGroups.close(tab);
    await until(() => terminalTabs('survive-close').length === 0, 'tab closed');
    assert.ok(isAlive(opened.pid), 'closing the tab does not kill the process');
    // Attachment counts come back from the session host as events.
    await until(() => api.listSessions()[0]?.attachedViews === 0, 'view detached');
    const again = await open({ milestoneId: 'survive-close' });
    assert.equal(again?.pid, opened.pid);
    await until(() => api.listSessions()[0]?.attachedViews === 1, 'view attached again');
  });

  it('raises a timeout below the minimum to a minute: a detached session outlives a 300 ms setting', async function () {
    this.timeout(20_000);
    const opened = await open({ milestoneId: 'setting-change', command: 'cat' });
    assert.ok(opened);
    const tab = await until(() => terminalTabs('setting-change')[0], 'tab');
    await vscode.window.tabGroups.close(tab);
    const config = vscode.workspace.getConfiguration('milestoneTerminals');
    try {
      await config.update('detachedTimeoutMinutes', 0.005, vscode.ConfigurationTarget.Global); // 300 ms
      // Something that must NOT happen, so this waits: 3 s is 3 cleanup rounds of a 300 ms timeout.
      await sleep(3_000);
      assert.ok(api.listSessions().some((session) => session.sessionId === opened.sessionId), 'the session is still there');
      assert.ok(isAlive(opened.pid));
    } finally {
      await config.update('detachedTimeoutMinutes', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('opening a defined milestone by its id alone starts its defined command, also after its session was closed', async () => {
    const config = vscode.workspace.getConfiguration('milestoneTerminals');
    await config.update('milestones', [{ id: 'defined-by-user', command: 'sleep', args: ['4321'] }], vscode.ConfigurationTarget.Global);
    try {
      const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      // Right after the fork the child still shows the session host's command line, until it execs.
      const runs = (pid: number, what: string) => until(() => /sleep 4321$/.test(commandLine(pid)), `${what} to run the defined command`);
      const first = await open({ milestoneId: 'defined-by-user' });
      assert.ok(first);
      await runs(first.pid, 'the first process');
      await vscode.commands.executeCommand('milestoneTerminals.kill', first.sessionId);
      await until(() => !isAlive(first.pid), 'the first process ended');
      const second = await open({ milestoneId: 'defined-by-user' });
      assert.ok(second);
      assert.notEqual(second.pid, first.pid);
      await runs(second.pid, 'the second process, not a shell,');
    } finally {
      await config.update('milestones', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('opening an exited milestone shows the exited session (no new process); Restart runs the same command again', async () => {
    const opened = await open({ milestoneId: 'exits-at-once', command: 'bash', args: ['-c', 'echo done-$((40+2))'] });
    assert.ok(opened);
    await until(() => api.listSessions().find((session) => session.sessionId === opened.sessionId)?.state === 'exited', 'the process to exit');
    await vscode.window.tabGroups.close(await until(() => terminalTabs('exits-at-once')[0], 'tab'));
    const again = await open({ milestoneId: 'exits-at-once' });
    assert.equal(again?.sessionId, opened.sessionId, 'the same, exited session');
    assert.equal(api.listSessions().filter((session) => session.milestoneId === 'exits-at-once').length, 1);
    await vscode.commands.executeCommand('milestoneTerminals.restart', opened.sessionId);
    const restarted = await until(() => api.listSessions().find((session) => session.milestoneId === 'exits-at-once' && session.sessionId !== opened.sessionId), 'a restarted session');
    assert.match(restarted.command, /bash$/);
  });

  it('drives the same session from the terminal panel (Pseudoterminal)', async () => {
    const marker = join(scratch, 'from-panel.txt');
    const opened = await open({ milestoneId: 'panel-too', command: 'bash', args: ['--norc', '--noprofile'] });
    assert.ok(opened);
    const viaPanel = await vscode.commands.executeCommand<OpenedTerminal>('milestoneTerminals.openInTerminalPanel', { milestoneId: 'panel-too' });
    assert.equal(viaPanel.sessionId, opened.sessionId, 'the panel attaches to the running session');
    const terminal = await until(() => vscode.window.terminals.find((candidate) => candidate.name === 'panel-too'), 'panel terminal');
    terminal.sendText(`echo "typed in the panel $((6*7))" > '${marker}'`);
    await until(() => existsSync(marker) && readFileSync(marker, 'utf8').includes('typed in the panel 42'), 'command run from the panel');
    await until(() => api.listSessions()[0]?.attachedViews === 2, 'tab and panel both attached');
    terminal.dispose();
    await until(() => api.listSessions()[0]?.attachedViews === 1, 'panel detached');
    assert.ok(isAlive(opened.pid));
  });

  it('restart gives a new process, kill ends it, the API lists sessions', async () => {
    const opened = await api.openMilestoneTerminal({ milestoneId: 'restart-me', command: 'cat' });
    assert.ok(opened);
    await vscode.commands.executeCommand('milestoneTerminals.restart', opened.sessionId);
    const restarted = await until(() => api.listSessions().find((session) => session.milestoneId === 'restart-me' && session.pid !== opened.pid), 'new process');
    await until(() => !isAlive(opened.pid), 'old process gone');
    await vscode.commands.executeCommand('milestoneTerminals.kill', restarted.sessionId);
    assert.equal(api.listSessions().length, 0);
    await until(() => !isAlive(restarted.pid!), 'killed');
  });

  it('sends Ctrl+C to the foreground job', async () => {
    const marker = join(scratch, 'interrupted.txt');
    const opened = await open({ milestoneId: 'interrupt', command: 'bash', args: ['--norc', '--noprofile', '-c', `trap 'echo interrupted > "${marker}"; exit 0' INT; sleep 100 & wait`] });
    assert.ok(opened);
    // The trap is set before the job starts: once sleep runs, Ctrl+C reaches the trap.
    await until(() => childCommands(opened.pid).includes('sleep'), 'the job to start');
    await vscode.commands.executeCommand('milestoneTerminals.sendInterrupt', opened.sessionId);
    await until(() => existsSync(marker), 'the trap ran');
  });

  it('refuses bad input with an error and starts nothing', async () => {
    assert.equal(await open({ milestoneId: '' }), undefined);
    assert.equal(await open({ milestoneId: 'bad-cwd', cwd: join(scratch, 'missing') }), undefined);
    assert.equal(await open({ milestoneId: 'bad-command', command: 'no-such-program-mt' }), undefined);
    assert.equal(await open({ milestoneId: 'bad-args', args: 'not an array' }), undefined);
    assert.equal(await open(42), undefined);
    assert.deepEqual(api.listSessions(), []);
    assert.equal(terminalTabs().length, 0);
  });

  it("starts a session from this extension host's environment, not the one the session host started with", async () => {
    // The session host is running before the variable exists, so only this window can hand it over.
    assert.ok(await api.openMilestoneTerminal({ milestoneId: 'host-up', command: 'cat' }));
    const marker = join(scratch, 'window-environment.txt');
    const value = `window-${process.pid}-${Date.now()}`;
    process.env.MT_WINDOW_PROBE = value;
    try {
      assert.ok(await open({ milestoneId: 'window-environment', command: 'sh', args: ['-c', `printf 'probe=%s\\n' "$MT_WINDOW_PROBE" > "${marker}"; exec cat`] }));
      await until(() => existsSync(marker) && readFileSync(marker, 'utf8').endsWith('\n'), 'the session wrote its variable');
      assert.equal(readFileSync(marker, 'utf8'), `probe=${value}\n`);
    } finally {
      delete process.env.MT_WINDOW_PROBE;
    }
  });

  it('accepts any Unicode milestone id', async () => {
    const opened = await open({ milestoneId: '  Étape 3 — 日本 🚀  ', command: 'cat' });
    assert.equal(opened?.milestoneId, 'Étape 3 — 日本 🚀');
    await until(() => terminalTabs('Étape 3 — 日本 🚀').length === 1, 'tab titled with the id');
  });
});
