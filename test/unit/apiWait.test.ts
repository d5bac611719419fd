import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseWaitCondition, parseWaitOptions } from '../../src/extension/api/apiArguments';
import { ApiError } from '../../src/extension/api/apiErrors';
import { waitForSession } from '../../src/extension/api/waitFor';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { pollUntil } from '../support/timing';
import { FAKE_AGENT_EXIT_CODE, FAKE_AGENT_PROMPT, fakeAgentScript } from '../support/fakeAgent';

const AGENT = fakeAgentScript(__dirname);

describe('the API waiting on a session another window started (session host, fake agent)', function () {
  this.timeout(30_000);
  let directory: string;
  let server: SessionHostServer;
  let starter: SessionHostClient;
  let waiter: SessionHostClient;

  beforeEach(async () => {
    directory = path.join(mkdtempSync(path.join(os.tmpdir(), 'mt-api-wait-')), 'host');
    server = await SessionHostServer.start({ directory, idleShutdownMs: 0, closeGraceMs: 200 });
    const token = readFileSync(server.paths.token, 'utf8');
    starter = await SessionHostClient.connect(server.paths.socket, token, { clientVersion: 'starter' });
    waiter = await SessionHostClient.connect(server.paths.socket, token, { clientVersion: 'waiter' });
  });

  afterEach(async () => {
    waiter.dispose();
    starter.dispose();
    await server.shutdown();
    rmSync(path.dirname(directory), { recursive: true, force: true });
  });

  const wait = (milestoneId: string, condition: unknown, options: unknown = { timeoutMs: 15_000 }) => {
    const session = waiter.getByMilestone(milestoneId);
    assert.ok(session, 'the waiting window knows the session from the host');
    return waitForSession(waiter, session, parseWaitCondition(condition), parseWaitOptions(options));
  };

  async function startAgent(milestoneId: string): Promise<void> {
    await starter.create({ milestoneId, command: process.execPath, args: [AGENT, '--lines', '3'], cols: 80, rows: 24 });
    await pollUntil(() => waiter.getByMilestone(milestoneId), 'the waiting window to hear of the session');
  }

  it("gets the output of a session it does not show, matches the prompt, answers it, and sees the exit code", async () => {
    await startAgent('agent');
    const prompt = await wait('agent', { output: 'Continue\\? \\[y/n\\]', includeScreen: true });
    assert.equal(prompt.reason, 'output');
    assert.equal(prompt.matched, FAKE_AGENT_PROMPT.trim());
    assert.equal(prompt.state, 'running');
    assert.match(prompt.lastLines.join('\n'), /step 3 of 3: 編集 ✓ file-3\.ts/);
    assert.equal(server.manager.getByMilestone('agent')?.attachedViews, 0, 'waiting is not a view');
    waiter.getByMilestone('agent')?.write('y\r');
    const exit = await wait('agent', { exit: true });
    assert.deepEqual({ reason: exit.reason, exitCode: exit.exitCode, state: exit.state }, { reason: 'exit', exitCode: FAKE_AGENT_EXIT_CODE, state: 'exited' });
    assert.deepEqual(exit.lastLines.slice(-2), ['answer: y', 'fake agent: done']);
  });

  it('reads the text of screen and scrollback from the host, wide characters once and no escape sequences', async () => {
    await startAgent('reader');
    await wait('reader', { output: 'Continue', includeScreen: true });
    const lines = await waiter.getByMilestone('reader')!.screenText();
    assert.deepEqual(lines, ['fake agent: starting task', 'step 1 of 3: 編集 ✓ file-1.ts', 'step 2 of 3: 編集 ✓ file-2.ts', 'step 3 of 3: 編集 ✓ file-3.ts', FAKE_AGENT_PROMPT]);
  });

  it('finds text already on the screen only when asked to, and resolves idle once the agent waits quietly', async () => {
    await startAgent('quiet');
    await wait('quiet', { output: 'Continue', includeScreen: true });
    const idle = await wait('quiet', { idleMs: 300 });
    assert.equal(idle.reason, 'idle');
    const onScreen = await wait('quiet', { output: 'step 2 of 3', includeScreen: true });
    assert.equal(onScreen.matched, 'step 2 of 3');
    await assert.rejects(wait('quiet', { output: 'step 2 of 3' }, { timeoutMs: 300 }), (error: unknown) => error instanceof ApiError && error.kind === 'timeout' && /Waited 300 ms for output matching/.test(error.message));
  });

  it('rejects a wait for output when the process exits without printing it, and when the session is closed', async () => {
    await startAgent('ends');
    await wait('ends', { output: 'Continue' });
    const never = assert.rejects(wait('ends', { output: 'never printed' }), (error: unknown) => error instanceof ApiError && error.kind === 'session-exited' && /exited with code 3 before its output matched/.test(error.message));
    waiter.getByMilestone('ends')?.write('n\r');
    await never;
    await startAgent('closed');
    const closing = assert.rejects(wait('closed', { exit: true }), (error: unknown) => error instanceof ApiError && error.kind === 'session-closed');
    await starter.close(starter.getByMilestone('closed')!.id);
    await closing;
  });
});
