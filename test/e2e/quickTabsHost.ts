/**
 * Not a test file: quickTabs.e2e.ts loads this bundle into the workbench's extension host (as
 * extensionTestsPath) to open tabs the way an agent does, through `milestoneTerminals.open` one
 * after another without waiting for any page, which the palette cannot do. It talks to the test
 * through files in $MT_E2E_QUICK_TABS_DIR: it writes `opened` when every tab is open and returns
 * once the test writes `done` (returning ends the extension host).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscodeTypes from 'vscode';
import { EXTENSION_ID } from '../support/extension';

export const quickTabId = (i: number): string => `quick-${String(i).padStart(2, '0')}`;

export async function run(): Promise<void> {
  const vscode = require('vscode') as typeof vscodeTypes;
  const dir = process.env.MT_E2E_QUICK_TABS_DIR;
  const count = Number(process.env.MT_E2E_QUICK_TABS);
  if (!dir || !(count > 0)) throw new Error('MT_E2E_QUICK_TABS_DIR and MT_E2E_QUICK_TABS must be set');
  try {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    for (let i = 0; i < count; i++) {
      const id = quickTabId(i);
      await vscode.commands.executeCommand('milestoneTerminals.open', { milestoneId: id, command: 'bash', args: ['-c', `echo shown-${id}; exec sleep 100000`] });
    }
    fs.writeFileSync(path.join(dir, 'opened'), '');
  } catch (err) {
    fs.writeFileSync(path.join(dir, 'error'), String(err));
  }
  while (!fs.existsSync(path.join(dir, 'done'))) await new Promise((resolve) => setTimeout(resolve, 200));
}
