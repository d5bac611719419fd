/**
 * Splitting of terminal input into messages the host accepts. Pure: no DOM, node or
 * vscode imports, so it runs in the webview and in plain Node tests alike.
 */
import { MessageLimits } from './protocol';
import { isHighSurrogate, isLowSurrogate } from './surrogates';

/**
 * Cuts `data` into consecutive pieces of at most `maxChars` UTF-16 code units that
 * join back to `data` exactly. A cut never falls between the two halves of a
 * surrogate pair, because the host would turn each lone half into U+FFFD.
 */
export function splitInput(data: string, maxChars: number = MessageLimits.maxInputChars): string[] {
  if (!Number.isInteger(maxChars) || maxChars < 2) {
    // Below 2 a surrogate pair could never fit in one piece.
    throw new RangeError(`maxChars must be an integer of at least 2, got ${maxChars}`);
  }
  if (data.length <= maxChars) {
    return data.length === 0 ? [] : [data];
  }
  const pieces: string[] = [];
  let start = 0;
  while (start < data.length) {
    let end = Math.min(start + maxChars, data.length);
    if (end < data.length && isHighSurrogate(data.charCodeAt(end - 1)) && isLowSurrogate(data.charCodeAt(end))) {
      end -= 1;
    }
    pieces.push(data.slice(start, end));
    start = end;
  }
  return pieces;
}
