/** Expected failures of the session host and its clients, by kind (see sessions/errors.ts for the shape). */
import { KindedError } from '../sessions';

export const HOST_ERROR_KINDS = [
  'insecure-directory',
  'socket-path-too-long',
  'already-running',
  'no-host',
  'start-timeout',
  'rejected',
  'disconnected',
  'protocol',
  'timeout',
] as const;

export type HostErrorKind = (typeof HOST_ERROR_KINDS)[number];

export class HostError extends KindedError<HostErrorKind> {}

export function isHostError(error: unknown, kind?: HostErrorKind): error is HostError {
  return error instanceof HostError && (kind === undefined || error.kind === kind);
}
