/**
 * The packaged extension, as users on each platform get it: `npm run package:all` writes one
 * VSIX per target; each is opened and checked against its own allow-list here, the arm64 one
 * runs under emulation, and a wrong platform's one fails with a clear error. Installing the
 * linux-x64 one into a fresh workbench is vsixInstall.e2e.ts.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectToSessionHost } from '../../src/extension/host/client/launcher';
import type { SessionHostClient } from '../../src/extension/host/client/sessionHostClient';
import { isSessionError } from '../../src/extension/sessions';
import { repoRoot } from './harness';

/** The Windows VSIXs carry ConPTY's OpenConsole.exe and winpty (~1.4 MiB); the others ~290 KiB. */
function sizeBudgetBytes(target: string): number {
  return target.startsWith('win32-') ? 3 * 1024 * 1024 : 512 * 1024;
}
const EXECUTABLE = '-rwxr-xr-x';

interface NativeFile {
  /** What `file` says of it: the OS's binary format and the CPU. */
  readonly kind: RegExp;
  /** The mode VS Code restores on install, when it matters. */
  readonly mode?: string;
}

const TARGETS: Record<string, Record<string, NativeFile>> = {
  'linux-x64': { 'build/Release/pty.node': { kind: /^ELF 64-bit LSB shared object, x86-64\b/ } },
  'linux-arm64': { 'build/Release/pty.node': { kind: /^ELF 64-bit LSB shared object, ARM aarch64\b/ } },
  'darwin-x64': {
    'prebuilds/darwin-x64/pty.node': { kind: /^Mach-O 64-bit x86_64 bundle\b/ },
    'prebuilds/darwin-x64/spawn-helper': { kind: /^Mach-O 64-bit x86_64 executable\b/, mode: EXECUTABLE },
  },
  'darwin-arm64': {
    'prebuilds/darwin-arm64/pty.node': { kind: /^Mach-O 64-bit arm64 bundle\b/ },
    'prebuilds/darwin-arm64/spawn-helper': { kind: /^Mach-O 64-bit arm64 executable\b/, mode: EXECUTABLE },
  },
  'win32-x64': windowsNatives('win32-x64', 'x86-64'),
  'win32-arm64': windowsNatives('win32-arm64', 'Aarch64'),
};

/** node-pty's Windows prebuilds: PE files for the target's machine type, never their .pdb. */
function windowsNatives(target: string, machine: string): Record<string, NativeFile> {
  const pe = (subsystem: string) => new RegExp(`^PE32\\+ executable \\(${subsystem}\\).* ${machine}, for MS Windows`);
  return {
    [`prebuilds/${target}/pty.node`]: { kind: pe('DLL') },
    [`prebuilds/${target}/conpty.node`]: { kind: pe('DLL') },
    [`prebuilds/${target}/conpty_console_list.node`]: { kind: pe('DLL') },
    [`prebuilds/${target}/winpty.dll`]: { kind: pe('DLL') },
    [`prebuilds/${target}/winpty-agent.exe`]: { kind: pe('console') },
    [`prebuilds/${target}/conpty/conpty.dll`]: { kind: pe('DLL') },
    [`prebuilds/${target}/conpty/OpenConsole.exe`]: { kind: pe('GUI') },
  };
}

/** What node-pty's lib/index.js loads: the Unix terminal, or on Windows the agent, its output worker and the console-list agent. */
function nodePtyRuntime(target: string): string[] {
  const common = ['package.json', 'LICENSE', 'lib/index.js', 'lib/utils.js', 'lib/terminal.js', 'lib/eventEmitter2.js'];
  if (!target.startsWith('win32-')) {
    return [...common, 'lib/unixTerminal.js'];
  }
  const windows = ['windowsTerminal.js', 'windowsPtyAgent.js', 'windowsConoutConnection.js', 'conpty_console_list_agent.js', 'worker/conoutSocketWorker.js', 'shared/conout.js'];
  return [...common, ...windows.map((name) => `lib/${name}`)];
}

function vsixOf(target: string): string {
  return join(repoRoot, 'dist-vsix', `milestone-terminals-${target}.vsix`);
}

/** Everything but the native files: the same in every VSIX of the target's OS. */
function sharedEntries(target: string): string[] {
  return [
    'extension.vsixmanifest',
    '[Content_Types].xml',
    'extension/package.json',
    'extension/readme.md',
    'extension/LICENSE.txt',
    'extension/changelog.md',
    // The API's typings, for extensions that call it.
    'extension/api/milestone-terminals.d.ts',
    ...['extension.js', 'sessionHost.js', 'webview.js', 'webgl.js', 'webview.css', 'package-target.json'].map((name) => `extension/dist/${name}`),
    ...readdirSync(join(repoRoot, 'media'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => `extension/${join(entry.parentPath, entry.name).slice(repoRoot.length + 1)}`),
    ...nodePtyRuntime(target).map((name) => `extension/node_modules/node-pty/${name}`),
  ];
}

/** Entry name to its mode column, from zipinfo (which shows the Unix modes vsce stored). */
function entryModes(vsix: string): Map<string, string> {
  const modes = new Map<string, string>();
  for (const line of execFileSync('zipinfo', [vsix], { encoding: 'utf8' }).split('\n')) {
    const match = /^([-dl][rwx-]{9})\s.*\s(\S+)$/.exec(line);
    if (match) {
      modes.set(match[2], match[1]);
    }
  }
  return modes;
}

function unpack(vsix: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'mt-vsix-unpacked-'));
  execFileSync('unzip', ['-q', vsix, '-d', directory]);
  return directory;
}

