#!/usr/bin/env node
// Writes one VSIX per platform into dist-vsix/, offline: `npm run package:all`, or
// `node scripts/package.mjs linux-x64 …` for some. Each VSIX is packaged from a staging
// directory that holds exactly an allow-list (our bundles, media, and node-pty's runtime for
// that platform), so nothing a .vscodeignore pattern re-includes can slip in.
//
// Targets and where their native part comes from:
//   linux-x64     node-pty as npm built it here (build/Release/pty.node)
//   linux-arm64   node-pty cross-compiled here with Debian's aarch64 gcc/g++
//   darwin-x64,   node-pty 1.1.0's own prebuilds; spawn-helper made 0755 (the npm tarball
//   darwin-arm64  has 0644, and vsce keeps modes, so every spawn on a Mac would fail)
//   win32-x64,    node-pty 1.1.0's own prebuilds: pty.node (winpty), conpty.node, the
//   win32-arm64   console-list helper, winpty's agent and DLL, and the bundled conpty.dll with
//                 OpenConsole.exe (MILESTONE_TERMINALS_WINDOWS_PTY=conpty-dll); never the
//                 .pdb debug symbols beside them (4–6 MB each).
// Run it through npm (npm run …): npm tells it where its node-gyp and Node's headers are.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const output = join(repo, 'dist-vsix');
const nodePtyDirectory = dirname(createRequire(join(repo, 'package.json')).resolve('node-pty/package.json'));

/**
 * Measured 2026-11-28: the Linux and macOS VSIXs are 282–289 KiB, the Windows ones ~1.4 MiB
 * (OpenConsole.exe alone is 1.1 MB); budgets well above that still catch a stray dependency,
 * binary or a .pdb.
 */
function sizeBudgetBytes(target) {
  return target.startsWith('win32-') ? 3 * 1024 * 1024 : 512 * 1024;
}

const EXTENSION_FILES = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'api/milestone-terminals.d.ts', 'dist/extension.js', 'dist/sessionHost.js', 'dist/webview.js', 'dist/webgl.js', 'dist/webview.css'];
/** What lib/index.js loads on macOS and Linux: the Windows terminal, agent and ConPTY workers never. */
const NODE_PTY_UNIX_RUNTIME = ['LICENSE', 'lib/index.js', 'lib/utils.js', 'lib/unixTerminal.js', 'lib/terminal.js', 'lib/eventEmitter2.js'];
/** What it loads on Windows: the ConPTY/winpty agent, the output worker thread and the console-list agent it forks. */
const NODE_PTY_WINDOWS_RUNTIME = [
  'LICENSE',
  'lib/index.js',
  'lib/utils.js',
  'lib/terminal.js',
  'lib/eventEmitter2.js',
  'lib/windowsTerminal.js',
  'lib/windowsPtyAgent.js',
  'lib/windowsConoutConnection.js',
  'lib/conpty_console_list_agent.js',
  'lib/worker/conoutSocketWorker.js',
  'lib/shared/conout.js',
];

