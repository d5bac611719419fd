import { execFile } from 'node:child_process';
import { promises as fsp, readFileSync } from 'node:fs';
import type { SignalName } from '../../shared/protocol';

/** Process ids by the id of the session (setsid) they belong to. */
type ProcessesBySession = ReadonlyMap<number, readonly number[]>;

/** How long one turn of signalling may hold the event loop that every session's echo shares. */
const SLICE_MS = 5;

/** The session id field of /proc/<pid>/stat (after the command name, which may contain spaces). */
async function readSessionId(pid: number): Promise<number | undefined> {
  try {
    const stat = await fsp.readFile(`/proc/${pid}/stat`, 'utf8');
    const sessionId = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    return sessionId > 0 ? sessionId : undefined;
  } catch {
    // The process ended while the table was read: it belongs to nobody now.
    return undefined;
  }
}

/**
 * Linux only: elsewhere (macOS has no /proc) the table is empty and only the session's
 * leader and its process group are signalled. Windows does not use it at all (see
 * WindowsConsoleControl).
 */
async function readProcessTable(): Promise<ProcessesBySession> {
  const bySession = new Map<number, number[]>();
  if (process.platform !== 'linux') {
    return bySession;
  }
  let entries: string[];
  try {
    entries = await fsp.readdir('/proc');
  } catch {
    return bySession;
  }
  const pids = entries.map(Number).filter((pid) => Number.isInteger(pid) && pid > 0);
  const sessionIds = await Promise.all(pids.map(readSessionId));
  pids.forEach((pid, index) => {
    const sessionId = sessionIds[index];
    if (sessionId === undefined) {
      return;
    }
    const members = bySession.get(sessionId);
    if (members) {
      members.push(pid);
    } else {
      bySession.set(sessionId, [pid]);
    }
  });
  return bySession;
}

