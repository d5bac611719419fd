/**
 * CPU of the extension host's share of a flood, without VS Code: a session host
 * client receiving `cat` of a large file, measured with process.cpuUsage() in this
 * process (the client) while the session host runs as its own process.
 *
 *   node out/bench/clientPath.js [MB=50]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectToSessionHost } from '../src/extension/host/client/launcher';

async function main(): Promise<void> {
  const megabytes = Number(process.argv[2] ?? 50);
  const dir = mkdtempSync(join(tmpdir(), 'mt-client-bench-'));
  const file = join(dir, 'flood.txt');
  const line = '\x1b[32mok\x1b[0m build step 42 — résumé 漢字 ' + 'x'.repeat(60) + '\r\n';
  writeFileSync(file, line.repeat(Math.ceil((megabytes * 1024 * 1024) / Buffer.byteLength(line))));
  const client = await connectToSessionHost({ hostScript: join(__dirname, '..', '..', 'dist', 'sessionHost.js'), directory: join(dir, 'host'), idleShutdownMs: 1_000 });
  const session = await client.create({ milestoneId: 'flood', command: 'sh', args: ['-c', `sleep 0.2; cat ${file}; echo END-OF-FLOOD`] });
  // Output goes only to clients that show the session.
  const attachment = session.attach();
  let received = 0;
  let tail = '';
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  await new Promise<void>((resolve) => {
    session.onData((data) => {
      received += data.length;
      tail = (tail + data).slice(-64);
      if (tail.includes('END-OF-FLOOD')) {
        resolve();
      }
    });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const bytes = megabytes * 1024 * 1024;
  console.table([{ MB: megabytes, seconds: seconds.toFixed(2), 'MB/s': (megabytes / seconds).toFixed(1), 'client CPU s': cpuSeconds.toFixed(2), 'client ns/B': ((cpuSeconds * 1e9) / bytes).toFixed(1), chars: received }]);
  attachment.dispose();
  await client.close(session.id);
  client.dispose();
}

void main();
