/**
 * Keystroke echo of a client that reads, while other clients of the same session host
 * have stopped reading (a hung window). The session host runs as its own process; the
 * good client is the real SessionHostClient attached to a `cat` session; each stuck
 * client is a raw socket that authenticates, attaches to the echo session and to a
 * session printing ~2 MB/s, then never reads again. Figures: ms from writing a character
 * to seeing its echo (p50/p95/max), and the host's RSS at the end, with 0 and 20 stuck
 * clients.
 *
 *   node out/bench/stuckClients.js [label=current] [keystrokes=200]
 *
 * Results are kept per label in bench/results/stuck-clients.json, so runs of two builds
 * (e.g. "before" and "after" a change) can sit side by side.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectToSessionHost } from '../src/extension/host/client/launcher';
import type { SessionHostClient } from '../src/extension/host/client/sessionHostClient';
import { hostPaths } from '../src/extension/host/hostPaths';
import { FrameKind, encodeJsonFrame } from '../src/extension/host/protocol/frames';
import { PROTOCOL_VERSION } from '../src/extension/host/protocol/messages';
import { repoRoot } from '../test/e2e/harness';
import { sample } from './lib/procstat';
import { percentile, printTable, round, saveResults } from './lib/report';
import { sleep } from './lib/workbench';

const label = process.argv[2] ?? 'current';
const keystrokes = Number(process.argv[3] ?? 200);
const STUCK_COUNTS = [0, 20];
/** 20 KB every 10 ms: steady output, as a build or a log tail would print. */
const TICKER = process.env.FAST ? ['-c', "import sys\nwhile True: sys.stdout.write('x' * 10000); sys.stdout.flush()"] : ['-c', "import sys, time\nwhile True:\n  sys.stdout.write('tick ' * 4000 + '\\r\\n'); sys.stdout.flush(); time.sleep(0.01)"];

interface Run {
  stuck: number;
  p50: number;
  p95: number;
  max: number;
  hostRssMiB: number;
  latencies: number[];
}

/** Authenticates, attaches to every session, then stops reading for good. */
async function stuckClient(directory: string, sessionIds: string[]): Promise<net.Socket> {
  const paths = hostPaths(directory);
  const socket = net.createConnection(paths.socket);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const send = (message: unknown) => socket.write(encodeJsonFrame(FrameKind.Control, message));
  send({ type: 'hello', token: readFileSync(paths.token, 'utf8').trim(), protocolVersion: PROTOCOL_VERSION, clientVersion: 'stuck' });
  sessionIds.forEach((sessionId, index) => send({ type: 'request', id: index + 1, request: { method: 'attach', sessionId } }));
  socket.pause();
  return socket;
}

async function measure(stuckCount: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'mt-stuck-bench-'));
  const directory = join(dir, 'host');
  const stuck: net.Socket[] = [];
  let client: SessionHostClient | undefined;
  try {
    client = await connectToSessionHost({ hostScript: join(repoRoot, 'dist', 'sessionHost.js'), directory, idleShutdownMs: 1_000 });
    const echo = await client.create({ milestoneId: 'echo', command: 'cat' });
    const ticker = await client.create({ milestoneId: 'ticker', command: '/usr/bin/python3', args: TICKER });
    for (let i = 0; i < stuckCount; i++) {
      stuck.push(await stuckClient(directory, [echo.id, ticker.id]));
    }
    let received = '';
    echo.onData((data) => (received += data));
    const attachment = echo.attach();
    // Let the stuck clients' backlogs build up before measuring.
    await sleep(2_000);
    const latencies: number[] = [];
    const alphabet = 'abcdefghijklmnopqrstuvwxyz';
    for (let i = 0; i < keystrokes; i++) {
      const ch = alphabet[i % alphabet.length];
      const before = received.length;
      const sent = performance.now();
      echo.write(ch);
      while (!received.slice(before).includes(ch)) {
        await new Promise((resolve) => setImmediate(resolve));
        if (performance.now() - sent > 10_000) {
          throw new Error(`no echo of ${ch} within 10 s`);
        }
      }
      latencies.push(performance.now() - sent);
      // A typist's pause between keys.
      await sleep(20 + Math.random() * 40);
    }
    const hostRssMiB = (sample(client.hostPid)?.rssKiB ?? NaN) / 1024;
    attachment.dispose();
    await client.close(ticker.id);
    await client.close(echo.id);
    return { stuck: stuckCount, p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies), hostRssMiB, latencies: latencies.map((value) => round(value, 2)) };
  } finally {
    for (const socket of stuck) {
      socket.destroy();
    }
    client?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  for (const count of STUCK_COUNTS) {
    runs.push(await measure(count));
  }
  printTable(`keystroke echo with stuck clients (${label}), ms`, ['stuck clients', 'p50', 'p95', 'max', 'host RSS MiB'], runs.map((run) => [run.stuck, run.p50, run.p95, run.max, run.hostRssMiB]));
  const file = join(repoRoot, 'bench', 'results', 'stuck-clients.json');
  const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).results as Record<string, unknown>) : {};
  saveResults('stuck-clients', { ...earlier, [label]: { keystrokes, flood: process.env.FAST ? 'fast' : 'ticker', runs } });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
