// Workbench driving shared by the bench scripts, on top of the e2e harness.
// Timings are taken inside the page where possible: a Playwright round trip costs milliseconds.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { openBrowser, repoRoot, runCommand, startWorkbench, webviewFrame, type Browser, type Workbench } from '../../test/e2e/harness';
import { OPEN, PLAIN_BASH_SETTINGS, PROMPT } from '../../test/e2e/terminalUi';
import { benchArgs } from './args';

export { OPEN, PROMPT };
export { sleep } from '../../test/support/timing';

export interface BenchWorkbench {
  workbench: Workbench;
  browser: Browser;
  page: Page;
  workspace: string;
  close(): Promise<void>;
}

/**
 * One code-server + chromium with our extension (production build) in development mode. Both terminals run the
 * same plain bash, and VS Code's terminal uses its DOM renderer so that its text is in the DOM
 * like ours (xterm.js in our webview also renders to the DOM). The workbench is the one that
 * `--workbench` or MT_WORKBENCH names (see args.ts).
 */
export async function startBench(extra: { settings?: Record<string, unknown>; extensionTestsPath?: string; env?: Record<string, string> } = {}): Promise<BenchWorkbench> {
  // The shipped bundles as the VSIX has them (minified, no source maps): the webview's script
  // is parsed on every reopen, so a development build would time more than users wait.
  execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: repoRoot, stdio: 'inherit' });
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-bench-ws-'));
  const workbench = await startWorkbench({
    workbench: benchArgs.workbench,
    workspace,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: extra.extensionTestsPath,
    env: extra.env,
    settings: {
      ...PLAIN_BASH_SETTINGS,
      'terminal.integrated.gpuAcceleration': 'off',
      'terminal.integrated.defaultProfile.linux': 'bench-bash',
      'terminal.integrated.profiles.linux': { 'bench-bash': { path: '/bin/bash', args: ['--norc', '--noprofile'] } },
      // Shell integration injects its own rc file; ours runs bash without one.
      'terminal.integrated.shellIntegration.enabled': false,
      'terminal.integrated.enablePersistentSessions': true,
      ...extra.settings,
    },
  });
  let browser: Browser;
  try {
    browser = await openBrowser(workbench.url);
  } catch (err) {
    await workbench.stop();
    throw err;
  }
  const close = async () => {
    await browser.close();
    await workbench.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  };
  return { workbench, browser, page: browser.page, workspace, close };
}

/** Runs Open Milestone Terminal and picks (or creates) `typed`, whose row must show `rowText`. */
export async function pickMilestone(page: Page, typed: string, rowText: string | RegExp): Promise<void> {
  await runCommand(page, OPEN);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(typed);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: `New milestone "${typed}"` }).or(page.locator('.quick-input-list .monaco-list-row', { hasText: rowText })).first().waitFor({ timeout: 10_000 });
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: rowText }).waitFor({ timeout: 10_000 });
}

/** A new milestone tab at a bash prompt; returns its webview's rows. */
export async function openMilestoneTerminal(page: Page, id: string): Promise<{ frame: FrameLocator; rows: Locator }> {
  await pickMilestone(page, id, id);
  await page.locator('.quick-input-widget input').press('Enter'); // see runCommand: not to the page
  const frame = await webviewFrame(page, id);
  const rows = frame.locator('.xterm-rows');
  await rows.filter({ hasText: PROMPT }).waitFor({ timeout: 20_000 });
  return { frame, rows };
}

/** VS Code's own terminal, in the panel, at a bash prompt; returns its rows. */
export async function openIntegratedTerminal(page: Page): Promise<{ rows: Locator; focus(): Promise<void> }> {
  const before = await page.locator('.part.panel .terminal-wrapper').count();
  await runCommand(page, 'Terminal: Create New Terminal');
  const wrapper = page.locator('.part.panel .terminal-wrapper').nth(before);
  const rows = wrapper.locator('.xterm-rows');
  await rows.filter({ hasText: PROMPT }).waitFor({ timeout: 30_000 });
  return { rows, focus: () => focusIn(page, wrapper) };
}

/** Clicks into a terminal and waits for its input textarea to take focus. */
export async function focusIn(_page: Page, root: FrameLocator | Locator): Promise<void> {
  await root.locator('.xterm-screen').first().click();
  // Attached, not visible: xterm keeps its input off-screen until the cursor first moves on the page.
  await root.locator('.xterm-helper-textarea:focus').first().waitFor({ state: 'attached', timeout: 5_000 });
}

/** The rows' text with xterm's non-breaking spaces made plain, rows joined by newlines. */
export async function rowsText(rows: Locator): Promise<string> {
  return rows.evaluate((el) => Array.from(el.children, (row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).join('\n'));
}

/**
 * Resolves with the wall-clock time (ms since the epoch, the page's clock) at which `needle`
 * first appeared in `rows`, observed by a MutationObserver inside the page, so that Playwright's
 * polling latency is not part of the figure. Call before causing the output.
 */
export async function armTextWatch(rows: Locator, needle: string, timeoutMs: number): Promise<() => Promise<number>> {
  const key = `w${Math.random().toString(36).slice(2)}`;
  await rows.evaluate(
    (el, { needle, key, timeoutMs }) => {
      const store = window as unknown as Record<string, Promise<number>>;
      store[key] = new Promise<number>((resolve, reject) => {
        const seen = () => (el.textContent ?? '').replace(/\u00a0/g, ' ').includes(needle);
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`"${needle}" not on screen after ${timeoutMs} ms`));
        }, timeoutMs);
        const observer = new MutationObserver(() => {
          if (!seen()) return;
          observer.disconnect();
          clearTimeout(timer);
          resolve(performance.timeOrigin + performance.now());
        });
        observer.observe(el, { childList: true, subtree: true, characterData: true });
      });
    },
    { needle, key, timeoutMs },
  );
  return () => rows.evaluate((_el, key) => (window as unknown as Record<string, Promise<number>>)[key], key);
}

/** Pids of `root` and every process below it, from /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = procPpid(Number(name));
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

function procPpid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** code-server's own pid (the one started with this workbench's --user-data-dir) and its extension host. */
export function workbenchPids(workbench: Workbench): { server: number; extensionHost?: number; ptyHost?: number } {
  const server = fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .find((pid) => {
      const cmd = cmdline(pid);
      return cmd.includes('code-server/out/node/entry.js') && cmd.includes(workbench.userDataDir);
    });
  if (server === undefined) throw new Error('bench: cannot find the code-server process');
  const below = descendants(server);
  // A reload starts a new extension host; the newest one is the live one.
  const find = (type: string) => below.filter((pid) => cmdline(pid).includes(`--type=${type}`)).sort((a, b) => b - a)[0];
  return { server, extensionHost: find('extensionHost'), ptyHost: find('ptyHost') };
}

/** The session host's pid, from the lock file it keeps in its directory. */
export function sessionHostPid(workbench: Workbench): number | undefined {
  try {
    const lock = fs.readdirSync(workbench.hostDir).find((name) => name.endsWith('.lock'));
    const pid = lock ? Number(fs.readFileSync(path.join(workbench.hostDir, lock), 'utf8')) : NaN;
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** This bench's own chromium processes: Playwright starts them as our children, and another run's
 * browser on the same machine must not be counted. */
export function chromiumPids(): number[] {
  return descendants(process.pid).filter((pid) => pid !== process.pid && cmdline(pid).includes('chromium'));
}
