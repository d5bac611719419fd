import * as assert from 'node:assert/strict';
import {
  MAX_MILESTONE_ID_LENGTH,
  SessionManager,
  getSessionManager,
  isSessionError,
  normalizeMilestoneId,
  resetSessionManager,
  type SessionChange,
} from '../../src/extension/sessions';
import { tmpdir } from 'node:os';
import { pollUntil, sleep } from '../support/timing';
import { OutputCollector, isAlive, liveChildren, openFdCount, sessionMembers } from './helpers';

describe('SessionManager', () => {
  let manager: SessionManager;
  beforeEach(() => {
    manager = new SessionManager({ closeGraceMs: 200 });
  });
  afterEach(async () => {
    await manager.closeAll();
    manager.dispose();
  });

  it('creates, finds, lists and closes a session', async () => {
    const cwd = tmpdir();
    const createdAfter = Date.now();
    const session = await manager.create({ milestoneId: 'M-1', command: 'cat', cwd });
    const createdBefore = Date.now();
    assert.equal(manager.get(session.id), session);
    assert.equal(manager.getByMilestone('M-1'), session);
    assert.equal(manager.getByMilestone('  M-1 '), session, 'ids are trimmed');
    const [listed] = manager.list();
    assert.equal(listed.sessionId, session.id);
    assert.equal(listed.milestoneId, 'M-1');
    assert.equal(listed.state, 'running');
    assert.equal(listed.pid, session.pid);
    assert.equal(listed.cwd, cwd);
    assert.equal(listed.replayBytes, 0);
    assert.ok(listed.createdAt >= createdAfter && listed.createdAt <= createdBefore, `created at ${listed.createdAt}, during create() (${createdAfter}..${createdBefore})`);
    const pid = session.pid;
    assert.equal(await manager.close(session.id), true);
    assert.equal(manager.get(session.id), undefined);
    assert.equal(manager.getByMilestone('M-1'), undefined);
    assert.deepEqual(manager.list(), []);
    assert.equal(isAlive(pid), false);
  });

  it('never starts a second live session for a milestone', async () => {
    await manager.create({ milestoneId: 'busy', command: 'cat' });
    await assert.rejects(manager.create({ milestoneId: 'busy', command: 'cat' }), (error) => isSessionError(error, 'invalid-argument'));
  });

  it('get-or-create under concurrent calls starts exactly one process', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => manager.getOrCreate({ milestoneId: 'race', command: 'cat' })));
    const ids = new Set(results.map((result) => result.session.id));
    assert.equal(ids.size, 1);
    assert.equal(results.filter((result) => result.created).length, 1);
    assert.equal(manager.list().length, 1);
    assert.equal(liveChildren().length, 1);
  });

  it('replaces an exited session on get-or-create, keeping it until then', async () => {
    const first = await manager.create({ milestoneId: 'again', command: 'sh', args: ['-c', 'echo done; exit 3'] });
    await first.whenExited();
    assert.equal(manager.getByMilestone('again'), first, 'an exited session keeps its output visible');
    assert.equal(first.exitCode, 3);
    const { session, created } = await manager.getOrCreate({ milestoneId: 'again', command: 'cat' });
    assert.equal(created, true);
    assert.notEqual(session, first);
    assert.equal(manager.get(first.id), undefined);
  });

  it('fails clearly for bad input and leaves nothing behind', async () => {
    await assert.rejects(manager.create({ milestoneId: 'bad-cwd', command: 'sh', cwd: '/nope/nope' }), (error) => isSessionError(error, 'cwd-not-found'));
    await assert.rejects(manager.getOrCreate({ milestoneId: 'bad-cmd', command: 'nope-not-a-command' }), (error) => isSessionError(error, 'command-not-found'));
    assert.deepEqual(manager.list(), []);
    assert.equal(manager.get('no-such-id'), undefined);
    assert.throws(() => manager.getOrThrow('no-such-id'), (error) => isSessionError(error, 'unknown-session') && /no-such-id/.test(error.message));
    assert.equal(await manager.close('no-such-id'), false);
    // The milestone is free again after a failed start.
    const session = await manager.create({ milestoneId: 'bad-cwd', command: 'cat' });
    assert.equal(session.state, 'running');
  });

  it('closeAll ends every session\'s processes, jobs in their own groups and ones that ignore the hangup included', async function () {
    this.timeout(30_000);
    // Interactive shells put jobs in process groups of their own; closing them all at once
    // shares reads of /proc, and each session must still get exactly its own processes.
    const shells = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        manager.create({ milestoneId: `jobs-${index}`, command: 'bash', args: ['--norc', '--noprofile', '-i'], env: { PS1: 'READY$ ', HISTFILE: '/dev/null' } }),
      ),
    );
    const screen = (session: (typeof shells)[number]) => session.replay.getReplay();
    for (const session of shells) {
      await pollUntil(() => screen(session).includes('READY$ '), 'the prompt');
      session.write('sleep 1000 & (trap "" HUP TERM; sleep 1001) & echo started\r');
      await pollUntil(() => /\nstarted/.test(screen(session)), 'the jobs to start');
    }
    await pollUntil(() => shells.every((session) => sessionMembers(session.pid).length >= 3), 'every job started', { timeoutMs: 10_000 });
    const members = shells.flatMap((session) => sessionMembers(session.pid));
    await manager.closeAll();
    await pollUntil(() => members.every((pid) => !isAlive(pid)), () => `every process gone; alive: ${members.filter(isAlive).join(' ')}`, { timeoutMs: 5_000 });
  });

  it('fires change events for created, changed and closed', async () => {
    const changes: SessionChange[] = [];
    manager.onDidChangeSessions((change) => changes.push(change));
    const session = await manager.create({ milestoneId: 'events', command: 'cat' });
    session.attach().dispose();
    await manager.close(session.id);
    const kinds = changes.map((change) => change.kind);
    assert.equal(kinds[0], 'created');
    assert.ok(kinds.includes('changed'));
    assert.equal(kinds[kinds.length - 1], 'closed');
  });

  it('leaks no file descriptors or processes over 200 create/close cycles', async function () {
    this.timeout(120_000);
    // Warm up once so lazily opened handles (e.g. node-pty's) are not counted as leaks.
    await manager.close((await manager.create({ milestoneId: 'warm-up', command: 'cat' })).id);
    const fdsBefore = openFdCount();
    for (let cycle = 0; cycle < 200; cycle++) {
      const session = await manager.create({ milestoneId: `cycle-${cycle}`, command: 'sh', args: ['-c', 'echo hi; sleep 100'] });
      const output = new OutputCollector(session.onData);
      await output.waitFor('hi');
      await manager.close(session.id);
    }
    await pollUntil(() => openFdCount() <= fdsBefore, () => `fds back to ${fdsBefore} (now ${openFdCount()})`, { timeoutMs: 5_000 });
    assert.deepEqual(liveChildren(), []);
  });
});

