/**
 * Terminal output as plain text, for programs that read or match it (the API's waits):
 * escape sequences removed, line ends as "\n", other control characters dropped.
 */
import { SEQUENCE_LOOKBACK_CHARS, endOfEscapeSequence } from './escapeSequences';

const ESC = '\x1b';

/**
 * Strips a stream of output chunk by chunk: a sequence or a "\r\n" split across two
 * chunks is held back until the next one completes it.
 */
export class PlainTextStream {
  private carry = '';

  push(chunk: string): string {
    const text = this.carry + chunk;
    this.carry = '';
    let plain = '';
    for (let index = 0; index < text.length; ) {
      const character = text[index];
      if (character === ESC) {
        const end = endOfEscapeSequence(text, index);
        if (end === -1) {
          // A sequence longer than any we recognise is dropped rather than held forever.
          this.carry = text.length - index <= SEQUENCE_LOOKBACK_CHARS ? text.slice(index) : '';
          break;
        }
        index = end;
        continue;
      }
      if (character === '\r') {
        if (index + 1 === text.length) {
          this.carry = '\r'; // the "\n" of a "\r\n" may be in the next chunk
          break;
        }
        // A lone "\r" (a progress bar redrawing its line) ends a line too.
        plain += '\n';
        index += text[index + 1] === '\n' ? 2 : 1;
        continue;
      }
      if (character === '\n' || character === '\t' || !isControl(character.charCodeAt(0))) {
        plain += character;
      }
      index++;
    }
    return plain;
  }
}

/** C0 controls, DEL and C1 controls: they steer a terminal and show nothing. */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** All of `output` as plain text lines (no blank lines after the last text). */
export function plainTextLines(output: string): string[] {
  const lines = new PlainTextStream().push(output + '\n').split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}
