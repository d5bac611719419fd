// Drives a real VS Code workbench (code-server, installed by scripts/install-workbench.sh) with
// Debian's chromium through playwright-core. Works offline.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { EXTENSION_ID, type TestSummary } from '../support/extension';
import { isAlive } from '../support/processes';
import { pollUntil, sleep } from '../support/timing';

export { EXTENSION_ID };

/**
 * The workbenches the suites run on: the oldest VS Code that engines.vscode accepts (code-server
 * 4.100.3 on the system Node 20) and the newest code-server (on the Node 24 that its install
 * directory holds as the npm package `node`). scripts/install-workbench.sh installs both.
 */
export const WORKBENCH_NAMES = ['oldest', 'newest'] as const;
export type WorkbenchName = (typeof WORKBENCH_NAMES)[number];
export const isWorkbenchName = (value: unknown): value is WorkbenchName => WORKBENCH_NAMES.includes(value as WorkbenchName);

/** MT_WORKBENCH picks the workbench for a whole run (unset: the oldest). */
export function workbenchFromEnvironment(): WorkbenchName {
  const value = process.env.MT_WORKBENCH;
  if (value === undefined || value === '') return 'oldest';
  if (!isWorkbenchName(value)) throw new Error(`harness: MT_WORKBENCH=${value}: expected one of ${WORKBENCH_NAMES.join(', ')}`);
  return value;
}

export interface WorkbenchInstall {
  name: WorkbenchName;
  /** Directory with the package.json and lock that pin it. */
  dir: string;
  /** code-server's CLI entry point. */
  entry: string;
  /** The Node binary that runs code-server, and so its extension host. */
  node: string;
  /** code-server's version, from its installed package.json. */
  version: string;
}

/** Where workbench `name` is installed; throws with the install hint when it is not. */
export function workbenchInstall(name: WorkbenchName): WorkbenchInstall {
  const dir = path.join(repoRoot, 'test/e2e', name === 'oldest' ? 'workbench' : 'workbench-newest');
  const codeServer = path.join(dir, 'node_modules/code-server');
  const entry = path.join(codeServer, 'out/node/entry.js');
  const node = name === 'oldest' ? process.execPath : path.join(dir, 'node_modules/node/bin/node');
  for (const file of [entry, node]) {
    if (!fs.existsSync(file)) throw new Error(`harness: ${file} missing; run scripts/install-workbench.sh`);
  }
  const version = (JSON.parse(fs.readFileSync(path.join(codeServer, 'package.json'), 'utf8')) as { version: string }).version;
  return { name, dir, entry, node, version };
}

export interface WorkbenchOptions {
  /** Default: workbenchFromEnvironment(). */
  workbench?: WorkbenchName;
  /** Folder the window opens. */
  workspace: string;
  /** Merged over the harness defaults into the user's settings.json. */
  settings?: Record<string, unknown>;
  /** Default: a free port. */
  port?: number;
  /** Extension loaded in development mode. Default: none (pass the repo root to test ours). */
  extensionDevelopmentPath?: string;
  /** Module exporting run(), executed in the extension host instead of a normal session. */
  extensionTestsPath?: string;
  /** Default: a fresh directory. Pass the same one again to simulate the same installation. */
  extensionsDir?: string;
  /** Default: a fresh directory. Pass the same one again to simulate the same user. HOME, TMPDIR
   * and the XDG dirs live inside it so that everything the user owns survives a restart. */
  userDataDir?: string;
  /** Extra environment for code-server; the extension host inherits it. */
  env?: Record<string, string>;
  /** Default false: trust is off and every folder counts as trusted. True: trust is on, so the
   * folder opens untrusted, in restricted mode, without the startup prompt. */
  workspaceTrust?: boolean;
}

export interface Workbench {
  install: WorkbenchInstall;
  /** Page to open: workspace folder and payload (development extension, tests) included. */
  url: string;
  port: number;
  /** Scratch directory of this start under <repo>/.workbench: log, default user data and extensions. */
  dir: string;
  /** code-server's stdout and stderr. */
  logFile: string;
  userDataDir: string;
  extensionsDir: string;
  /** The private directory of the extension's session host (socket, token, lock, log). */
  hostDir: string;
  /** SIGTERM to the server's process group (extension host included); waits for the exit. */
  stop(): Promise<void>;
}