describe('the per-platform VSIXs', () => {
  before(function () {
    this.timeout(180_000);
    execFileSync('npm', ['run', 'package:all'], { cwd: repoRoot, stdio: 'pipe' });
  });

  for (const [target, natives] of Object.entries(TARGETS)) {
    describe(target, () => {
      it('holds exactly its allow-list, within the size budget', () => {
        const vsix = vsixOf(target);
        const expected = [...sharedEntries(target), ...Object.keys(natives).map((name) => `extension/node_modules/node-pty/${name}`)];
        const entries = [...entryModes(vsix).keys()];
        assert.deepEqual(entries.sort(), expected.sort());
        assert.deepEqual(entries.filter((entry) => entry.endsWith('.pdb')), [], 'no debug symbols');
        assert.deepEqual(entries.filter((entry) => /\/prebuilds\/[^/]+\//.test(entry) && !entry.includes(`/prebuilds/${target}/`)), [], "no other platform's prebuilds");
        const size = statSync(vsix).size;
        assert.ok(size <= sizeBudgetBytes(target), `${target}: ${size} bytes, over the budget of ${sizeBudgetBytes(target)}`);
      });

      it('says its target in the manifest and in dist/package-target.json', () => {
        const manifest = execFileSync('unzip', ['-p', vsixOf(target), 'extension.vsixmanifest'], { encoding: 'utf8' });
        assert.match(manifest, new RegExp(`<Identity [^>]*TargetPlatform="${target}"`));
        const packaged = execFileSync('unzip', ['-p', vsixOf(target), 'extension/dist/package-target.json'], { encoding: 'utf8' });
        assert.deepEqual(JSON.parse(packaged), { target });
      });

      it("ships native binaries for its OS and CPU only, with the modes they need", () => {
        const modes = entryModes(vsixOf(target));
        const scratch = mkdtempSync(join(tmpdir(), 'mt-vsix-native-'));
        try {
          for (const [name, { kind, mode }] of Object.entries(natives)) {
            const entry = `extension/node_modules/node-pty/${name}`;
            const copy = join(scratch, name.replaceAll('/', '_'));
            // OpenConsole.exe is over a megabyte, execFileSync's default buffer.
            writeFileSync(copy, execFileSync('unzip', ['-p', vsixOf(target), entry], { maxBuffer: 16 * 1024 * 1024 }));
            assert.match(execFileSync('file', ['-b', copy], { encoding: 'utf8' }), kind, entry);
            if (mode !== undefined) {
              assert.equal(modes.get(entry), mode, `${entry} mode`);
            }
          }
          for (const [entry, mode] of modes) {
            assert.doesNotMatch(mode, /^.{8}w/, `${entry} is writable by anyone: ${mode}`);
          }
        } finally {
          rmSync(scratch, { recursive: true, force: true });
        }
      });
    });
  }

  it('runs the linux-arm64 pty.node under emulation: a shell echoes, resizes and exits; the session core tests pass', function () {
    this.timeout(300_000);
    const output = execFileSync(process.execPath, [join(repoRoot, 'scripts/smoke-arm64.mjs'), '--unit'], { cwd: repoRoot, encoding: 'utf8' });
    assert.match(output, /arm64 pty\.node: loaded, echoed, resized to 100x30, exited with 3/);
    assert.match(output, /\d+ passing/);
    assert.doesNotMatch(output, /\d+ failing/);
  });

  describe("another platform's VSIX", () => {
    let unpacked: string;
    let client: SessionHostClient | undefined;

    before(() => {
      unpacked = unpack(vsixOf('linux-arm64'));
    });

    after(() => {
      client?.dispose();
      rmSync(unpacked, { recursive: true, force: true });
    });

    it("keeps its session host running and fails a spawn saying which platform the package was for", async () => {
      const directory = join(unpacked, 'host');
      client = await connectToSessionHost({ hostScript: join(unpacked, 'extension/dist/sessionHost.js'), directory, idleShutdownMs: 1_000, clientVersion: 'test' });
      const running = `${process.platform}-${process.arch}`;
      await assert.rejects(
        client.create({ milestoneId: 'wrong-platform', command: 'sh' }),
        (error) =>
          isSessionError(error, 'pty-unavailable') &&
          error.message.includes(`does not load on ${running}`) &&
          error.message.includes(`This is the linux-arm64 package of Milestone Terminals; install the ${running} one`),
      );
      assert.deepEqual(client.list(), []);
    });
  });
});
