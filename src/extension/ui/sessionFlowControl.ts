import { FlowControl } from '../../shared/protocol';
import type { TerminalSession as Session } from '../sessions';

/** One view's share of a session's flow control. */
export interface FlowParticipant {
  /** Characters posted to the view and not yet acknowledged. */
  readonly unacknowledged: number;
}

/**
 * Pauses a session's process while any live view is more than the high watermark
 * behind, and resumes it once every view is below the low one. Closed views, and
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
    let behind = 0;
    for (const participant of this.participants) {
      behind = Math.max(behind, participant.unacknowledged);
    }
    if (!this.paused && behind > FlowControl.highWatermarkChars) {
      this.paused = true;
      this.session.pause();
    } else if (this.paused && behind < FlowControl.lowWatermarkChars) {
      this.paused = false;
      this.session.resume();
    }
  }
}
