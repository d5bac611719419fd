import * as assert from 'node:assert/strict';
import { parseSendText, parseWaitCondition, parseWaitOptions, DEFAULT_LAST_LINES } from '../../src/extension/api/apiArguments';
import { ApiError } from '../../src/extension/api/apiErrors';
import { MATCH_WINDOW_CHARS, OutputMatcher } from '../../src/extension/api/waitFor';
import { PlainTextStream, isSessionError, plainTextLines } from '../../src/extension/sessions';
import { MilestoneLinkError, parseMilestoneLink } from '../../src/extension/ui/milestoneLink';

function refused(kind: string, pattern: RegExp) {
  return (error: unknown) => error instanceof ApiError && error.kind === kind && pattern.test(error.message);
}

describe('API arguments: what other extensions and commands pass is checked', () => {
  it('takes each wait condition and refuses a misspelt or mixed one, saying which keys', () => {
    assert.deepEqual(parseWaitCondition({ exit: true }), { kind: 'exit' });
    assert.deepEqual(parseWaitCondition({ idleMs: 500 }), { kind: 'idle', idleMs: 500 });
    assert.throws(() => parseWaitCondition({ idle: 500 }), refused('invalid-argument', /unknown key "idle"/));
    assert.throws(() => parseWaitCondition({ exit: true, idleMs: 5 }), refused('invalid-argument', /exactly one.*not exit and idleMs/));
    assert.throws(() => parseWaitCondition({}), refused('invalid-argument', /exactly one/));
    assert.throws(() => parseWaitCondition({ exit: 'yes' }), refused('invalid-argument', /"exit" must be true/));
    assert.throws(() => parseWaitCondition({ idleMs: -1 }), refused('invalid-argument', /"idleMs" must be an integer/));
    assert.throws(() => parseWaitCondition({ idleMs: 10, includeScreen: true }), refused('invalid-argument', /only with "output"/));
    assert.throws(() => parseWaitCondition('exit'), refused('invalid-argument', /must be an object, got string/));
    assert.throws(() => parseWaitCondition(null), refused('invalid-argument', /got null/));
  });

  it('compiles a pattern given as a string with its flags, and drops g and y so one test does not depend on the last', () => {
    const fromString = parseWaitCondition({ output: 'continue\\?', flags: 'gi' });
    assert.ok(fromString.kind === 'output');
    assert.equal(fromString.pattern.flags, 'i');
    assert.ok(fromString.pattern.test('CONTINUE?') && fromString.pattern.test('CONTINUE?'));
    const fromRegExp = parseWaitCondition({ output: /x+/y, includeScreen: true });
    assert.ok(fromRegExp.kind === 'output' && fromRegExp.includeScreen);
    assert.equal(fromRegExp.pattern.flags, '');
    assert.throws(() => parseWaitCondition({ output: '(' }), refused('invalid-argument', /not a valid regular expression/));
    assert.throws(() => parseWaitCondition({ output: '' }), refused('invalid-argument', /non-empty pattern/));
    assert.throws(() => parseWaitCondition({ output: 'a', flags: 'q' }), refused('invalid-argument', /"flags"/));
    assert.throws(() => parseWaitCondition({ output: /a/, flags: 'i' }), refused('invalid-argument', /a RegExp has its own/));
    assert.throws(() => parseWaitCondition({ output: 42 }), refused('invalid-argument', /RegExp or a non-empty pattern/));
  });

  it('checks the wait options and the text to send', () => {
    assert.deepEqual(parseWaitOptions(undefined), { timeoutMs: undefined, lastLines: DEFAULT_LAST_LINES });
    assert.deepEqual(parseWaitOptions({ timeoutMs: 100, lastLines: 0 }), { timeoutMs: 100, lastLines: 0 });
    assert.throws(() => parseWaitOptions({ timeoutMs: 0 }), refused('invalid-argument', /"timeoutMs"/));
    assert.throws(() => parseWaitOptions({ timeoutMs: 1.5 }), refused('invalid-argument', /"timeoutMs"/));
    assert.throws(() => parseWaitOptions({ timeout: 100 }), refused('invalid-argument', /unknown key "timeout"/));
    assert.equal(parseSendText('y', { enter: true }), 'y\r');
    assert.equal(parseSendText('y', undefined), 'y');
    assert.throws(() => parseSendText(42, undefined), refused('invalid-argument', /must be a string/));
    assert.throws(() => parseSendText('y', { enter: 'yes' }), refused('invalid-argument', /"enter" must be true or false/));
  });
});

describe('plain text from terminal output', () => {
  it('drops escape sequences and controls, keeps wide characters, ends lines at \\r\\n and a lone \\r', () => {
    const output = '\x1b[32mstep 1\x1b[0m: 編集 ✓\r\n\x07\x1b]9;notify me\x0750%\r60%\r\ndone\x1b[?25h';
    assert.deepEqual(plainTextLines(output), ['step 1: 編集 ✓', '50%', '60%', 'done']);
  });

  it('joins a sequence or a \\r\\n split across chunks', () => {
    const stream = new PlainTextStream();
    const pieces = ['a\x1b[3', '1mred\x1b]0;ti', 'tle\x07 b\r', '\nc'].map((chunk) => stream.push(chunk));
    assert.deepEqual(pieces, ['a', 'red', ' b', '\nc']);
  });

  it('matches a pattern across chunks, against text without escapes, only within the last window', () => {
    const matcher = new OutputMatcher(/Continue\? \[y\/n\]/);
    assert.equal(matcher.push('\x1b[1mContin'), undefined);
    assert.equal(matcher.push('ue?\x1b[0m [y/n] '), 'Continue? [y/n]');
    const old = new OutputMatcher(/needle/);
    assert.equal(old.push('needle' + 'x'.repeat(MATCH_WINDOW_CHARS)), undefined, 'text older than the window no longer matches');
    const screen = new OutputMatcher(/already there/);
    assert.equal(screen.push('new output'), undefined);
    assert.equal(screen.prepend('already there\n'), 'already there');
  });
});

describe('links that open a milestone terminal', () => {
  const link = (query: string, path = '/open', fragment = '') => parseMilestoneLink({ path, query, fragment });
  const linkRefused = (kind: string, pattern: RegExp) => (error: unknown) => error instanceof MilestoneLinkError && error.kind === kind && pattern.test(error.message);

  it('names a milestone, normalised, and may hold % + and = in it', () => {
    assert.equal(link('milestone= fix login '), 'fix login');
    assert.equal(link('milestone=100%+a=b'), '100%+a=b');
  });

  it('refuses anything that would choose what runs or where, and any other parameter', () => {
    for (const query of ['milestone=a&command=rm', 'milestone=a&cwd=/', 'milestone=a&env=X', 'milestone=a&args=1', 'milestone=a&title=t']) {
      assert.throws(() => link(query), linkRefused('refused-parameter', /cannot choose a command, folder or environment/), query);
    }
    assert.throws(() => link('milestone=a', '/open', 'x'), linkRefused('refused-parameter', /fragment/));
    assert.throws(() => link('milestone=a', '/run'), linkRefused('unknown-path', /"\/run"/));
    assert.throws(() => link(''), linkRefused('missing-milestone', /exactly one/));
    assert.throws(() => link('milestone=a&milestone=b'), linkRefused('missing-milestone', /not 2/));
    assert.throws(() => link('milestone=a\u202Eb'), (error: unknown) => isSessionError(error, 'invalid-milestone-id'));
    assert.throws(() => link('milestone='), (error: unknown) => isSessionError(error, 'invalid-milestone-id'));
  });
});
