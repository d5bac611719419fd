import { SessionError } from './errors';

/** Long enough for any sensible name or path-like id, short enough for a tab title. */
export const MAX_MILESTONE_ID_LENGTH = 256;

/**
 * Characters that change how an id is shown without being seen: with them two ids that
 * look the same differ, or an id displays in another order than it is (Trojan Source).
 */
const INVISIBLE_CHARACTERS: ReadonlyArray<{ readonly pattern: RegExp; readonly what: string }> = [
  { pattern: /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u, what: 'a bidirectional text control' },
  { pattern: /[\u200B-\u200D\u2060\uFEFF]/u, what: 'a zero-width character' },
  { pattern: /[\u2028\u2029]/u, what: 'a line or paragraph separator' },
  { pattern: /\p{Cc}/u, what: 'a control character' },
  { pattern: /\p{Cf}/u, what: 'an invisible formatting character' },
];

/**
 * The joiner inside an emoji sequence (👩‍💻) and the tags of a subdivision flag (🏴 + tags)
 * are how those emoji are written, so they stay; anywhere else they are refused above.
 */
const EMOJI_JOINER = /(?<=\p{Extended_Pictographic}\uFE0F?[\u{1F3FB}-\u{1F3FF}]?)\u200D(?=\p{Extended_Pictographic})/gu;
const EMOJI_TAG_SEQUENCE = /\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}/gu;

function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Normalises a milestone id (trimmed, Unicode NFC) or rejects it. Any script and
 * emoji are fine; control and invisible characters, lone surrogates and absurd lengths are not.
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
  const outsideEmoji = id.replace(EMOJI_TAG_SEQUENCE, '').replace(EMOJI_JOINER, '');
  for (const { pattern, what } of INVISIBLE_CHARACTERS) {
    const found = pattern.exec(outsideEmoji);
    if (found) {
      throw new SessionError('invalid-milestone-id', `A milestone id must not contain ${what} (${codePoint(found[0])}).`);
    }
  }
  if (/\p{Cs}/u.test(id)) {
    throw new SessionError('invalid-milestone-id', 'A milestone id must be well-formed Unicode.');
  }
  return id;
}
