import * as assert from 'node:assert/strict';
import { HostError } from '../../src/extension/host/hostErrors';
import { SpecError } from '../../src/extension/milestones/milestoneSpec';
import { SessionError } from '../../src/extension/sessions';
import { describeFailure } from '../../src/extension/ui/errorReport';

describe('commands: how a failure is reported', () => {
  it('shows the message of an expected failure (session, host or spec error)', () => {
    for (const error of [
      new SessionError('cwd-not-found', 'The working directory "/nowhere" does not exist.'),
      new HostError('disconnected', 'The session host is not connected.'),
      new SpecError('invalid-spec', 'command arguments: "args" must be an array of strings.'),
    ]) {
      const report = describeFailure('Open Milestone Terminal', error);
      assert.equal(report.shown, `Open Milestone Terminal: ${error.message}`);
      assert.equal(report.stack, undefined, `${error.name} is expected: no stack in the log`);
    }
  });

  it('points at the log for an unexpected error, and logs its stack', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'pid')");
    const report = describeFailure('Open Milestone Terminal', bug);
    assert.equal(report.shown, 'Open Milestone Terminal failed; see the Milestone Terminals log.');
    assert.ok(!report.shown.includes('Cannot read'), 'the internal message is not shown');
    assert.match(report.logged, /Cannot read properties of undefined/);
    assert.equal(report.stack, bug.stack);
  });

  it('points at the log for something thrown that is not an Error', () => {
    const report = describeFailure('Kill Milestone Terminal', 'a string');
    assert.equal(report.shown, 'Kill Milestone Terminal failed; see the Milestone Terminals log.');
    assert.match(report.logged, /a string/);
  });
});
