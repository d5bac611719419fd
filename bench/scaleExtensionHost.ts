/**
 * Not a bench to run by itself: bench/scale.ts loads this bundle into the workbench's extension
 * host (as extensionTestsPath), because only code in the extension host can call
 * `milestoneTerminals.open` with a command and arguments; driving the palette 50 times would take
 * minutes and measure the palette. It talks to scale.ts through files in $MT_BENCH_SCALE_DIR:
 * it waits for `<step>.go`, does the step, and writes `<step>.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscodeTypes from 'vscode';
import { EXTENSION_ID } from '../test/support/extension';

export interface ScalePlan {
  sessions: number;
  /** bash -c script each session runs */
  script: string;
}

export interface OpenedReport {
  openMs: number[];
  pids: number[];
  errors: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(file: string): Promise<void> {
  while (!fs.existsSync(file)) await sleep(100);
}

export async function run(): Promise<void> {
  // Loaded lazily so that `node out/bench/scaleExtensionHost.js` explains itself instead of crashing.
  const vscode = require('vscode') as typeof vscodeTypes;
  const dir = process.env.MT_BENCH_SCALE_DIR;
  if (!dir) throw new Error('MT_BENCH_SCALE_DIR is not set');
  // Write then rename: scale.ts must never read half a file.
  const write = (name: string, value: unknown) => {
    fs.writeFileSync(path.join(dir, `${name}.tmp`), JSON.stringify(value));
    fs.renameSync(path.join(dir, `${name}.tmp`), path.join(dir, `${name}.json`));
  };
  try {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    if (!extension) throw new Error('the extension is not installed');
    await extension.activate();
    write('activated', { ok: true });

    await waitFor(path.join(dir, 'open.go'));
    const plan = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')) as ScalePlan;
    const report: OpenedReport = { openMs: [], pids: [], errors: [] };
    for (let i = 0; i < plan.sessions; i++) {
      const start = performance.now();
      try {
        const opened = await vscode.commands.executeCommand<{ pid: number } | undefined>('milestoneTerminals.open', {
          milestoneId: `scale-${String(i).padStart(3, '0')}`,
          command: 'bash',
          args: ['-c', plan.script],
        });
        report.openMs.push(performance.now() - start);
        if (opened) report.pids.push(opened.pid);
      } catch (err) {
        report.errors.push(String(err));
      }
    }
    write('open', report);

    await waitFor(path.join(dir, 'closeTabs.go'));
    const start = performance.now();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    write('closeTabs', { ms: performance.now() - start });

    await waitFor(path.join(dir, 'done.go'));
  } catch (err) {
    write('error', { message: String(err) });
    throw err;
  }
}

if (require.main === module) {
  console.error('scaleExtensionHost.js runs inside the extension host; run node out/bench/scale.js');
  process.exit(2);
}
