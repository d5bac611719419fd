import { DisposableBase, Emitter, MutableDisposable, disposableTimeout, type Event } from '../../sessions';

/**
 * Silence, in beat intervals, after which the client notes in its log that the host is late.
 * A little over one interval: one beat may be a timer's jitter late.
 */
export const LATE_AFTER_BEATS = 1.5;
/** ... and after which it calls the host unresponsive: a few beats lost in a row is no jitter. */
export const UNRESPONSIVE_AFTER_BEATS = 3;

/**
 * Tells a host that stopped answering (SIGSTOP, a frozen machine, a blocked event loop)
 * from one that is gone (a closed socket is reported elsewhere). Anything the host sends
 * counts as a sign of life; its heartbeats make sure something arrives while it is idle.
 * Two waits, as VS Code's pty host client has: the first only logs, the second says
 * unresponsive; the next thing heard says responsive again.
 */
export class HostHeartbeat extends DisposableBase {
  private lastHeardAt = Date.now();
  /** Set once silence was noticed (logged, or worse), until the host is heard again. */
  private late = false;
  private unresponsive = false;
  private readonly check = this.register(new MutableDisposable());
  private wakeAt = 0;

  private readonly _onDidBecomeUnresponsive = this.register(new Emitter<void>());
  readonly onDidBecomeUnresponsive: Event<void> = this._onDidBecomeUnresponsive.event;
  private readonly _onDidBecomeResponsive = this.register(new Emitter<void>());
  readonly onDidBecomeResponsive: Event<void> = this._onDidBecomeResponsive.event;

  constructor(
    private readonly intervalMs: number,
    private readonly log: (message: string) => void,
  ) {
    super();
    this.schedule();
  }

  get responsive(): boolean {
    return !this.unresponsive;
  }

  /** The host sent something. Called per frame, so it only notes the time unless the host was late. */
  heard(): void {
    this.lastHeardAt = Date.now();
    if (!this.late) {
      return;
    }
    this.late = false;
    if (this.unresponsive) {
      this.unresponsive = false;
      this.log('The session host is responding again.');
      this._onDidBecomeResponsive.fire();
    }
    this.schedule();
  }

  /** Wakes at the next point where silence would matter; a wake after recent news only re-arms. */
  private schedule(): void {
    const silentFor = Date.now() - this.lastHeardAt;
    const lateAt = this.intervalMs * LATE_AFTER_BEATS;
    const unresponsiveAt = this.intervalMs * UNRESPONSIVE_AFTER_BEATS;
    if (silentFor >= unresponsiveAt) {
      this.check.clear();
      this.late = true;
      this.unresponsive = true;
      this.log(`The session host has sent nothing for ${silentFor} ms (it beats every ${this.intervalMs} ms); it is not responding.`);
      this._onDidBecomeUnresponsive.fire();
      return;
    }
    if (silentFor >= lateAt && !this.late) {
      this.late = true;
      this.log(`No heartbeat from the session host for ${silentFor} ms (it beats every ${this.intervalMs} ms).`);
    }
    this.arm((this.late ? unresponsiveAt : lateAt) - silentFor);
  }

  private arm(delayMs: number): void {
    this.wakeAt = Date.now() + delayMs;
    this.check.value = disposableTimeout(() => this.wake(), delayMs);
  }

  private wake(): void {
    // Woken far too late, this process was stalled itself (a busy extension host): what the
    // host sent meanwhile is still unread, so it gets one more interval before being judged.
    if (Date.now() - this.wakeAt > this.intervalMs) {
      this.arm(this.intervalMs);
      return;
    }
    this.schedule();
  }
}
