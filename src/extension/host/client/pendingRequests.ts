import { disposableTimeout, type Disposable } from '../../sessions';
import { HostError } from '../hostErrors';
import type { HostMethod } from '../protocol/messages';

/**
 * Long enough for the slowest honest answer (the screen of a session with a huge
 * scrollback, from a busy host), short enough that a stopped host does not leave
 * callers waiting forever.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

interface PendingRequest {
  readonly method: HostMethod;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timeout: Disposable;
}

/** The requests sent to the host and not yet answered: their ids, resolvers and timeouts. */
export class PendingRequests implements Disposable {
  private readonly pending = new Map<number, PendingRequest>();
  private nextId = 1;

  constructor(
    private readonly timeoutMs: number,
    private readonly log: (message: string) => void,
  ) {}

  /** Registers a request, hands its id to `send`, and resolves with what `settle` makes of the answer. */
  add(method: HostMethod, send: (id: number) => void): Promise<unknown> {
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timeout = disposableTimeout(() => {
        this.take(id);
        reject(new HostError('timeout', `The session host did not answer the ${method} request within ${this.timeoutMs} ms.`));
      }, this.timeoutMs);
      this.pending.set(id, { method, resolve, reject, timeout });
      send(id);
    });
  }

  /**
   * Settles request `id` with `outcome(method)`, or with what that throws. Returns the
   * request's method, or undefined for an answer nobody waits for (any more).
   */
  settle(id: number, outcome: (method: HostMethod) => unknown): HostMethod | undefined {
    const request = this.take(id);
    if (!request) {
      this.log(`The session host answered request ${id}, which nobody waits for (it timed out or was never sent).`);
      return undefined;
    }
    try {
      request.resolve(outcome(request.method));
    } catch (error) {
      request.reject(error as Error);
    }
    return request.method;
  }

  /** Fails every request still waiting (the connection ended). */
  rejectAll(error: Error): void {
    const requests = [...this.pending.values()];
    this.pending.clear();
    for (const request of requests) {
      request.timeout.dispose();
      request.reject(error);
    }
  }

  dispose(): void {
    this.rejectAll(new HostError('disconnected', 'The client was disposed.'));
  }

  private take(id: number): PendingRequest | undefined {
    const request = this.pending.get(id);
    if (request) {
      this.pending.delete(id);
      request.timeout.dispose();
    }
    return request;
  }
}
