import { KindedError } from '../sessions/errors';

export const API_ERROR_KINDS = [
  /** An argument from another extension or a command is missing, of the wrong type or out of range. */
  'invalid-argument',
  /** The milestone has no session. */
  'no-session',
  /** The process has ended: no input can reach it, and no more output will come. */
  'session-exited',
  /** The session was closed while a wait was on it. */
  'session-closed',
  'timeout',
  'unsupported-version',
] as const;

export type ApiErrorKind = (typeof API_ERROR_KINDS)[number];

/** An expected failure of an API call, by kind, with a message meant for a person. */
export class ApiError extends KindedError<ApiErrorKind> {}