export interface Browser {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

export interface IntegrationOptions {
  /** Compiled test index (exports run()), e.g. out/test/integration/index.js. */
  testsPath: string;
  workspace: string;
  /** Extra environment for the extension host. */
  env?: Record<string, string>;
  /** Default: the repository root. */
  extensionDevelopmentPath?: string;
  /** Whole run, server start included. Default 10 minutes. */
  timeoutMs?: number;
  /** See WorkbenchOptions.workspaceTrust. */
  workspaceTrust?: boolean;
  /** See WorkbenchOptions.workbench. */
  workbench?: WorkbenchName;
}

export interface IntegrationResult {
  passes: number;
  failures: number;
  tests: number;
  /** Full titles of failed tests, or a description of why the run itself failed. */
  failed: string[];
  /** What the workbench reported through codeAutomationExit; null when it never did. */
  exitCode: number | null;
}

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  // Newer VS Code opens the Chat view in the secondary side bar on first start, and its input
  // takes the focus that the palette and terminals expect; 1.100 ignores both settings.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  // Suites read the screen from xterm's DOM rows, which the WebGL renderer does not draw; headless
  // chromium has WebGL2 through SwiftShader, so 'auto' would choose it. renderer.e2e.ts covers WebGL.
  'terminal.integrated.gpuAcceleration': 'off',
};

/** The directory holding test/e2e/workbench, found from the bundle's location or the cwd. */
export const repoRoot: string = findRepoRoot();

function findRepoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'test', 'e2e', 'workbench', 'package.json'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error('harness: cannot find the repository root (test/e2e/workbench/package.json)');
}

// Servers still running when this process exits (crash, timeout, Ctrl+C) are killed with it.
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Environment for code-server: the caller's, minus what would reconfigure it or leak a parent VS Code. */
function serverEnv(dirs: Record<'home' | 'tmp' | 'config' | 'data' | 'cache', string>, extra: Record<string, string>) {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // code-server reads PORT, PASSWORD, ... as flags.
    if (['PORT', 'PASSWORD', 'HASHED_PASSWORD', 'CODE_SERVER_CONFIG', 'ELECTRON_RUN_AS_NODE'].includes(key)) continue;
    if (key.startsWith('VSCODE_')) continue;
    env[key] = value;
  }
  return {
    ...env,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    ...extra,
  };
}

/** Ends the session host of `hostDir` (it closes its sessions on SIGTERM) and waits for it. */
export async function stopSessionHost(hostDir: string): Promise<void> {
  let locks: string[] = [];
  try {
    locks = fs.readdirSync(hostDir).filter((name) => name.endsWith('.lock'));
  } catch {
    return; // no host ever started here
  }
  for (const lock of locks) {
    const pid = Number(fs.readFileSync(path.join(hostDir, lock), 'utf8'));
    if (!(pid > 0)) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue; // already gone
    }
    const ended = await pollUntil(() => !isAlive(pid), `session host ${pid} to end`, { timeoutMs: 10_000, intervalMs: 50 }).catch(() => false);
    if (!ended) process.kill(pid, 'SIGKILL');
  }
}

