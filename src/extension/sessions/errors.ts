/** Expected failures of the session core, with a kind that callers can switch on. */
export type SessionErrorKind =
  | 'invalid-milestone-id'
  | 'invalid-argument'
  | 'cwd-not-found'
  | 'command-not-found'
  | 'spawn-failed'
  | 'unknown-session'
  | 'session-exited'
  | 'manager-disposed';

export class SessionError extends Error {
  constructor(
    readonly kind: SessionErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}

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
