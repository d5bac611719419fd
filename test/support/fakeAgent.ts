/** What the fake agent (test/support/fakeAgentMain.ts) prints and how it ends; tests import these. */
import * as path from 'node:path';

export const FAKE_AGENT_EXIT_CODE = 3;
export const FAKE_AGENT_PROMPT = 'Continue? [y/n] ';
export const FAKE_AGENT_NOTIFICATION = 'fake agent needs your input';

/** The compiled script, from any compiled test under out/test/<suite>/. */
export function fakeAgentScript(outTestDirectory: string): string {
  return path.join(outTestDirectory, '..', 'support', 'fakeAgentMain.js');
}
