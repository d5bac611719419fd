import * as assert from 'node:assert/strict';
import { PageBuilds, RecentlyUsed } from '../../src/extension/ui/keptPages';

describe('kept pages: the most recently used hidden tabs keep their page', () => {
  /** Opens the tabs one after another, each hiding the one before, as in one editor group. */
  function openedInTurn(...tabs: string[]): RecentlyUsed<string> {
    const recent = new RecentlyUsed<string>();
    for (const tab of tabs) {
      recent.addLeastRecent(tab);
      recent.see([tab]);
    }
    return recent;
  }

  it('keeps the visible tab and the N most recently used hidden ones', () => {
    assert.deepEqual(openedInTurn('a', 'b', 'c', 'd').split(2), { kept: ['d', 'c', 'b'], released: ['a'] });
  });

  it('with 0 keeps only the visible tabs, however many are visible', () => {
    const recent = openedInTurn('a', 'b', 'c');
    recent.see(['a', 'c']);
    assert.deepEqual(recent.split(0), { kept: ['a', 'c'], released: ['b'] });
  });

  it('the tab just hidden is the most recent hidden one, whichever change was reported first', () => {
    const recent = openedInTurn('a', 'b', 'c');
    // Switching from c to a: VS Code may report a shown before c hidden; either way c was in use until now.
    recent.see(['a', 'c']);
    recent.see(['a']);
    assert.deepEqual(recent.split(1), { kept: ['a', 'c'], released: ['b'] });
    const sameSwitch = openedInTurn('a', 'b', 'c');
    sameSwitch.see([]);
    sameSwitch.see(['a']);
    assert.deepEqual(sameSwitch.split(1), { kept: ['a', 'c'], released: ['b'] });
  });

  it('a tab just opened counts as used before it is reported visible', () => {
    const recent = openedInTurn('a', 'b');
    recent.addMostRecent('c');
    assert.deepEqual(recent.split(1), { kept: ['c', 'b'], released: ['a'] });
  });

  it('a tab restored hidden comes last, and a closed tab is forgotten', () => {
    const recent = openedInTurn('a', 'c');
    recent.addLeastRecent('b');
    recent.forget('c');
    assert.deepEqual(recent.split(2), { kept: ['a', 'b'], released: [] });
    recent.forget('a');
    assert.deepEqual(recent.split(0), { kept: [], released: ['b'] });
  });
});

describe('page builds: at most a few pages load at once', () => {
  it('builds at once while a slot is free; the rest wait in the order they asked', () => {
    const builds = new PageBuilds<string>(2);
    assert.deepEqual(['a', 'b', 'c', 'd'].map((tab) => builds.request(tab)), [true, true, false, false]);
    builds.done('a');
    assert.deepEqual(builds.next(() => true), ['c']);
    assert.deepEqual(builds.next(() => true), [], 'no slot is free until another page is built');
  });

  it('a waiting tab that is no longer wanted (hidden by then) leaves the queue and its slot goes to the next', () => {
    const builds = new PageBuilds<string>(1);
    ['a', 'b', 'c'].forEach((tab) => builds.request(tab));
    builds.done('a');
    assert.deepEqual(builds.next((tab) => tab !== 'b'), ['c']);
    assert.equal(builds.has('b'), false, 'b asks again when shown');
    assert.equal(builds.request('b'), false, 'c is still loading');
  });

  it('a tab asking twice is built once; one that closed while waiting is forgotten', () => {
    const builds = new PageBuilds<string>(1);
    assert.equal(builds.request('a'), true);
    assert.equal(builds.request('a'), false);
    builds.request('b');
    builds.done('b');
    builds.done('a');
    assert.deepEqual(builds.next(() => true), []);
    assert.equal(builds.request('c'), true);
  });
});