const CROSS_COMPILERS = { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', LINK: 'aarch64-linux-gnu-g++', AR: 'aarch64-linux-gnu-ar' };

/** Per target: which native files go where under node-pty/, their mode, and what `file` must say of each. */
const TARGETS = {
  'linux-x64': () => ({
    'build/Release/pty.node': { from: join(nodePtyDirectory, 'build/Release/pty.node'), mode: 0o755, kind: /ELF 64-bit LSB shared object, x86-64/ },
  }),
  'linux-arm64': () => ({
    'build/Release/pty.node': { from: crossCompileArm64(), mode: 0o755, kind: /ELF 64-bit LSB shared object, ARM aarch64/ },
  }),
  'darwin-x64': () => darwinPrebuild('darwin-x64', 'x86_64'),
  'darwin-arm64': () => darwinPrebuild('darwin-arm64', 'arm64'),
  'win32-x64': () => windowsPrebuild('win32-x64', 'x86-64'),
  'win32-arm64': () => windowsPrebuild('win32-arm64', 'Aarch64'),
};

/** The Windows prebuilds as node-pty's loader looks for them; modes mean nothing there. */
function windowsPrebuild(target, peMachine) {
  const prebuilt = join(nodePtyDirectory, 'prebuilds', target);
  const pe = (what) => new RegExp(`PE32\\+ executable \\(${what}\\).* ${peMachine}, for MS Windows`);
  const files = {
    'pty.node': pe('DLL'),
    'conpty.node': pe('DLL'),
    'conpty_console_list.node': pe('DLL'),
    'winpty.dll': pe('DLL'),
    'winpty-agent.exe': pe('console'),
    'conpty/conpty.dll': pe('DLL'),
    'conpty/OpenConsole.exe': pe('GUI'),
  };
  return Object.fromEntries(
    Object.entries(files).map(([file, kind]) => [`prebuilds/${target}/${file}`, { from: join(prebuilt, file), mode: 0o644, kind }]),
  );
}

function darwinPrebuild(target, machArch) {
  const prebuilt = join(nodePtyDirectory, 'prebuilds', target);
  return {
    [`prebuilds/${target}/pty.node`]: { from: join(prebuilt, 'pty.node'), mode: 0o644, kind: new RegExp(`Mach-O 64-bit ${machArch} bundle`) },
    [`prebuilds/${target}/spawn-helper`]: { from: join(prebuilt, 'spawn-helper'), mode: 0o755, kind: new RegExp(`Mach-O 64-bit ${machArch} executable`) },
  };
}

class MissingTool extends Error {}

function requireCommand(command, remedy) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
  } catch {
    throw new MissingTool(`${command} is missing: ${remedy}`);
  }
}

/** node-gyp offline: npm's own copy, against the headers of the Node that runs npm. */
function nodeGyp() {
  const gyp = process.env.npm_config_node_gyp;
  if (!gyp || !existsSync(gyp)) {
    throw new MissingTool('node-gyp not found: run this through npm (npm run package:all), which names its bundled node-gyp.');
  }
  const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
  if (!existsSync(join(nodedir, 'include/node/node_api.h'))) {
    throw new MissingTool(`Node's headers are not in ${nodedir}/include/node: set npm_config_nodedir to a Node installation that has them (node-gyp would download them otherwise).`);
  }
  return { gyp, nodedir };
}

