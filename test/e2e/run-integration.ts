// CLI: runs out/test/integration/index.js in the extension host of a real, offline workbench.
// Usage: node out/test/e2e/run-integration.js [--untrusted] [--workbench oldest|newest] [tests-index.js] [extension-dir]
// --untrusted runs out/test/integration-untrusted instead, with workspace trust on and a workspace
// (fixture.ts) the user has not trusted. --workbench overrides MT_WORKBENCH (default: the oldest). Exits non-zero on any failure or when no test ran; the
// last line is "<suite>: N passed, M failed".
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeUntrustedWorkspace } from '../integration-untrusted/fixture';
import { isWorkbenchName, repoRoot, runIntegrationTests, workbenchFromEnvironment, WORKBENCH_NAMES, type WorkbenchName } from './harness';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const untrusted = args.includes('--untrusted');
  let workbench: WorkbenchName = workbenchFromEnvironment();
  const flag = args.indexOf('--workbench');
  if (flag >= 0) {
    const name = args[flag + 1];
    if (!isWorkbenchName(name)) throw new Error(`--workbench ${name}: expected one of ${WORKBENCH_NAMES.join(', ')}`);
    workbench = name;
    args.splice(flag, 2);
  }
  const [testsArg, extensionArg] = args.filter((arg) => arg !== '--untrusted');
  const suite = untrusted ? 'integration-untrusted' : 'integration';
  const testsPath = path.resolve(testsArg ?? path.join(repoRoot, `out/test/${suite}/index.js`));
  const extensionDevelopmentPath = path.resolve(extensionArg ?? repoRoot);
  if (!fs.existsSync(testsPath)) throw new Error(`${testsPath} missing; run npm run build`);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-integration-ws-'));
  if (untrusted) writeUntrustedWorkspace(workspace);
  const started = Date.now();
  try {
    const result = await runIntegrationTests({ testsPath, workspace, extensionDevelopmentPath, workspaceTrust: untrusted, workbench });
    for (const title of result.failed) console.log(`FAILED: ${title}`);
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
    console.log(`${suite} (${workbench}): ${result.passes} passed, ${result.failures} failed`);
    return result.failures === 0 && result.tests > 0 ? 0 : 1;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    console.log('integration: 0 passed, 1 failed');
    process.exit(1);
  },
);
