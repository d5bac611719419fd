/**
 * The transcript's cost on the flood path: a hosted session prints MB of mixed terminal
 * output as fast as the PTY goes, and a real SessionHostClient that shows it receives all
 * of it. MB/s from the session's start to its end marker at the client, with transcripts
 * off (cap 0) and on (the default 32 MiB cap, so a flood longer than 16 MiB rotates),
 * rounds alternating. Plain Node, the session host as its own process, no UI.
 *
 *   node out/bench/transcript.js [megabytes=100] [rounds=5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectToSessionHost } from '../src/extension/host/client/launcher';
import { DEFAULT_TRANSCRIPT_MAX_BYTES } from '../src/extension/host/daemon/transcript';
import { repoRoot } from '../test/e2e/harness';
import { numberArg } from './lib/args';
import { percentile, printTable, round, saveResults } from './lib/report';

const megabytes = numberArg(0, 100);
const rounds = numberArg(1, 5);
const END_MARK = 'TRANSCRIPT-BENCH-END';

/** Coloured log lines, long lines and UTF-8, ~`megabytes` MB, then the end marker. */
const FLOOD = [
  '-c',
  `import sys
line = '\\x1b[32m[%08d]\\x1b[0m \\x1b[1mbuild\\x1b[0m compile résumé 日本語 → ✓ src/extension/host/server.ts ' + 'x' * 60 + '\\n'
out = sys.stdout.buffer
chunk = ''.join(line % i for i in range(1000)).encode()
for _ in range(${megabytes} * 1000000 // len(chunk)): out.write(chunk)
out.write(b'${END_MARK}\\n')
out.flush()`,
];

interface Run {
  readonly transcript: 'off' | 'on';
  readonly seconds: number;
  readonly mbPerSecond: number;
}

async function measure(transcriptMaxBytes: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'mt-transcript-bench-'));
  const client = await connectToSessionHost({ hostScript: join(repoRoot, 'dist', 'sessionHost.js'), directory: join(dir, 'host'), idleShutdownMs: 1_000 });
  try {
    await client.configure({ detachedTimeoutMs: 0, replayBufferBytes: 64 * 1024, transcriptMaxBytes });
    let bytes = 0;
    let tail = '';
    const started = performance.now();
    const session = await client.create({ milestoneId: 'flood', command: '/usr/bin/python3', args: FLOOD });
    const attachment = session.attach();
    await new Promise<void>((resolve) => {
      session.onData((data) => {
        bytes += Buffer.byteLength(data);
        tail = (tail + data).slice(-100);
        if (tail.includes(END_MARK)) {
          resolve();
        }
      });
    });
    const seconds = (performance.now() - started) / 1000;
    attachment.dispose();
    await client.close(session.id);
    return { transcript: transcriptMaxBytes > 0 ? 'on' : 'off', seconds: round(seconds, 2), mbPerSecond: round(bytes / 1e6 / seconds, 1) };
  } finally {
    client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  for (let index = 0; index < rounds; index++) {
    runs.push(await measure(0));
    runs.push(await measure(DEFAULT_TRANSCRIPT_MAX_BYTES));
  }
  const median = (transcript: Run['transcript']) => percentile(runs.filter((run) => run.transcript === transcript).map((run) => run.mbPerSecond), 50);
  const off = median('off');
  const on = median('on');
  printTable(`flood of ${megabytes} MB through the session host to one client, MB/s`, ['transcript', 'median MB/s', 'runs'], [
    ['off', off, runs.filter((run) => run.transcript === 'off').map((run) => run.mbPerSecond).join(' ')],
    ['on (32 MiB cap)', on, runs.filter((run) => run.transcript === 'on').map((run) => run.mbPerSecond).join(' ')],
  ]);
  const costPercent = round((1 - on / off) * 100, 1);
  console.log(`transcript cost: ${costPercent}% lower throughput (goal < 10%)`);
  saveResults('transcript', { megabytes, rounds, medianMbPerSecond: { off, on }, costPercent, runs });
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
