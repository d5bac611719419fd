import { FlowControl } from '../../shared/protocol';
import { isHighSurrogate } from '../../shared/surrogates';
import { unterminatedSequence } from '../sessions/escapeSequences';

/** Device status request; a terminal answers STATUS_OK once it has parsed everything before it. */
const STATUS_REQUEST = '\x1b[5n';
const STATUS_OK = '\x1b[0n';

/**
 * Acknowledgements for a terminal that sends none: VS Code's terminal panel ignores
 * a Pseudoterminal's flow control. After each batch of output a status request goes
 * with it, and xterm answers only once it has parsed that far, so the answer is the
 * ack. Requests go only between escape sequences and characters, never into one;
 * the process's own status requests are told apart by their place in the stream,
 * and their answers still reach it.
 */
export class InBandAcks {
  /** Characters written and not yet known to be parsed. */
  unacknowledged = 0;
  private sinceRequest = 0;
  /** Unanswered status requests in stream order: ours hold the characters their answer acknowledges. */
  private readonly pending: Array<number | 'process'> = [];
  /** The tail of the last output, to find a request of the process split across two chunks. */
  private carry = '';
  /** An escape sequence the output has begun and not ended: no request may go in there. */
  private openSequence = '';

  constructor(private readonly batchChars: number = FlowControl.ackBatchChars) {}

  /** What to write for `data`: itself, followed by a status request when a batch is complete. */
  outgoing(data: string): string {
    const scanned = this.carry + data;
    for (let at = scanned.indexOf(STATUS_REQUEST); at !== -1; at = scanned.indexOf(STATUS_REQUEST, at + 1)) {
      this.pending.push('process');
    }
    this.carry = scanned.slice(1 - STATUS_REQUEST.length);
    this.unacknowledged += data.length;
    this.sinceRequest += data.length;
    this.openSequence = unterminatedSequence(this.openSequence + data);
    const inCharacter = isHighSurrogate(data.charCodeAt(data.length - 1));
    if (this.sinceRequest < this.batchChars || this.openSequence || inCharacter) {
      return data;
    }
    this.pending.push(this.sinceRequest);
    this.sinceRequest = 0;
    this.carry = ''; // nothing of the process's can straddle our request
    return data + STATUS_REQUEST;
  }

  /** The terminal's input without the answers to our requests: what the process should get. */
  incoming(input: string): string {
    if (!input.includes(STATUS_OK)) {
      return input;
    }
    const [first, ...rest] = input.split(STATUS_OK);
    let forward = first;
    for (const part of rest) {
      const request = this.pending.shift();
      if (typeof request === 'number') {
        this.unacknowledged = Math.max(0, this.unacknowledged - request);
      } else {
        forward += STATUS_OK; // the process asked (or nobody did: pass it on unchanged)
      }
      forward += part;
    }
    return forward;
  }
}
