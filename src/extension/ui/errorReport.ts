import { KindedError } from '../sessions/errors';

/** What a failed command shows the user, and what it writes to the log. */
export interface FailureReport {
  readonly shown: string;
  readonly logged: string;
  /** Only for an unexpected error: where it came from, for the log. */
  readonly stack?: string;
}

/**
 * Expected failures (a bad folder, a missing program, a bad id, the session host gone)
 * carry a kind and a message meant for the user. Anything else is a bug: the user is
 * pointed at the log, which gets the stack.
 */
export function isExpectedFailure(error: unknown): boolean {
  return error instanceof KindedError;
}

export function describeFailure(what: string, error: unknown): FailureReport {
  const message = error instanceof Error ? error.message : String(error);
  if (isExpectedFailure(error)) {
    return { shown: `${what}: ${message}`, logged: `${what}: ${message}` };
  }
  return {
    shown: `${what} failed; see the Milestone Terminals log.`,
    logged: `${what} failed unexpectedly: ${message}`,
    stack: error instanceof Error ? error.stack : undefined,
  };
}
