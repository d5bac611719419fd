import { SessionError } from './errors';

/** Long enough for any sensible name or path-like id, short enough for a tab title. */
export const MAX_MILESTONE_ID_LENGTH = 256;

/**
 * Normalises a milestone id (trimmed, Unicode NFC) or rejects it. Any script and
 * emoji are fine; control characters, lone surrogates and absurd lengths are not.
 */
export function normalizeMilestoneId(raw: unknown): string {
  if (typeof raw !== 'string') {
    throw new SessionError('invalid-milestone-id', `A milestone id must be a string, got ${raw === null ? 'null' : typeof raw}.`);
  }
  const id = raw.trim().normalize('NFC');
  if (id.length === 0) {
    throw new SessionError('invalid-milestone-id', 'A milestone id must not be empty.');
  }
  if ([...id].length > MAX_MILESTONE_ID_LENGTH) {
    throw new SessionError('invalid-milestone-id', `A milestone id may have at most ${MAX_MILESTONE_ID_LENGTH} characters.`);
  }
  if (/\p{Cc}/u.test(id)) {
    throw new SessionError('invalid-milestone-id', 'A milestone id must not contain control characters.');
  }
  if (/\p{Cs}/u.test(id)) {
    throw new SessionError('invalid-milestone-id', 'A milestone id must be well-formed Unicode.');
  }
  return id;
}
