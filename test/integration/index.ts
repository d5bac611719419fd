// Entry the extension host loads through extensionTestsPath: runs every *.test.js bundled beside
// this file with mocha. Output through the workbench console is unreliable, so the spec report also
// goes to $MT_TEST_LOG and a JSON summary to $MT_TEST_SUMMARY (both optional).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';
import type { TestSummary } from '../support/extension';

export async function run(): Promise<void> {
  const logFile = process.env.MT_TEST_LOG;
  const summaryFile = process.env.MT_TEST_SUMMARY;

  const log = (...args: unknown[]) => {
    if (logFile) fs.appendFileSync(logFile, util.format(...args) + '\n');
    console.log(...args);
  };
  // Every reporter line passes through Base.consoleLog; send it to the log file too.
  const consoleLog = Mocha.reporters.Base.consoleLog;
  Mocha.reporters.Base.consoleLog = log;
  Mocha.reporters.Base.useColors = false;

  let summary: TestSummary;
  try {
    summary = await runMocha();
  } catch (err) {
    // A test file that throws while loading makes mocha.run throw before any test ran.
    summary = { passes: 0, failures: 1, tests: 0, failed: [`loading the tests: ${String(err)}`] };
  } finally {
    Mocha.reporters.Base.consoleLog = consoleLog;
  }
  if (summaryFile) fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 2) + '\n');
  // Zero tests means the bundle is broken, not that everything passed.
  const problem =
    summary.failures > 0 ? `${summary.failures} integration test(s) failed: ${summary.failed.join('; ')}`
    : summary.tests === 0 ? `no *.test.js beside ${__filename}`
    : undefined;
  if (problem) {
    log(problem);
    throw new Error(problem);
  }
}

function runMocha(): Promise<TestSummary> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve) => {
    const summary: TestSummary = { passes: 0, failures: 0, tests: 0, failed: [] };
    const runner = mocha.run(() => resolve(summary));
    runner.on('test end', () => summary.tests++);
    runner.on('pass', () => summary.passes++);
    // Also fires for failing hooks, which 'test end' does not count.
    runner.on('fail', (test) => {
      summary.failures++;
      summary.failed.push(test.fullTitle());
    });
  });
}
