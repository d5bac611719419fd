import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import { type TerminalSession } from '../../src/extension/sessions';
import { FAKE_AGENT_EXIT_CODE, FAKE_AGENT_NOTIFICATION, FAKE_AGENT_PROMPT, fakeAgentScript } from '../support/fakeAgent';
import { pollUntil } from '../support/timing';
import { OutputCollector, PYTHON } from './helpers';

const FAKE_AGENT = fakeAgentScript(__dirname);

describe('attention: raised in the session host, seen by every window', function () {
  this.timeout(30_000);
  let server: SessionHostServer;
  let root: string;
  const clients: SessionHostClient[] = [];

  beforeEach(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'mt-attention-'));
    server = await SessionHostServer.start({ directory: path.join(root, 'host'), idleShutdownMs: 0, closeGraceMs: 200, transcriptMaxBytes: 0 });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) {
      client.dispose();
    }
    await server.shutdown();
    rmSync(root, { recursive: true, force: true });
  });

  async function client(): Promise<SessionHostClient> {
    const created = await SessionHostClient.connect(server.paths.socket, readFileSync(server.paths.token, 'utf8'), { clientVersion: 'test' });
    clients.push(created);
    return created;
  }

  function attentionOf(window: SessionHostClient, session: TerminalSession) {
    return window.get(session.id)?.info().attention;
  }

  it("the fake agent's OSC 9 marks its milestone in every window, with the agent's text; clearing in one clears it in all", async () => {
    const a = await client();
    const b = await client();
    const session = await a.create({ milestoneId: 'agent', command: process.execPath, args: [FAKE_AGENT] });
    const output = new OutputCollector(session.onData);
    const detach = session.attach();
    await output.waitFor(FAKE_AGENT_PROMPT);
    const seen = await pollUntil(() => attentionOf(b, session), 'attention in the other window');
    assert.equal(seen.reason, 'notification');
    assert.equal(seen.message, FAKE_AGENT_NOTIFICATION);
    b.get(session.id)?.clearAttention();
    await pollUntil(() => !attentionOf(a, session) && !attentionOf(b, session), 'attention cleared in both windows');
    session.write('y\r');
    await pollUntil(() => session.state === 'exited', 'the agent exited');
    assert.equal(session.exitCode, FAKE_AGENT_EXIT_CODE);
    assert.equal(attentionOf(a, session), undefined, 'a watched exit asks for nobody');
    detach.dispose();
  });

  it('the exit of a session nobody watches marks it; a title set with an OSC ended by BEL does not', async () => {
    const a = await client();
    const session = await a.create({ milestoneId: 'quiet', command: 'sh', args: ['-c', "printf '\\033]0;a title\\007ready\\n'; read line; exit 0"] });
    const detach = session.attach();
    await pollUntil(async () => (await session.screen()).data.includes('ready'), 'ready on the screen');
    assert.equal(session.info().attention, undefined, 'a BEL that ends an OSC is no bell');
    detach.dispose();
    await pollUntil(() => session.attachedViews === 0, 'the host counting no view');
    session.write('\r');
    const attention = await pollUntil(() => session.state === 'exited' && session.info().attention, 'attention for the unwatched exit');
    assert.equal(attention.reason, 'exit');
  });

  it('finds a notification split across two writes of the process', async () => {
    const a = await client();
    const session = await a.create({
      milestoneId: 'split',
      command: PYTHON,
      args: ['-c', "import os,time\nos.write(1,b'\\x1b]9;half')\ntime.sleep(0.3)\nos.write(1,b' and half\\x1b\\\\done\\n')\ntime.sleep(60)"],
    });
    const attention = await pollUntil(() => session.info().attention, 'attention');
    assert.deepEqual({ reason: attention.reason, message: attention.message }, { reason: 'notification', message: 'half and half' });
  });

  it('a flood of bells is one attention, not one per bell', async () => {
    const a = await client();
    const b = await client();
    const raised = new Set<number>();
    b.onDidChangeSessions(({ session }) => {
      const attention = session.info().attention;
      if (attention) {
        raised.add(attention.at);
      }
    });
    const session = await a.create({ milestoneId: 'bells', command: PYTHON, args: ['-c', "import os\nfor i in range(2000): os.write(1, b'\\x07')\nos.write(1, b'rung\\n')\nimport time; time.sleep(60)"] });
    const output = new OutputCollector(session.onData);
    const detach = session.attach();
    await output.waitFor('rung');
    await pollUntil(() => b.get(session.id)?.info().attention, 'attention in the other window');
    assert.equal(raised.size, 1, `${raised.size} attentions for 2000 bells`);
    detach.dispose();
  });

  it('tells working from idle by the time of the last output, on transitions only', async () => {
    const a = await client();
    const session = await a.create({ milestoneId: 'busy', command: 'sh', args: ['-c', 'echo start; read line; echo more; sleep 60'] });
    await pollUntil(() => session.info().activity === 'working', 'working after output');
    await pollUntil(() => session.info().activity === 'idle', 'idle after silence', { timeoutMs: 10_000 });
    const lastOutputAt = session.info().lastOutputAt ?? 0;
    assert.ok(lastOutputAt > 0 && lastOutputAt <= Date.now());
  });
});