function sendSignal(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {
    // ESRCH: it is already gone, which is what we wanted.
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface SignalRequest {
  readonly sessionId: number;
  readonly signals: readonly NodeJS.Signals[];
  /** Also signal the process group the session's leader heads (while the leader lives, its group id is its pid). */
  readonly includeLeaderGroup: boolean;
  readonly done: () => void;
}

/**
 * Reading /proc costs one file per process on the machine, and closing hundreds of
 * sessions sends thousands of signals; done per session and synchronously that froze
 * the host for seconds. Here every request of a moment (at least the rest of the
 * current tick) shares one asynchronous read, and the signals go out in short slices.
 * A request made while a read is under way waits for the next read, so it is never
 * answered from a table older than itself.
 */
class SessionSignaller {
  private queue: SignalRequest[] = [];
  private running = false;

  send(request: Omit<SignalRequest, 'done'>): Promise<void> {
    return new Promise((done) => {
      this.queue.push({ ...request, done });
      if (!this.running) {
        this.running = true;
        void this.run();
      }
    });
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      await nextTurn();
      const batch = this.queue.splice(0);
      const table = await readProcessTable();
      let sliceStartedAt = performance.now();
      for (const request of batch) {
        if (performance.now() - sliceStartedAt > SLICE_MS) {
          await nextTurn();
          sliceStartedAt = performance.now();
        }
        deliver(request, table.get(request.sessionId) ?? []);
        request.done();
      }
    }
    this.running = false;
  }
}

function deliver({ sessionId, signals, includeLeaderGroup }: SignalRequest, members: readonly number[]): void {
  for (const signal of signals) {
    if (includeLeaderGroup) {
      sendSignal(-sessionId, signal);
    }
    for (const pid of members) {
      sendSignal(pid, signal);
    }
  }
}

const signaller = new SessionSignaller();

/**
 * Sends `signals`, in order, to every process of the session that `sessionId` leads (a
 * pty child leads its own session): its jobs included, whatever process group they are in.
 * Resolves once they were sent.
 */
function signalProcessSession(sessionId: number, signals: readonly NodeJS.Signals[], options: { readonly includeLeaderGroup: boolean }): Promise<void> {
  return signaller.send({ sessionId, signals, includeLeaderGroup: options.includeLeaderGroup });
}

/** Fields of /proc/<pid>/stat after the command name, which may itself contain spaces. */
function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The terminal's foreground process group (what Ctrl+C would reach), on Linux. */
function foregroundProcessGroup(pid: number): number | undefined {
  const tpgid = Number(procStatFields(pid)?.[5]);
  return tpgid > 0 ? tpgid : undefined;
}

/** The part of a pty handle that interrupting and ending its processes needs. */
export interface PtyHandle {
  readonly pid: number;
  write(data: string): void;
  kill(): void;
}

/**
 * How the processes of one terminal are interrupted and ended: POSIX signals to the
 * pty's session and its groups, or on Windows (no signals, no sessions) the console's
 * own input and the process tree.
 */
export interface TerminalProcessControl {
  /** SIGINT/SIGTERM as the keyboard would send them; EOF as the keyboard's end of input. */
  signal(name: SignalName): void;
  /** The first step of closing: every process of the terminal is asked to end. */
  hangUp(): Promise<void>;
  /** The last step: whatever is left ends now. */
  kill(): Promise<void>;
  /** After the leader's exit, jobs that ignored the hangup. */
  killLeftovers(): Promise<void>;
}

class PosixSessionControl implements TerminalProcessControl {
  constructor(private readonly pty: PtyHandle) {}

  signal(name: SignalName): void {
    if (name === 'EOF') {
      this.pty.write('\x04');
      return;
    }
    const group = foregroundProcessGroup(this.pty.pid) ?? this.pty.pid;
    sendSignal(-group, name);
  }

  hangUp(): Promise<void> {
    return signalProcessSession(this.pty.pid, ['SIGHUP', 'SIGTERM'], { includeLeaderGroup: true });
  }

  kill(): Promise<void> {
    return signalProcessSession(this.pty.pid, ['SIGKILL'], { includeLeaderGroup: true });
  }

  /** After the leader's exit its pid may be reused by another process group: members only. */
  killLeftovers(): Promise<void> {
    return signalProcessSession(this.pty.pid, ['SIGKILL'], { includeLeaderGroup: false });
  }
}

/** What the Windows console reads as Ctrl+C, and as end of input (Ctrl+Z, then Enter). */
const WINDOWS_INTERRUPT = '\x03';
const WINDOWS_END_OF_INPUT = '\x1a\r';

/**
 * Windows: a pseudo console turns Ctrl+C typed into it into CTRL_C_EVENT for the
 * processes attached to it, so an interrupt is input. Closing the pseudo console (node-pty's
 * kill) sends CTRL_CLOSE_EVENT to every attached process and node-pty then ends its process
 * list; that is the hangup. A process that left the console (started in a window of its
 * own) is not in that list: taskkill /T ends the leader's whole tree, which only works
 * while the leader lives, so it is the last step before the exit, not after.
 */
class WindowsConsoleControl implements TerminalProcessControl {
  constructor(private readonly pty: PtyHandle) {}

  signal(name: SignalName): void {
    if (name === 'SIGINT') {
      this.pty.write(WINDOWS_INTERRUPT);
    } else if (name === 'EOF') {
      this.pty.write(WINDOWS_END_OF_INPUT);
    } else {
      // No polite termination request exists for a console program: closing its console is the nearest.
      this.closeConsole();
    }
  }

  async hangUp(): Promise<void> {
    this.closeConsole();
  }

  kill(): Promise<void> {
    this.closeConsole();
    return new Promise((resolve) => {
      // Fails when the tree is already gone, which is what was wanted.
      execFile('taskkill', ['/T', '/F', '/PID', String(this.pty.pid)], { windowsHide: true }, () => resolve());
    });
  }

  async killLeftovers(): Promise<void> {
    // Nothing to find any more: node-pty ended the console's processes when it closed it.
  }

  private closeConsole(): void {
    try {
      this.pty.kill();
    } catch {
      // Already closed (the process exited first): nothing is attached to it any more.
    }
  }
}

export function terminalProcessControl(pty: PtyHandle): TerminalProcessControl {
  return process.platform === 'win32' ? new WindowsConsoleControl(pty) : new PosixSessionControl(pty);
}