describe('SessionManager expiry', () => {
  let manager: SessionManager;
  afterEach(async () => {
    await manager.closeAll();
    manager.dispose();
  });

  it('closes a quiet session with no view after the timeout, and only then', async () => {
    manager = new SessionManager({ detachedTimeoutMs: 300, cleanupIntervalMs: 50, closeGraceMs: 100 });
    const quiet = await manager.create({ milestoneId: 'quiet', command: 'cat' });
    const watched = await manager.create({ milestoneId: 'watched', command: 'cat' });
    const view = watched.attach();
    assert.ok(manager.get(quiet.id));
    await pollUntil(() => manager.get(quiet.id) === undefined, 'quiet session expired', { timeoutMs: 3_000 });
    // Expiry forgets the session first, then ends its processes (SIGHUP, SIGTERM, SIGKILL after the grace).
    await pollUntil(() => !isAlive(quiet.pid), 'its process ended', { timeoutMs: 3_000 });
    // Something that must not happen: the watched session stays through two more timeouts.
    await sleep(600);
    assert.ok(manager.get(watched.id), 'a watched session does not expire however quiet');
    view.dispose();
    await pollUntil(() => manager.get(watched.id) === undefined, 'session expired after its view detached', { timeoutMs: 3_000 });
  });

  it('keeps an unwatched session that is still producing output', async () => {
    manager = new SessionManager({ detachedTimeoutMs: 300, cleanupIntervalMs: 50, closeGraceMs: 100 });
    const busy = await manager.create({ milestoneId: 'busy', command: 'sh', args: ['-c', 'while :; do echo tick; sleep 0.05; done'] });
    // Something that must not happen: three timeouts pass and the busy session stays.
    await sleep(900);
    assert.ok(manager.get(busy.id), 'a session producing output does not expire');
  });

  it('takes changed settings while running: the timeout for every session, the buffer size for new ones', async () => {
    manager = new SessionManager({ detachedTimeoutMs: 0, cleanupIntervalMs: 50, closeGraceMs: 100 });
    const before = await manager.create({ milestoneId: 'started-before', command: 'cat' });
    await manager.configure({ detachedTimeoutMs: 300, replayBufferBytes: 1024 });
    await pollUntil(() => manager.get(before.id) === undefined, 'the session expired under the new timeout', { timeoutMs: 3_000 });
    const after = await manager.create({ milestoneId: 'started-after', command: 'sh', args: ['-c', 'head -c 5000 /dev/zero | tr "\\0" x; sleep 5'] });
    after.attach();
    let replay = '';
    await pollUntil(async () => (replay = (await after.screen()).data).length >= 1_000, () => `a full replay buffer (${replay.length} chars so far)`, { timeoutMs: 3_000, intervalMs: 50 });
    assert.ok(replay.length <= 1024 && replay.length > 500, `replay of ${replay.length} chars under a 1 KiB buffer`);
    await manager.configure({ detachedTimeoutMs: 0, replayBufferBytes: 1024 });
    await assert.rejects(manager.configure({ detachedTimeoutMs: -5, replayBufferBytes: 1024 }), (error) => isSessionError(error, 'invalid-argument'));
  });

  it('cleanupExpired reports how many it closed; a timeout of 0 never expires', async () => {
    manager = new SessionManager({ detachedTimeoutMs: 1_000, closeGraceMs: 100 });
    const session = await manager.create({ milestoneId: 'old', command: 'cat' });
    assert.equal(await manager.cleanupExpired(Date.now()), 0);
    assert.equal(await manager.cleanupExpired(Date.now() + 1_500), 1);
    assert.equal(manager.get(session.id), undefined);
    manager.dispose();
    manager = new SessionManager({ detachedTimeoutMs: 0, closeGraceMs: 100 });
    await manager.create({ milestoneId: 'forever', command: 'cat' });
    assert.equal(await manager.cleanupExpired(Date.now() + 365 * 24 * 3600 * 1000), 0);
    assert.throws(() => new SessionManager({ detachedTimeoutMs: -1 }), (error) => isSessionError(error, 'invalid-argument'));
  });
});

