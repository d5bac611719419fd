/**
 * Replay buffer throughput: ours (running total, O(1) append) against the seed's
 * algorithm (append, then re-sum every chunk and evict whole chunks from the front).
 * Feeds 100 MB of PTY-like chunks per workload and prints appends/s and ns/byte.
 *
 *   node out/bench/replayBuffer.js [megabytes]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_REPLAY_BUFFER_BYTES, ReplayBuffer } from '../src/extension/sessions/replayBuffer';

interface Buffering {
  add(data: string): void;
  readonly byteLength: number;
}

/** The seed's behaviour, written plainly: O(chunks) work on every append. */
class SeedReplayBuffer implements Buffering {
  private chunks: Array<{ text: string; bytes: number }> = [];
  byteLength = 0;
  constructor(private readonly capacityBytes: number) {}
  add(data: string): void {
    this.chunks.push({ text: data, bytes: Buffer.byteLength(data) });
    let total = this.chunks.reduce((sum, chunk) => sum + chunk.bytes, 0);
    while (total > this.capacityBytes && this.chunks.length > 0) {
      total -= this.chunks.shift()!.bytes;
    }
    this.byteLength = total;
  }
}

/** Deterministic pseudo-random numbers, so every run sees the same chunks. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

function colouredText(length: number, random: () => number): string {
  const words = ['build', 'ok', 'échec', '✓', '漢字', 'src/extension/sessions', '🚀', 'warning:', '[', ']', '\t'];
  let text = '';
  while (text.length < length) {
    if (random() < 0.1) {
      text += `\x1b[3${Math.floor(random() * 8)}m`;
    } else if (random() < 0.05) {
      text += '\x1b[0m\r\n';
    } else {
      text += words[Math.floor(random() * words.length)] + ' ';
    }
  }
  return text.slice(0, length);
}

interface Workload {
  name: string;
  sizes: () => number;
}

function workloads(random: () => number): Workload[] {
  return [
    { name: 'keystroke echo (1-8 B)', sizes: () => 1 + Math.floor(random() * 8) },
    { name: 'echo loop (~23 B)', sizes: () => 16 + Math.floor(random() * 16) },
    { name: 'bulk output (4 KiB)', sizes: () => 4096 },
    { name: 'mixed PTY chunks (1 B-19 KiB)', sizes: () => (random() < 0.5 ? 1 + Math.floor(random() * 64) : 256 + Math.floor(random() * 19 * 1024)) },
  ];
}

interface Figures {
  appends: number;
  bytes: number;
  seconds: number;
  appendsPerSecond: number;
  nsPerByte: number;
}

function measure(buffer: Buffering, chunks: string[], chunkBytes: number[], targetBytes: number): Figures {
  let appends = 0;
  let bytes = 0;
  const started = process.hrtime.bigint();
  while (bytes < targetBytes) {
    const index = appends % chunks.length;
    buffer.add(chunks[index]);
    bytes += chunkBytes[index];
    appends++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (buffer.byteLength > DEFAULT_REPLAY_BUFFER_BYTES) {
    throw new Error('buffer exceeded its cap');
  }
  return { appends, bytes, seconds, appendsPerSecond: appends / seconds, nsPerByte: (seconds * 1e9) / bytes };
}

function main(): void {
  const megabytes = Number(process.argv[2] ?? 100);
  const targetBytes = megabytes * 1024 * 1024;
  const random = generator(42);
  const rows: Array<Record<string, string | number>> = [];
  for (const workload of workloads(random)) {
    const chunks = Array.from({ length: 4096 }, () => colouredText(workload.sizes(), random));
    const chunkBytes = chunks.map((chunk) => Buffer.byteLength(chunk));
    // The seed is quadratic on tiny chunks: give it a smaller share and scale, or it runs for minutes.
    const seedTarget = workload.name.startsWith('keystroke') || workload.name.startsWith('echo') ? targetBytes / 50 : targetBytes;
    measure(new ReplayBuffer(), chunks, chunkBytes, targetBytes / 20); // JIT warm-up
    const ours = measure(new ReplayBuffer(), chunks, chunkBytes, targetBytes);
    const seed = measure(new SeedReplayBuffer(DEFAULT_REPLAY_BUFFER_BYTES), chunks, chunkBytes, seedTarget);
    rows.push({
      workload: workload.name,
      'MB fed (ours/seed)': `${(ours.bytes / 1048576).toFixed(0)}/${(seed.bytes / 1048576).toFixed(0)}`,
      'ours appends/s': Math.round(ours.appendsPerSecond),
      'ours ns/B': Number(ours.nsPerByte.toFixed(3)),
      'seed appends/s': Math.round(seed.appendsPerSecond),
      'seed ns/B': Number(seed.nsPerByte.toFixed(3)),
      'speed-up': Number((seed.nsPerByte / ours.nsPerByte).toFixed(1)),
    });
  }
  console.table(rows);
  const resultsDir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'replay-buffer.json'), JSON.stringify({ node: process.version, megabytes, rows }, null, 2) + '\n');
}

main();
