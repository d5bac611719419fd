import * as assert from 'node:assert/strict';
import { MAX_MILESTONE_ID_LENGTH } from '../../src/extension/sessions';
import { escapeCharacterReferences, escapeIcons, milestoneIdProblem } from '../../src/extension/ui/displayText';
import { LinkError, resolveLinkTarget } from '../../src/extension/ui/linkTarget';

describe('terminal links: what a clicked link may open', () => {
  it('opens http and https links in the browser', () => {
    assert.deepEqual(resolveLinkTarget('https://example.com/x?y=1'), { kind: 'web', url: 'https://example.com/x?y=1' });
    assert.deepEqual(resolveLinkTarget('http://example.com'), { kind: 'web', url: 'http://example.com/' });
  });

  it('decodes local file links as a path, with or without "localhost"', () => {
    assert.deepEqual(resolveLinkTarget('file:///home/me/a%20b.txt'), { kind: 'file', path: '/home/me/a b.txt' });
    assert.deepEqual(resolveLinkTarget('file://localhost/home/me/c.txt'), { kind: 'file', path: '/home/me/c.txt' });
  });

  it('refuses file links to another host, saying so', () => {
    assert.throws(
      () => resolveLinkTarget('file://evil-host/share/x'),
      (error: unknown) => error instanceof LinkError && error.kind === 'remote-file' && /other hosts.*evil-host/.test(error.message),
    );
  });

  it('refuses a path that encodes a slash', () => {
    assert.throws(() => resolveLinkTarget('file:///etc%2Fpasswd'), (error: unknown) => error instanceof LinkError && error.kind === 'invalid-link');
  });

  it('refuses other schemes and text that is not a URL', () => {
    for (const url of ['command:workbench.action.terminal.new', 'javascript:alert(1)', 'vscode://file/etc/passwd']) {
      assert.throws(() => resolveLinkTarget(url), (error: unknown) => error instanceof LinkError && error.kind === 'refused-scheme', url);
    }
    assert.throws(() => resolveLinkTarget('not a link'), (error: unknown) => error instanceof LinkError && error.kind === 'invalid-link');
  });
});

describe('terminal text: ids shown as written in labels and tooltips', () => {
  it('escapes icon syntax so that $(zap) in an id is not drawn as an icon', () => {
    assert.equal(escapeIcons('build $(zap) fast'), 'build \\$(zap) fast');
    assert.equal(escapeIcons('$(sync~spin)$(x)'), '\\$(sync~spin)\\$(x)');
    assert.equal(escapeIcons('costs $5 (maybe)'), 'costs $5 (maybe)');
  });

  it('escapes character references so that &amp; in an id shows as written', () => {
    assert.equal(escapeCharacterReferences('a&amp;b <i>'), 'a&amp;amp;b &lt;i>');
  });

  it('says while typing why an over-long id cannot be a milestone', () => {
    assert.equal(milestoneIdProblem('x'.repeat(MAX_MILESTONE_ID_LENGTH)), undefined);
    assert.match(milestoneIdProblem('x'.repeat(MAX_MILESTONE_ID_LENGTH + 1)) ?? '', new RegExp(`at most ${MAX_MILESTONE_ID_LENGTH} characters`));
  });
});