export async function startWorkbench(opts: WorkbenchOptions): Promise<Workbench> {
  const install = workbenchInstall(opts.workbench ?? workbenchFromEnvironment());

  // Short paths: the extension host puts unix sockets under TMPDIR (limit ~107 bytes).
  const scratch = path.join(repoRoot, '.workbench');
  fs.mkdirSync(scratch, { recursive: true });
  const run = fs.mkdtempSync(path.join(scratch, 'r-'));
  const userDataDir = path.resolve(opts.userDataDir ?? path.join(run, 'ud'));
  const extensionsDir = path.resolve(opts.extensionsDir ?? path.join(run, 'ext'));
  const envRoot = path.join(userDataDir, 'env');
  const dirs = {
    home: path.join(envRoot, 'home'),
    tmp: path.join(envRoot, 'tmp'),
    config: path.join(envRoot, 'config'),
    data: path.join(envRoot, 'data'),
    cache: path.join(envRoot, 'cache'),
  };
  for (const dir of [...Object.values(dirs), extensionsDir, path.join(userDataDir, 'User')]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  // The extension's session host outlives code-server by design; one per user data dir keeps
  // runs apart, and stop() ends it explicitly.
  const hostDir = path.join(envRoot, 'mt-host');
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  const trust = opts.workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {};
  const settings = { ...readJson(settingsFile), ...DEFAULT_SETTINGS, ...trust, ...opts.settings };
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');

  const port = opts.port ?? (await freePort());
  const authority = `127.0.0.1:${port}`;
  const workspace = path.resolve(opts.workspace);
  const logFile = path.join(run, 'code-server.log');
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    install.node,
    [
      install.entry,
      '--bind-addr', authority,
      '--auth', 'none',
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      // Newer VS Code honours the URL payload's extensionDevelopmentPath and extensionTestsPath
      // in a built product only with the smoke-test driver enabled (BrowserWorkbenchEnvironment-
      // Service: `payload && (!isBuilt || enableSmokeTestDriver)`; 1.100 read it always).
      // code-server >= 4.10x passes VS Code flags through --vscode-option.
      ...(install.name === 'newest' ? ['--vscode-option=--enable-smoke-test-driver'] : []),
      workspace,
    ],
    // detached: own process group, so stop() reaches the extension host and its children too.
    { cwd: workspace, env: serverEnv(dirs, { MILESTONE_TERMINALS_HOST_DIR: hostDir, ...opts.env }), detached: true, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error('harness: failed to spawn code-server');
  liveGroups.add(pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
    liveGroups.delete(pid);
  });

  const stop = async () => {
    await stopServer();
    await stopSessionHost(hostDir);
  };
  const stopServer = async () => {
    if (!running) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
    if (timedOut) {
      process.kill(-pid, 'SIGKILL');
      await exited;
    }
  };

  const healthy = async () => {
    if (!running) throw new Error('code-server exited');
    return (await fetch(`http://${authority}/healthz`).catch(() => undefined))?.ok; // undefined: not listening yet
  };
  try {
    await pollUntil(healthy, `code-server on ${authority}`, { timeoutMs: 60_000, intervalMs: 100 });
  } catch (err) {
    await stop();
    throw new Error(`harness: code-server did not come up on ${authority} (${String(err)}); ${logFile}:\n${tail(logFile, 20)}`);
  }

  // The CLI has no --extensionDevelopmentPath: the workbench reads it from the URL payload, as
  // vscode-remote URIs whose authority is the host:port the browser talks to.
  const payload: [string, string][] = [];
  if (opts.extensionDevelopmentPath) {
    payload.push(['extensionDevelopmentPath', `vscode-remote://${authority}${path.resolve(opts.extensionDevelopmentPath)}`]);
  }
  if (opts.extensionTestsPath) {
    payload.push(['extensionTestsPath', `vscode-remote://${authority}${path.resolve(opts.extensionTestsPath)}`]);
  }
  const query = new URLSearchParams({ folder: workspace });
  if (payload.length) query.set('payload', JSON.stringify(payload));
  return { install, url: `http://${authority}/?${query}`, port, dir: run, logFile, userDataDir, extensionsDir, hostDir, stop };
}

/**
 * Launches headless chromium with a fresh profile and loads `url`. `beforeLoad` runs before the
 * navigation, e.g. for page.exposeFunction. Resolves once the workbench shell is on screen.
 */
export async function openBrowser(url: string, beforeLoad?: (page: Page) => Promise<void>): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    // Chromium writes crash-report and dconf state under HOME and XDG dirs: keep it in the profile.
    env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: path.join(profile, 'config'), XDG_CACHE_HOME: path.join(profile, 'cache') },
    viewport: { width: 1400, height: 900 },
  });
  const close = async () => {
    await context.close().catch(() => undefined);
    fs.rmSync(profile, { recursive: true, force: true });
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    if (beforeLoad) await beforeLoad(page);
    // As long as the workbench itself may take (waitForWorkbench): a loaded machine serves it slowly.
    await page.goto(url, { timeout: 60_000 });
    await waitForWorkbench(page);
    return { page, context, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.statusbar').waitFor({ timeout: 60_000 });
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Runs a command by its palette label ("Category: Title"). Retries because right after a load
 * the palette or the extension's contributions may not be ready yet (an open palette does not
 * pick up commands registered later).
 */
/**
 * Types `text` into the palette's input, again if a webview took the focus meanwhile and the
 * text went elsewhere (see runCommand).
 */
export async function fillPalette(input: Locator, text: string): Promise<void> {
  await pollUntil(
    async () => {
      await input.fill(text, { timeout: 1_000 });
      return (await input.inputValue()) === text;
    },
    `the palette to hold ${JSON.stringify(text)}`,
    { timeoutMs: 5_000, intervalMs: 200 },
  );
}

/**
 * Waits until a webview editor that was just activated (opened, its tab clicked, or left active
 * by closing another tab) holds the focus it is being given. VS Code 1.139 focuses the webview's
 * outer frame at once and its content frame later, through a 'focus' message sent after a delay
 * (WebviewElement._doFocus with its _focusDelayer; 1.100 had no such delay). A message already on
 * its way when the palette opens still focuses the content frame, which closes the palette and
 * takes the keys meant for it: in our webview a terminal then gets the palette's text. Once the
 * content frame has the focus, a late message finds the frame focused and leaves it alone.
 */
export async function waitForWebviewFocus(page: Page): Promise<void> {
  const contentHasFocus = async (): Promise<boolean> => {
    const focusedWebview = await page.evaluate(() => {
      const active = document.activeElement;
      return active instanceof HTMLIFrameElement && active.classList.contains('webview') ? active.name : null;
    });
    if (!focusedWebview) return true; // the focus is on no webview: no message is on its way
    const content = page.locator(`iframe.webview[name="${focusedWebview}"]`).contentFrame().locator('iframe#active-frame').contentFrame();
    return content.locator('body').evaluate(() => document.hasFocus(), undefined, { timeout: 1_000 }).catch(() => false);
  };
  await pollUntil(contentHasFocus, 'the focused webview to pass the focus to its content', { timeoutMs: 10_000, intervalMs: 50 });
}

export async function runCommand(page: Page, label: string, attempts = 6): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const focusedInput = page.locator('.quick-input-widget input:focus');
  const rows = page.locator('.quick-input-list .monaco-list-row');
  const exact = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) });
  // The first label is the row's own: a row that showed a detail line before (a milestone's id
  // under its title) may keep that line's label, hidden, when the palette reuses it.
  const focused = rows.and(page.locator('.focused')).locator('.label-name').first();
  // Should a webview still take the focus from the open palette (see waitForWebviewFocus), the
  // palette closes and a key goes to that editor (an arrow key into a terminal) while the
  // command silently does not run: only a palette that has the focus gets a key.
  const pressInPalette = async (key: string) => {
    await input.focus({ timeout: 1_000 });
    if (!(await input.isVisible()) || !(await focusedInput.count())) throw new Error('the palette lost focus');
    await page.keyboard.press(key);
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await waitForWebviewFocus(page);
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      // Short timeouts and polling: a palette closed by a focus change fails fast and is retried.
      await fillPalette(input, `>${label}`);
      await pollUntil(
        async () => {
          if (!(await input.isVisible())) throw new Error('the palette closed');
          return exact.first().isVisible();
        },
        'the command in the palette',
        { timeoutMs: 5_000, intervalMs: 100 },
      );
      // Keyboard, not click: the list re-renders while filtering, which makes clicks flaky, and
      // "Foo: Open" must not run "Foo: Open All" that may be listed first.
      for (let moves = 0; (await focused.textContent({ timeout: 1_000 })) !== label; moves++) {
        if (moves >= 50) throw new Error('not reachable with the arrow keys');
        await pressInPalette('ArrowDown');
      }
      await pressInPalette('Enter');
      // The palette closes, or turns into the command's own quick pick (a new value).
      await pollUntil(async () => !(await input.isVisible()) || (await input.inputValue()) !== `>${label}`, 'the command to start', { timeoutMs: 5_000, intervalMs: 100 });
      return;
    } catch (err) {
      if (attempt >= attempts) throw new Error(`harness: cannot run command "${label}": ${String(err)}`);
      // Only to close the palette: an Escape that lands in a terminal would reach its program.
      if (await input.isVisible()) await pressInPalette('Escape').catch(() => undefined);
      await sleep(1_000); // a pause before the next attempt, not a wait for anything in particular
    }
  }
}