function crossCompileArm64() {
  for (const compiler of new Set(Object.values(CROSS_COMPILERS))) {
    requireCommand(compiler, 'apt-get install -y gcc-aarch64-linux-gnu g++-aarch64-linux-gnu');
  }
  const { gyp, nodedir } = nodeGyp();
  // A copy of node-pty's sources, so the shared node_modules keeps its own x64 build.
  const source = join(output, 'build', 'node-pty-linux-arm64');
  rmSync(source, { recursive: true, force: true });
  mkdirSync(join(source, 'node_modules'), { recursive: true });
  for (const entry of ['binding.gyp', 'package.json', 'src']) {
    cpSync(join(nodePtyDirectory, entry), join(source, entry), { recursive: true });
  }
  const addonApi = dirname(createRequire(join(nodePtyDirectory, 'package.json')).resolve('node-addon-api/package.json'));
  cpSync(addonApi, join(source, 'node_modules/node-addon-api'), { recursive: true });
  execFileSync(process.execPath, [gyp, 'rebuild', '--arch=arm64', `--nodedir=${nodedir}`], {
    cwd: source,
    env: { ...process.env, ...CROSS_COMPILERS },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return join(source, 'build/Release/pty.node');
}

function describeFile(path) {
  return execFileSync('file', ['-b', path], { encoding: 'utf8' }).trim();
}

function copyInto(staging, relative, from = join(repo, relative)) {
  mkdirSync(dirname(join(staging, relative)), { recursive: true });
  cpSync(from, join(staging, relative), { recursive: true });
}

/** node-pty's manifest without its build-time dependencies and install scripts, which VS Code never runs. */
function runtimeManifest() {
  const { dependencies: _build, devDependencies: _dev, scripts: _scripts, ...runtime } = JSON.parse(readFileSync(join(nodePtyDirectory, 'package.json'), 'utf8'));
  return `${JSON.stringify(runtime, null, 2)}\n`;
}

function stage(target, natives) {
  const staging = join(output, 'staging', target);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const file of EXTENSION_FILES) {
    copyInto(staging, file);
  }
  copyInto(staging, 'media');
  const { icon } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  if (icon && !icon.startsWith('media/')) {
    copyInto(staging, icon);
  }
  // Lets a failed native load say which platform this package was for (see nativePty.ts).
  writeFileSync(join(staging, 'dist/package-target.json'), `${JSON.stringify({ target })}\n`);

  const nodePty = join(staging, 'node_modules/node-pty');
  mkdirSync(nodePty, { recursive: true });
  writeFileSync(join(nodePty, 'package.json'), runtimeManifest());
  for (const file of target.startsWith('win32-') ? NODE_PTY_WINDOWS_RUNTIME : NODE_PTY_UNIX_RUNTIME) {
    copyInto(nodePty, file, join(nodePtyDirectory, file));
  }
  for (const [relative, { from, mode, kind }] of Object.entries(natives)) {
    if (!existsSync(from)) {
      throw new MissingTool(`${target}: ${from} does not exist (npm ci builds node-pty for linux-x64; the darwin and win32 files come in node-pty's npm package).`);
    }
    const description = describeFile(from);
    if (!kind.test(description)) {
      throw new Error(`${target}: ${relative} is "${description}", expected ${kind}`);
    }
    copyInto(nodePty, relative, from);
    chmodSync(join(nodePty, relative), mode);
  }
  // Everything staged ships; vsce's own default exclusions still apply.
  writeFileSync(join(staging, '.vscodeignore'), '# The staging directory holds only what ships (scripts/package.mjs).\n');
  return staging;
}

function packageTarget(target) {
  const started = Date.now();
  const staging = stage(target, TARGETS[target]());
  const vsix = join(output, `milestone-terminals-${target}.vsix`);
  rmSync(vsix, { force: true });
  // No stdin: a vsce question fails the run instead of hanging it.
  const vsce = spawnSync(join(repo, 'node_modules/.bin/vsce'), ['package', '--target', target, '--out', vsix], { cwd: staging, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const said = `${vsce.stdout}${vsce.stderr}`;
  if (vsce.status !== 0) {
    throw new Error(`${target}: vsce failed:\n${said}`);
  }
  // A listing that vsce warns about would be published with the flaw.
  if (/WARNING/.test(said)) {
    throw new Error(`${target}: vsce warned:\n${said}`);
  }
  const size = statSync(vsix).size;
  if (size > sizeBudgetBytes(target)) {
    throw new Error(`${target}: the VSIX is ${size} bytes, over the budget of ${sizeBudgetBytes(target)}`);
  }
  return { target, size, seconds: (Date.now() - started) / 1000 };
}

function main() {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((target) => !(target in TARGETS));
  if (unknown.length > 0) {
    throw new MissingTool(`Unknown target ${unknown.join(', ')}; known: ${Object.keys(TARGETS).join(', ')} .`);
  }
  requireCommand('file', 'apt-get install -y file');
  execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: repo, stdio: 'inherit' });
  mkdirSync(output, { recursive: true });
  const results = (requested.length > 0 ? requested : Object.keys(TARGETS)).map(packageTarget);
  for (const { target, size, seconds } of results) {
    console.log(`${target.padEnd(13)} ${(size / 1024).toFixed(0).padStart(5)} KiB  ${seconds.toFixed(1)} s  dist-vsix/milestone-terminals-${target}.vsix`);
  }
}

try {
  main();
} catch (error) {
  console.error(error instanceof MissingTool ? `package: ${error.message}` : error);
  process.exit(1);
}
