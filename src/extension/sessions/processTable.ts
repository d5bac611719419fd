import { promises as fsp } from 'node:fs';

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

export function sendSignal(target: number, signal: NodeJS.Signals): void {
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
export function signalProcessSession(sessionId: number, signals: readonly NodeJS.Signals[], options: { readonly includeLeaderGroup: boolean }): Promise<void> {
  return signaller.send({ sessionId, signals, includeLeaderGroup: options.includeLeaderGroup });
}
