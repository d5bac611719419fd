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

export function isSessionError(error: unknown, kind?: SessionErrorKind): error is SessionError {
  return error instanceof SessionError && (kind === undefined || error.kind === kind);
}
