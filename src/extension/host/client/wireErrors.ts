import { SessionError, isSessionErrorKind } from '../../sessions';
import { HostError } from '../hostErrors';
import { MessageError, parseResult, type HostMethod, type HostResults, type ResponseMessage } from '../protocol/messages';

/**
 * The error a failed request stands for: the session core's own kinds come back as
 * the SessionError the in-process manager would have thrown; anything else is the
 * host's failure.
 */
export function errorFromWire(response: Extract<ResponseMessage, { ok: false }>): Error {
  const { kind, message } = response.error;
  if (isSessionErrorKind(kind)) {
    return new SessionError(kind, message);
  }
  return new HostError('protocol', `The session host failed the request (${kind}): ${message}`);
}

/** The result of `method` in `response`; throws the error a failure or a malformed result stands for. */
export function resultFromWire<M extends HostMethod>(method: M, response: ResponseMessage): HostResults[M] {
  if (!response.ok) {
    throw errorFromWire(response);
  }
  try {
    return parseResult(method, response.result);
  } catch (error) {
    throw error instanceof MessageError ? new HostError('protocol', error.message) : error;
  }
}
