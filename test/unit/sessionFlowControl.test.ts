import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { SessionHostServer } from '../../src/extension/host/daemon/server';
import type { TerminalSession } from '../../src/extension/sessions';
import { SessionFlowControl, type FlowParticipant } from '../../src/extension/ui/sessionFlowControl';
import { FlowControl } from '../../src/shared/protocol';

/** A view's share as the tab and the panel terminal keep it: a count that acks bring down. */
class View implements FlowParticipant {
  unacknowledged = 0;
  constructor(readonly flowWindow?: FlowParticipant['flowWindow']) {}
}

describe('session flow control: each view is held to its own window', function () {
  this.timeout(20_000);
  let server: SessionHostServer;
  let client: SessionHostClient;
  let session: TerminalSession;
  /** What flow control asked of the real session, in order. */
  let asked: string[];

  beforeEach(async () => {
    server = await SessionHostServer.start({ directory: path.join(mkdtempSync(path.join(os.tmpdir(), 'mt-flow-test-')), 'host'), idleShutdownMs: 0, closeGraceMs: 200 });
    client = await SessionHostClient.connect(server.paths.socket, readFileSync(server.paths.token, 'utf8'), { clientVersion: 'test' });
    session = await client.create({ milestoneId: 'flow', command: 'cat' });
    asked = [];
    // Recorded on the way through: the real pause and resume still reach the host.
    const pause = session.pause.bind(session);
    const resume = session.resume.bind(session);
    session.pause = () => (asked.push('pause'), pause());
    session.resume = () => (asked.push('resume'), resume());
  });

  afterEach(async () => {
    client.dispose();
    await server.shutdown();
    rmSync(path.dirname(server.paths.directory), { recursive: true, force: true });
  });

  it('lets a webview fall behind by its wider window before pausing, and resumes below its low mark', () => {
    const flow = SessionFlowControl.for(session);
    const tab = new View(FlowControl.webview);
    flow.join(tab);

    tab.unacknowledged = FlowControl.highWatermarkChars * 3;
    flow.update();
    assert.deepEqual(asked, [], "three times VS Code's window behind is within a webview's");

    tab.unacknowledged = FlowControl.webview.highWatermarkChars + 1;
    flow.update();
    assert.deepEqual(asked, ['pause']);

    tab.unacknowledged = FlowControl.webview.lowWatermarkChars + 1;
    flow.update();
    assert.deepEqual(asked, ['pause'], 'still above the low mark');

    tab.unacknowledged = FlowControl.webview.lowWatermarkChars - 1;
    flow.update();
    assert.deepEqual(asked, ['pause', 'resume']);
  });

  it("holds a view without a window of its own (the terminal panel) to VS Code's figures, and resumes only when every view is below its low mark", () => {
    const flow = SessionFlowControl.for(session);
    const tab = new View(FlowControl.webview);
    const panel = new View();
    flow.join(tab);
    flow.join(panel);

    panel.unacknowledged = FlowControl.highWatermarkChars + 1;
    flow.update();
    assert.deepEqual(asked, ['pause']);

    // The panel has caught up; the tab is now behind, within its window but above its low mark.
    panel.unacknowledged = 0;
    tab.unacknowledged = FlowControl.webview.lowWatermarkChars + 1;
    flow.update();
    assert.deepEqual(asked, ['pause']);

    tab.unacknowledged = FlowControl.webview.lowWatermarkChars - 1;
    panel.unacknowledged = FlowControl.lowWatermarkChars + 1;
    flow.update();
    assert.deepEqual(asked, ['pause'], "the panel is still above VS Code's low mark");

    flow.leave(panel);
    assert.deepEqual(asked, ['pause', 'resume'], 'a view that leaves no longer holds the process');
  });
});
