/**
 * Which hidden terminal tabs keep their page. A kept page shows at once when its tab is
 * switched back to, but costs the browser memory and CPU (it keeps up with its output); a
 * released one is rebuilt and replayed when shown. The tabs used most recently are the ones
 * a user is likely to switch back to, so they keep theirs.
 */
export class RecentlyUsed<T> {
  /** Most recently used first. */
  private order: T[] = [];
  /** The items visible when last seen. */
  private shown: T[] = [];

  /** Adds a new item as the least recently used (a tab restored hidden after a reload). */
  addLeastRecent(item: T): void {
    if (!this.order.includes(item)) {
      this.order.push(item);
    }
  }

  /** Adds a new item as the most recently used (a tab just opened). */
  addMostRecent(item: T): void {
    if (!this.order.includes(item)) {
      this.order.unshift(item);
    }
  }

  forget(item: T): void {
    this.order = this.order.filter((other) => other !== item);
    this.shown = this.shown.filter((other) => other !== item);
  }

  /**
   * Records the items visible now. They, and those visible until now (just hidden), are the
   * most recently used, whatever order the visibility changes were reported in.
   */
  see(visibleNow: readonly T[]): void {
    const recent = [...visibleNow, ...this.shown.filter((item) => !visibleNow.includes(item))];
    this.order = [...recent, ...this.order.filter((item) => !recent.includes(item))];
    this.shown = [...visibleNow];
  }

  /**
   * Splits the items into those that keep their page (the visible ones, and the `keptHidden`
   * most recently used hidden ones) and those that release it, each most recent first.
   */
  split(keptHidden: number): { kept: T[]; released: T[] } {
    const kept: T[] = [];
    const released: T[] = [];
    let hiddenKept = 0;
    for (const item of this.order) {
      if (this.shown.includes(item)) {
        kept.push(item);
      } else if (hiddenKept < keptHidden) {
        hiddenKept++;
        kept.push(item);
      } else {
        released.push(item);
      }
    }
    return { kept, released };
  }
}

/**
 * Pages being built, at most `limit` at once. Every tab opened is the active editor for a
 * moment, so an agent opening tabs one after another would have all their pages load at once;
 * in the browser that overwhelms the workbench's webview service worker (frames left without
 * it, or resource loads timing out), and those tabs stay blank. A page waits for a free slot,
 * and one whose tab is hidden by then is built when it is shown.
 */
export class PageBuilds<T> {
  private readonly building = new Set<T>();
  private waiting: T[] = [];

  constructor(private readonly limit: number) {}

  /** Whether the page of `item` is being built or waits to be. */
  has(item: T): boolean {
    return this.building.has(item) || this.waiting.includes(item);
  }

  /** Asks for a page for `item`: true if it is to be built now, else it waits for `next`. */
  request(item: T): boolean {
    if (this.has(item)) {
      return false;
    }
    if (this.building.size < this.limit) {
      this.building.add(item);
      return true;
    }
    this.waiting.push(item);
    return false;
  }

  /** The page of `item` is built, or no longer wanted: its slot or place is free. */
  done(item: T): void {
    this.building.delete(item);
    this.waiting = this.waiting.filter((other) => other !== item);
  }

  /**
   * The waiting items to build now, in the order they asked, as many as there are free slots;
   * those `wanted` turns down leave the queue.
   */
  next(wanted: (item: T) => boolean): T[] {
    const started: T[] = [];
    while (this.building.size < this.limit && this.waiting.length) {
      const item = this.waiting.shift() as T;
      if (wanted(item)) {
        this.building.add(item);
        started.push(item);
      }
    }
    return started;
  }
}