/**
 * The content frame of the webview panel titled `title` of extension `extensionId`. Each webview
 * is an outer iframe.webview (named by the webview's id) hosting iframe#active-frame, whose title
 * is the panel title. Waits for the panel to appear.
 */
export async function webviewFrame(
  page: Page,
  title: string,
  extensionId: string = EXTENSION_ID,
  timeoutMs = 30_000,
): Promise<FrameLocator> {
  const outer = page.locator(`iframe.webview.ready[src*="extensionId=${extensionId}"]`);
  const nameOfPanel = async (): Promise<string | undefined> => {
    for (const frame of await outer.all()) {
      const name = await frame.getAttribute('name');
      const inner = frame.contentFrame().locator('iframe#active-frame');
      if (name && (await inner.getAttribute('title', { timeout: 1_000 }).catch(() => null)) === title) return name;
    }
    return undefined;
  };
  const name = await pollUntil(nameOfPanel, `a webview titled "${title}" of ${extensionId}`, { timeoutMs, intervalMs: 250 }).catch((err: unknown) => {
    throw new Error(`harness: ${String(err)}`);
  });
  return page.locator(`iframe.webview.ready[name="${name}"]`).contentFrame().locator('iframe#active-frame').contentFrame();
}

/** "Developer: Reload Window": restarts the extension host; unlike page.reload() it lets the
 * workbench save webview state first. */
