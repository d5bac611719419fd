import { FlowControl } from '../shared/protocol';

/**
 * Counts characters xterm has finished parsing and reports them in batches, so the
 * host can pause a flooding process instead of overrunning xterm's write buffer.
 */
export class AckBatcher {
  private unacknowledgedChars = 0;

  constructor(
    private readonly sendAck: (chars: number) => void,
    private readonly batchChars: number = FlowControl.ackBatchChars,
  ) {}

  /** Call from xterm's write callback with the length of the data written. */
  parsed(chars: number): void {
    this.unacknowledgedChars += chars;
    if (this.unacknowledgedChars >= this.batchChars) {
      const batch = this.unacknowledgedChars;
      this.unacknowledgedChars = 0;
      this.sendAck(batch);
    }
  }
}
