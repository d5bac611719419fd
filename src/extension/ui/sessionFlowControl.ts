import { FlowControl, type FlowWindow } from '../../shared/protocol';
import type { TerminalSession as Session } from '../sessions';

/** One view's share of a session's flow control. */
export interface FlowParticipant {
  /** Characters posted to the view and not yet acknowledged. */
  readonly unacknowledged: number;
  /** How far behind it may fall; VS Code's figures if not given. */
  readonly flowWindow?: FlowWindow;
}

const DEFAULT_WINDOW: FlowWindow = { highWatermarkChars: FlowControl.highWatermarkChars, lowWatermarkChars: FlowControl.lowWatermarkChars };

/**
 * Pauses a session's process while any live view is more than its high watermark
 * behind, and resumes it once every view is below its low one. Closed views, and
 * hidden ones that stopped acknowledging, take no part: they never stall the process.
 */
export class SessionFlowControl {
  private static readonly bySession = new WeakMap<Session, SessionFlowControl>();
  private readonly participants = new Set<FlowParticipant>();
  private paused = false;

  static for(session: Session): SessionFlowControl {
    let flow = SessionFlowControl.bySession.get(session);
    if (!flow) {
      flow = new SessionFlowControl(session);
      SessionFlowControl.bySession.set(session, flow);
    }
    return flow;
  }

  private constructor(private readonly session: Session) {}

  join(participant: FlowParticipant): void {
    this.participants.add(participant);
  }

  leave(participant: FlowParticipant): void {
    this.participants.delete(participant);
    this.update();
  }

  /** Re-evaluates after a participant's count changed. */
  update(): void {
    let aboveHigh = false;
    let allBelowLow = true;
    for (const participant of this.participants) {
      const window = participant.flowWindow ?? DEFAULT_WINDOW;
      aboveHigh ||= participant.unacknowledged > window.highWatermarkChars;
      allBelowLow &&= participant.unacknowledged < window.lowWatermarkChars;
    }
    if (!this.paused && aboveHigh) {
      this.paused = true;
      this.session.pause();
    } else if (this.paused && allBelowLow) {
      this.paused = false;
      this.session.resume();
    }
  }
}
