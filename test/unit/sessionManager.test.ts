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
import { OutputCollector, isAlive, liveChildren, openFdCount } from './helpers';

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
    await pollUntil(async () => (replay = await after.screen()).length >= 1_000, () => `a full replay buffer (${replay.length} chars so far)`, { timeoutMs: 3_000, intervalMs: 50 });
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