export async function reloadWindow(page: Page): Promise<void> {
  const loaded = page.waitForEvent('load', { timeout: 60_000 });
  await runCommand(page, 'Developer: Reload Window');
  await loaded;
  await waitForWorkbench(page);
}

/** Saves a full-window PNG as <repo>/test-output/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(repoRoot, 'test-output');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * A UI suite's cleanup: a screenshot of each failed test (test-output/failed-<title>.png), and
 * its browser and workbench closed once the suite is done. `current` reads the suite's variables,
 * which its `before` sets.
 */
export function cleanUpAfterSuite(current: () => { page?: Page; browser?: Browser; workbench?: Workbench }): void {
  afterEach(async function () {
    const { page } = current();
    if (this.currentTest?.state === 'failed' && page) {
      await screenshot(page, `failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`);
    }
  });
  after(async () => {
    const { browser, workbench } = current();
    await browser?.close();
    await workbench?.stop();
  });
}

/** Copies what the test index appends to `file` onto stdout until stopped. */
function follow(file: string): () => void {
  let offset = 0;
  const pump = () => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return; // not created yet
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n) {
        process.stdout.write(buf.subarray(0, n));
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(pump, 200);
  return () => {
    clearInterval(timer);
    pump();
  };
}

/**
 * Runs the mocha suites of `testsPath` in the extension host of a real workbench. The extension
 * host inherits code-server's environment, which is how MT_TEST_SUMMARY and MT_TEST_LOG reach
 * the test index.
 */
export async function runIntegrationTests(opts: IntegrationOptions): Promise<IntegrationResult> {
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-integration-'));
  const summaryFile = path.join(out, 'summary.json');
  const logFile = path.join(out, 'mocha.log');
  const workbench = await startWorkbench({
    workspace: opts.workspace,
    extensionDevelopmentPath: opts.extensionDevelopmentPath ?? repoRoot,
    extensionTestsPath: opts.testsPath,
    env: { ...opts.env, MT_TEST_SUMMARY: summaryFile, MT_TEST_LOG: logFile },
    workspaceTrust: opts.workspaceTrust,
    workbench: opts.workbench,
  });
  const stopFollowing = follow(logFile);
  let browser: Browser | undefined;
  let exitCode: number | null = null;
  const problems: string[] = [];
  try {
    let reportExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (reportExit = resolve));
    const remaining = () => Math.max(0, deadline - Date.now());
    // The workbench calls window.codeAutomationExit(code) when run() settles (0 = resolved).
    browser = await withTimeout(
      openBrowser(workbench.url, (page) => page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code))),
      remaining(),
    );
    exitCode = await withTimeout(exited, remaining());
  } catch (err) {
    problems.push(err instanceof TimeoutError ? `timed out after ${opts.timeoutMs ?? 600_000} ms` : String(err));
  } finally {
    stopFollowing();
    await browser?.close();
    await workbench.stop();
  }

  let summary: TestSummary | undefined;
  try {
    summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as TestSummary;
  } catch {
    problems.push(`no test summary at ${summaryFile} (code-server log: ${workbench.logFile})`);
  }
  fs.rmSync(out, { recursive: true, force: true });
  const result: IntegrationResult = {
    passes: summary?.passes ?? 0,
    failures: summary?.failures ?? 0,
    tests: summary?.tests ?? 0,
    failed: summary?.failed ?? [],
    exitCode,
  };
  if (exitCode !== null && exitCode !== 0 && result.failures === 0) {
    problems.push(`extension host reported exit code ${exitCode}`);
  }
  // A run that broke outside mocha must not read as green.
  if (problems.length) {
    result.failures += 1;
    result.failed.push(...problems.map((p) => `[harness] ${p}`));
  }
  // Keep the server log of a failed run for diagnosis.
  if (result.failures === 0) fs.rmSync(workbench.dir, { recursive: true, force: true });
  return result;
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
