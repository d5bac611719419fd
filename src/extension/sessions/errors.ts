/**
 * One error shape for every layer: an expected failure is an error class with a `kind`
 * from a list declared once (`as const`); the kind union, the guard that validates a kind
 * from the wire and the `is…Error` check all derive from that list.
 */
export abstract class KindedError<K extends string> extends Error {
  constructor(
    readonly kind: K,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A guard for one kind list, e.g. to validate a kind that arrived over a socket. */
export function kindGuard<K extends string>(kinds: readonly K[]): (value: unknown) => value is K {
  const known: ReadonlySet<string> = new Set(kinds);
  return (value: unknown): value is K => typeof value === 'string' && known.has(value);
}

export const SESSION_ERROR_KINDS = [
  'invalid-milestone-id',
  'invalid-argument',
  'cwd-not-found',
  'command-not-found',
  'spawn-failed',
  // node-pty's native part does not load here (another platform's package, lost file modes).
  'pty-unavailable',
  'unknown-session',
  'session-exited',
  'manager-disposed',
  'too-many-sessions',
] as const;

/** Expected failures of the session core, with a kind that callers can switch on. */
export type SessionErrorKind = (typeof SESSION_ERROR_KINDS)[number];
export const isSessionErrorKind = kindGuard(SESSION_ERROR_KINDS);

export class SessionError extends KindedError<SessionErrorKind> {}

/** `session`, or the typed error for a caller that held an id it expected to be valid. */
export function requireSession<T>(session: T | undefined, sessionId: string): T {
  if (session === undefined) {
    throw new SessionError('unknown-session', `No session with id "${sessionId}".`);
  }
  return session;
}

export function isSessionError(error: unknown, kind?: SessionErrorKind): error is SessionError {
  return error instanceof SessionError && (kind === undefined || error.kind === kind);
}
