// Runs the integration suites in a desktop VS Code downloaded by @vscode/test-electron. Needs a
// network; CI and offline machines use test/e2e/run-integration.ts (code-server) instead.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

/** The extension's root: the nearest directory upwards whose package.json declares engines.vscode. */
function extensionRoot(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { engines?: { vscode?: string } };
      if (manifest.engines?.vscode) return dir;
    } catch {
      // no package.json here
    }
  }
  throw new Error(`runTest: no extension package.json above ${__dirname}`);
}

async function main(): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-test-electron-'));
  const workspace = path.join(scratch, 'workspace');
  fs.mkdirSync(workspace);
  await runTests({
    // Same VS Code as the pinned code-server, so both runners test one API version.
    version: '1.100.3',
    extensionDevelopmentPath: extensionRoot(),
    extensionTestsPath: path.join(__dirname, 'index.js'),
    extensionTestsEnv: {
      MT_TEST_SUMMARY: path.join(scratch, 'summary.json'),
      MT_TEST_LOG: path.join(scratch, 'mocha.log'),
    },
    launchArgs: [workspace, '--disable-extensions', '--user-data-dir', path.join(scratch, 'user-data')],
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
