/**
 * Just enough of the VT parser's grammar to know where an escape sequence ends, so
 * that trimming old output never leaves half a sequence at the front of a replay
 * (xterm would print its tail as text, or swallow the following output).
 */
import { isLowSurrogate } from '../../shared/surrogates';

const ESC = 0x1b;
const BEL = 0x07;
const CAN = 0x18;
const SUB = 0x1a;
const BACKSLASH = 0x5c;

/**
 * How far before a cut we look for the ESC that may have started a sequence the cut
 * splits. Sequences longer than this (rare: large OSC 52 clipboard payloads) are
 * not recognised and may leave their tail at the front.
 */
export const SEQUENCE_LOOKBACK_CHARS = 4096;

function isStringSequenceIntroducer(code: number): boolean {
  // OSC ']', DCS 'P', SOS 'X', PM '^', APC '_': a payload ended by BEL or ST (ESC \).
  return code === 0x5d || code === 0x50 || code === 0x58 || code === 0x5e || code === 0x5f;
}

/**
 * Index just past the escape sequence that starts at `start` (where text[start] is ESC),
 * or -1 when the sequence is still open at the end of `text`.
 */
export function endOfEscapeSequence(text: string, start: number): number {
  let index = start + 1;
  if (index >= text.length) {
    return -1;
  }
  const introducer = text.charCodeAt(index);
  if (introducer === 0x5b) {
    // CSI: parameter and intermediate bytes until a final byte 0x40..0x7e.
    for (index++; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code >= 0x40 && code <= 0x7e) {
        return index + 1;
      }
      if (code === CAN || code === SUB) {
        return index + 1;
      }
      if (code === ESC) {
        return index; // an ESC aborts the sequence and starts the next one
      }
    }
    return -1;
  }
  if (isStringSequenceIntroducer(introducer)) {
    for (index++; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === BEL || code === CAN || code === SUB) {
        return index + 1;
      }
      if (code === ESC) {
        if (index + 1 >= text.length) {
          return -1;
        }
        // ESC \ is the string terminator; any other ESC aborts the string.
        return text.charCodeAt(index + 1) === BACKSLASH ? index + 2 : index;
      }
    }
    return -1;
  }
  // Other sequences: intermediate bytes 0x20..0x2f, then one final byte.
  for (; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x2f) {
      return code === ESC ? index : index + 1;
    }
  }
  return -1;
}

/**
 * The smallest index >= `cut` at which `text` may start without beginning inside an
 * escape sequence or between the halves of a surrogate pair. Returns `text.length`
 * when everything after `cut` belongs to a sequence that is still open.
 */
export function safeStartIndex(text: string, cut: number): number {
  const lowestStart = Math.max(0, cut - SEQUENCE_LOOKBACK_CHARS);
  let safe = cut;
  for (let index = cut - 1; index >= lowestStart; index--) {
    if (text.charCodeAt(index) === ESC) {
      // The last ESC before the cut decides: anything earlier ended when it began.
      const end = endOfEscapeSequence(text, index);
      safe = end === -1 ? text.length : Math.max(cut, end);
      break;
    }
  }
  if (safe < text.length && safe > 0 && isLowSurrogate(text.charCodeAt(safe))) {
    safe++;
  }
  return safe;
}

/**
 * The escape sequence still open at the end of `text` (what follows will complete
 * it), or ''. A terminal that has parsed `text` holds this in its parser, not on its
 * screen, so a serialized screen must carry it on for the next output to make sense.
 */
export function unterminatedSequence(text: string): string {
  const lowestStart = Math.max(0, text.length - SEQUENCE_LOOKBACK_CHARS);
  for (let index = text.length - 1; index >= lowestStart; index--) {
    if (text.charCodeAt(index) === ESC) {
      return endOfEscapeSequence(text, index) === -1 ? text.slice(index) : '';
    }
  }
  return '';
}
