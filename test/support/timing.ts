/** Waiting, shared by every test suite and the bench scripts. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface PollOptions {
  /** Give up after this long; default 10 s. */
  readonly timeoutMs?: number;
  /** Pause between two probes; default 25 ms. */
  readonly intervalMs?: number;
}

type Truthy<T> = Exclude<T, undefined | null | false | 0 | ''>;

/**
 * Probes until `probe` returns something truthy and resolves with it; rejects after the
 * timeout with a message naming what was awaited. A probe that throws ends the wait at once.
 * `what` may be a function, to describe the last state seen when the wait fails.
 */
export async function pollUntil<T>(probe: () => T | Promise<T>, what: string | (() => string), options: PollOptions = {}): Promise<Truthy<T>> {
  const { timeoutMs = 10_000, intervalMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) {
      return value as Truthy<T>;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await sleep(intervalMs);
  }
}
