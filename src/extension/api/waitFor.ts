/**
 * The API's waits on a session: for its exit, for a quiet spell, or for output matching a
 * pattern. No vscode import: the unit tests run it against a real session host.
 */
import { DisposableStore, MutableDisposable, PlainTextStream, disposableTimeout, type TerminalSession, type TerminalSessionManager } from '../sessions';
import type { WaitResult } from '../../../api/milestone-terminals';
import { ApiError } from './apiErrors';
import type { WaitConditionSpec, WaitOptionsSpec } from './apiArguments';

/** How much of the latest plain-text output a pattern sees: bounded, so a flood costs each test at most this. */
export const MATCH_WINDOW_CHARS = 32 * 1024;

/** Output as plain text, kept to the last MATCH_WINDOW_CHARS, tested against a pattern as it grows. */
export class OutputMatcher {
  private readonly stream = new PlainTextStream();
  private window = '';

  constructor(private readonly pattern: RegExp) {}

  /** Adds an output chunk; the matched text once the pattern matches. */
  push(chunk: string): string | undefined {
    return this.test((this.window + this.stream.push(chunk)).slice(-MATCH_WINDOW_CHARS));
  }

  /** Puts text that was on the screen before the output seen so far. */
  prepend(screenText: string): string | undefined {
    return this.test((screenText + this.window).slice(-MATCH_WINDOW_CHARS));
  }

  private test(window: string): string | undefined {
    this.window = window;
    return this.pattern.exec(window)?.[0];
  }
}

type Outcome = Pick<WaitResult, 'reason' | 'matched'>;

function describeExit(session: TerminalSession): string {
  return session.exitCode === undefined ? 'ended' : `exited with code ${session.exitCode}`;
}

/** Waits on `session` as `condition` says; see WaitCondition in api/milestone-terminals.d.ts. */
export async function waitForSession(manager: TerminalSessionManager, session: TerminalSession, condition: WaitConditionSpec, options: WaitOptionsSpec): Promise<WaitResult> {
  const subscriptions = new DisposableStore();
  let outcome: Outcome;
  try {
    outcome = await new Promise<Outcome>((resolve, reject) => {
      const what = `"${session.milestoneId}"`;
      if (options.timeoutMs !== undefined) {
        const timeoutMs = options.timeoutMs;
        subscriptions.add(disposableTimeout(() => reject(new ApiError('timeout', `Waited ${timeoutMs} ms for ${describeCondition(condition)} of ${what}.`)), timeoutMs));
      }
      subscriptions.add(
        manager.onDidChangeSessions(({ kind, session: changed }) => {
          if (kind === 'closed' && changed.id === session.id) {
            reject(new ApiError('session-closed', `The session of ${what} was closed while waiting for ${describeCondition(condition)}.`));
          }
        }),
      );
      const whenExited = (onExit: () => void) => {
        // onDidChange also covers a host that went away, which ends every session without an exit event.
        const check = () => session.state === 'exited' && onExit();
        subscriptions.add(session.onExit(check));
        subscriptions.add(session.onDidChange(check));
        check();
      };
      switch (condition.kind) {
        case 'exit':
          whenExited(() => resolve({ reason: 'exit', matched: undefined }));
          break;
        case 'idle': {
          subscriptions.add(session.watchOutput());
          const quiet = subscriptions.add(new MutableDisposable());
          const restart = () => {
            quiet.value = disposableTimeout(() => resolve({ reason: 'idle', matched: undefined }), condition.idleMs);
          };
          subscriptions.add(session.onData(restart));
          restart();
          break;
        }
        case 'output': {
          const matcher = new OutputMatcher(condition.pattern);
          const found = (matched: string | undefined) => matched !== undefined && resolve({ reason: 'output', matched });
          // Watched before the screen is read: output from then on arrives, none is lost in between.
          subscriptions.add(session.watchOutput());
          subscriptions.add(session.onData((chunk) => found(matcher.push(chunk))));
          const failOnExit = () =>
            whenExited(() => reject(new ApiError('session-exited', `${what} ${describeExit(session)} before its output matched ${condition.pattern}.`)));
          if (condition.includeScreen) {
            session.screenText().then((lines) => {
              found(matcher.prepend(lines.join('\n') + '\n'));
              failOnExit();
            }, reject);
          } else {
            failOnExit();
          }
          break;
        }
      }
    });
  } finally {
    subscriptions.dispose();
  }
  return {
    ...outcome,
    state: session.state,
    exitCode: session.exitCode,
    signal: session.exitSignal,
    lastLines: options.lastLines === 0 ? [] : (await session.screenText().catch(() => [])).slice(-options.lastLines),
  };
}

function describeCondition(condition: WaitConditionSpec): string {
  switch (condition.kind) {
    case 'exit':
      return 'the exit';
    case 'idle':
      return `${condition.idleMs} ms without output`;
    case 'output':
      return `output matching ${condition.pattern}`;
  }
}
