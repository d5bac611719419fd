/** Facts about the extension under test that several suites need. */

/** publisher.name from package.json, as VS Code identifies the extension. */
export const EXTENSION_ID = 'milestone-terminals.milestone-terminals';

/** What a mocha run inside the extension host reports: written by test/integration/index.ts, read by the e2e harness. */
export interface TestSummary {
  passes: number;
  failures: number;
  tests: number;
  /** Full titles of the failed tests (and hooks). */
  failed: string[];
}