describe('milestone ids', () => {
  it('accepts any script and emoji, normalised', () => {
    assert.equal(normalizeMilestoneId('  日本語 🚀 milestone/../x  '), '日本語 🚀 milestone/../x');
    assert.equal(normalizeMilestoneId('cafe\u0301'), 'café');
    assert.equal(normalizeMilestoneId('x'.repeat(MAX_MILESTONE_ID_LENGTH)).length, MAX_MILESTONE_ID_LENGTH);
    assert.equal(normalizeMilestoneId('🚀'.repeat(MAX_MILESTONE_ID_LENGTH)).length, MAX_MILESTONE_ID_LENGTH * 2);
  });

  it('rejects empty, absurd and malformed ids with a clear error', () => {
    for (const bad of ['', '   ', 'x'.repeat(MAX_MILESTONE_ID_LENGTH + 1), 'a\u0000b', 'line\nbreak', 'esc\x1b[31m', 'half\ud800', 42, null, undefined, {}]) {
      assert.throws(() => normalizeMilestoneId(bad), (error) => isSessionError(error, 'invalid-milestone-id'), JSON.stringify(bad));
    }
  });

  it('refuses bidi controls, zero-width characters and separators, naming the character', () => {
    const cases: Array<[string, RegExp]> = [
      ['user\u202Egnp.exe', /bidirectional text control \(U\+202E\)/],
      ['a\u202Ab', /bidirectional text control \(U\+202A\)/],
      ['a\u2066b\u2069', /bidirectional text control \(U\+2066\)/],
      ['a\u200Eb', /bidirectional text control \(U\+200E\)/],
      ['a\u200Fb', /bidirectional text control \(U\+200F\)/],
      ['a\u061Cb', /bidirectional text control \(U\+061C\)/],
      ['build\u200B', /zero-width character \(U\+200B\)/],
      ['a\u200Cb', /zero-width character \(U\+200C\)/],
      ['a\u200Db', /zero-width character \(U\+200D\)/],
      ['a\u2060b', /zero-width character \(U\+2060\)/],
      ['a\uFEFFb', /zero-width character \(U\+FEFF\)/],
      ['line\u2028two', /line or paragraph separator \(U\+2028\)/],
      ['para\u2029two', /line or paragraph separator \(U\+2029\)/],
      ['c1\u0085x', /control character \(U\+0085\)/],
      ['a\u00ADb', /invisible formatting character \(U\+00AD\)/],
    ];
    for (const [bad, message] of cases) {
      assert.throws(
        () => normalizeMilestoneId(bad),
        (error) => isSessionError(error, 'invalid-milestone-id') && message.test(error.message),
        JSON.stringify(bad),
      );
    }
  });

  it('keeps the joiners and tags that emoji are written with', () => {
    assert.equal(normalizeMilestoneId('pair 👩\u200D💻'), 'pair 👩\u200D💻');
    assert.equal(normalizeMilestoneId('family 👨\u200D👩\u200D👧'), 'family 👨\u200D👩\u200D👧');
    assert.equal(normalizeMilestoneId('skin 👩🏽\u200D🚀'), 'skin 👩🏽\u200D🚀');
    const scotland = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';
    assert.equal(normalizeMilestoneId(`flag ${scotland}`), `flag ${scotland}`);
  });

  it('is enforced by the manager', async () => {
    const manager = new SessionManager();
    await assert.rejects(manager.getOrCreate({ milestoneId: '', command: 'cat' }), (error) => isSessionError(error, 'invalid-milestone-id'));
    manager.dispose();
  });
});

describe('the process-wide accessor', () => {
  afterEach(() => resetSessionManager());

  it('returns one manager until reset, and reset closes its sessions', async () => {
    const manager = getSessionManager({ closeGraceMs: 100 });
    assert.equal(getSessionManager(), manager);
    const session = await manager.create({ milestoneId: 'singleton', command: 'cat' });
    await resetSessionManager();
    assert.equal(isAlive(session.pid), false);
    assert.notEqual(getSessionManager(), manager);
  });
});
