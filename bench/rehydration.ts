/**
 * Rehydration: a milestone session whose replay buffer is full (`seq 1 20000`, ~109 KB, over the
 * 64 KiB default) is brought back (a) by switching back to its tab from another editor, (b) by
 * closing its tab and reopening it from the palette and (c) by Developer: Reload Window. Each
 * figure runs from the click or Enter to the first animation frame in which the last line
 * ("20000") is in a visible terminal's DOM, watched inside the page (requestAnimationFrame in the
 * workbench, reading into the webviews' same-origin frames), so no polling round trip is in it.
 * VS Code's integrated terminal is timed through (a), as an editor tab, and through (c).
 *
 *   node out/bench/rehydration.js [switches=5] [reopens=5] [reloads=3] [--workbench oldest|newest] [--profile]
 *
 * --profile: after the timed reopens, one more under the Chrome DevTools Protocol's profiler and
 * tracing; where chromium's main thread spent it goes to bench/results/rehydration-profile[-newest].json.
 */
import type { Page } from 'playwright-core';
import { benchArgs, numberArg } from './lib/args';
import { startProfile, type ProfileSummary } from './lib/profile';
import { median, printTable, round, saveResults } from './lib/report';
import { runCommand } from '../test/e2e/harness';
import { focusIn, openIntegratedTerminal, openMilestoneTerminal, pickMilestone, PROMPT, sleep, startBench } from './lib/workbench';

const switches = numberArg(0, 5);
const reopens = numberArg(1, 5);
const reloads = numberArg(2, 3);
const profiling = benchArgs.switches.has('profile');
const ID = 'bench-rehydrate';
const LAST = '20000';

/** Epoch ms, taken in the page, of each stage a terminal went through. */
interface Stages {
  /** VS Code had built the webview's frames and could write our document: its part ends here */
  document?: number;
  /** our stylesheets had arrived (the script runs only after them) */
  styles?: number;
  /** our script had arrived (from the extension, through VS Code's service worker) */
  script?: number;
  /** the first animation frame in which the page held a terminal (xterm created and opened) */
  terminal?: number;
  /** the last line was in a visible terminal */
  shown?: number;
}

/** ms from the action for one terminal, or nothing if it never showed. */
interface Seen {
  milestone?: Stages;
  integrated?: Stages;
}

type Where = 'milestone' | 'integrated-editor' | 'integrated-any';

/**
 * Installed in the workbench page (and again on every load, for reloads): `__rehydrationWatch`
 * resolves with the stages of the first terminal of a kind that shows `line`. Runs in the page.
 */
function installWatcher(lastLine: string): void {
  const w = window as unknown as Record<string, unknown>;
  const now = () => performance.timeOrigin + performance.now();
  const visible = (el: Element) => el.checkVisibility({ visibilityProperty: true });
  const hasLine = (rows: Element, line: string) => Array.from(rows.children).some((row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trim() === line);
  w.__rehydrationWatch = (where: Where, line: string, timeoutMs: number) =>
    new Promise<Stages>((resolve) => {
      const deadline = now() + timeoutMs;
      const terminalSeen = new Map<Document, number>();
      const tick = () => {
        if (where === 'milestone') {
          for (const outer of Array.from(document.querySelectorAll<HTMLIFrameElement>('iframe.webview'))) {
            const inner = outer.contentDocument?.querySelector<HTMLIFrameElement>('iframe#active-frame')?.contentDocument;
            if (inner?.querySelector('.xterm') && !terminalSeen.has(inner)) terminalSeen.set(inner, now());
            const rows = inner?.querySelector('.xterm-rows');
            if (!inner?.defaultView || !rows || !visible(outer) || !hasLine(rows, line)) continue;
            // The frame's own timeline says when its document, styles and script arrived.
            const perf = inner.defaultView.performance;
            const nav = perf.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
            const resources = perf.getEntriesByType('resource') as PerformanceResourceTiming[];
            const script = resources.find((entry) => entry.name.endsWith('/webview.js'));
            const styles = resources.filter((entry) => entry.name.endsWith('.css'));
            return resolve({
              document: nav ? perf.timeOrigin + nav.responseEnd : undefined,
              styles: styles.length ? perf.timeOrigin + Math.max(...styles.map((entry) => entry.responseEnd)) : undefined,
              script: script ? perf.timeOrigin + script.responseEnd : undefined,
              terminal: terminalSeen.get(inner),
              shown: now(),
            });
          }
        } else {
          const scope = where === 'integrated-editor' ? '.part.editor .xterm-rows' : '.xterm-rows';
          for (const rows of Array.from(document.querySelectorAll(scope))) {
            if (visible(rows) && hasLine(rows, line)) return resolve({ shown: now() });
          }
        }
        if (now() > deadline) return resolve({});
        requestAnimationFrame(tick);
      };
      tick();
    });
  // After a reload nobody can arm the watch in time from outside: arm it at document start.
  if (window === window.top) {
    const watchFor = w.__rehydrationWatch as (where: Where, line: string, timeoutMs: number) => Promise<Stages>;
    w.__rehydrationOnLoad = { milestone: watchFor('milestone', lastLine, 60_000), integrated: watchFor('integrated-any', lastLine, 60_000) };
  }
}

async function watch(page: Page, where: Where): Promise<() => Promise<Stages>> {
  const key = `__rehydration${Math.random().toString(36).slice(2)}`;
  await page.evaluate(({ key, where, line }) => {
    const w = window as unknown as Record<string, unknown>;
    w[key] = (w.__rehydrationWatch as (where: string, line: string, timeoutMs: number) => Promise<unknown>)(where, line, 60_000);
  }, { key, where, line: LAST });
  return () => page.evaluate((key) => (window as unknown as Record<string, Promise<Stages>>)[key], key);
}

/** Stages as ms after `start`. */
function since(start: number, stages: Stages | undefined): Stages | undefined {
  if (!stages) return undefined;
  const rel = (t: number | undefined) => (t === undefined ? undefined : Math.round(t - start));
  return { document: rel(stages.document), styles: rel(stages.styles), script: rel(stages.script), terminal: rel(stages.terminal), shown: rel(stages.shown) };
}

/** Opens the palette on a command and returns with Enter not yet pressed, so that the caller can start its clock. */
const palette = (page: Page) => page.locator('.quick-input-widget input');

async function preparePalette(page: Page, label: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = palette(page);
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${label}`);
  const focused = page.locator('.quick-input-list .monaco-list-row.focused .label-name');
  await page.locator('.quick-input-list .monaco-list-row .label-name', { hasText: label }).first().waitFor();
  await sleep(200); // the list re-sorts once more after filtering
  // "Foo" may be listed after "Foo Bar": move down to the exact label.
  for (let moves = 0; (await focused.textContent()) !== label; moves++) {
    if (moves >= 20) throw new Error(`palette: "${label}" not reachable`);
    await input.press('ArrowDown'); // see runCommand: not to the page
  }
}

/** Clicks a tab with the mouse already over it, so the clock covers VS Code's work, not Playwright's. */
async function switchTo(page: Page, tabLabel: string): Promise<number> {
  const tab = page.locator('.tabs-container .tab', { has: page.locator('.label-name', { hasText: new RegExp(`^${tabLabel}$`) }) });
  await tab.hover();
  const start = Date.now();
  await page.mouse.down();
  await page.mouse.up();
  return start;
}

async function main(): Promise<void> {
  const b = await startBench();
  const page = b.page;
  await page.addInitScript(installWatcher, LAST);
  await page.evaluate(installWatcher, LAST);
  const switchRuns: Seen[] = [];
  const reopenRuns: Seen[] = [];
  const reloadRuns: Seen[] = [];
  let bufferNote = '';
  let reopenProfile: { run: Seen; profile: ProfileSummary } | undefined;
  try {
    const ours = await openMilestoneTerminal(page, ID);
    await focusIn(page, ours.frame);
    const oursDone = await watch(page, 'milestone');
    await page.keyboard.type('seq 1 20000\n');
    const integrated = await openIntegratedTerminal(page);
    await integrated.focus();
    const integratedDone = await watch(page, 'integrated-any');
    await page.keyboard.type('seq 1 20000\n');
    if ((await oursDone()).shown === undefined || (await integratedDone()).shown === undefined) throw new Error('seq output never showed');

    // VS Code's terminal as an editor tab, the same kind of tab as ours, for tab switching.
    await runCommand(page, 'Terminal: Create New Terminal in Editor Area');
    const editorTerminal = page.locator('.part.editor .terminal-wrapper').last();
    await editorTerminal.locator('.xterm-rows').filter({ hasText: PROMPT }).waitFor({ timeout: 30_000 });
    const editorTerminalTab = (await page.locator('.tabs-container .tab.active .label-name').textContent())?.trim() ?? '';
    await focusIn(page, editorTerminal);
    await page.keyboard.type('seq 1 20000\n');
    await editorTerminal.locator('.xterm-rows > div').filter({ hasText: /^\s*20000\s*$/ }).first().waitFor({ timeout: 30_000 });
    await runCommand(page, 'View: Hide Panel'); // its terminal shows the same line
    await runCommand(page, 'File: New Untitled Text File');
    const otherTab = (await page.locator('.tabs-container .tab.active .label-name').textContent())?.trim() ?? '';
    await sleep(2_500); // screens are saved a moment after output

    for (let i = 0; i < switches; i++) {
      const seen: Seen = {};
      for (const [where, tab] of [['milestone', ID], ['integrated-editor', editorTerminalTab]] as const) {
        await switchTo(page, otherTab);
        await sleep(1_000);
        const done = await watch(page, where);
        const start = await switchTo(page, tab);
        // The page was loaded long before: only the moment the line shows counts.
        seen[where === 'milestone' ? 'milestone' : 'integrated'] = since(start, { shown: (await done()).shown });
      }
      console.log(`tab switch ${i + 1}: ours ${seen.milestone?.shown} ms, integrated terminal tab ${seen.integrated?.shown} ms`);
      switchRuns.push(seen);
    }

    /** With `profiled`, the profile covers exactly the Enter up to the last line shown. */
    const reopen = async (profiled = false): Promise<Seen & { profile?: ProfileSummary }> => {
      await switchTo(page, ID);
      await runCommand(page, 'View: Close Editor');
      await page.locator('.tab', { hasText: ID }).waitFor({ state: 'detached' });
      await sleep(1_000);
      await pickMilestone(page, ID, /running · pid/);
      const done = await watch(page, 'milestone');
      await palette(page).focus(); // so that the clock below holds only the key press
      const profiler = profiled ? await startProfile(page) : undefined;
      const start = Date.now();
      await palette(page).press('Enter'); // see runCommand: not to the page
      const seen: Seen = { milestone: since(start, await done()) };
      const profile = await profiler?.stop();
      await sleep(1_000);
      return { ...seen, profile };
    };
    for (let i = 0; i < reopens; i++) {
      const seen: Seen = { milestone: (await reopen()).milestone };
      const m = seen.milestone;
      console.log(`reopen ${i + 1}: our document ${m?.document} ms, styles ${m?.styles} ms, script ${m?.script} ms, terminal ${m?.terminal} ms, last line ${m?.shown} ms`);
      reopenRuns.push(seen);
    }
    if (profiling) {
      const { profile, ...seen } = await reopen(true);
      reopenProfile = { run: seen, profile: profile! };
      console.log(`reopen, profiled: last line ${seen.milestone?.shown} ms; main thread ${reopenProfile.profile.mainThread.busyPercent}% busy`);
    }

    await runCommand(page, 'View: Toggle Panel Visibility'); // the panel's terminal again, for the reload
    for (let i = 0; i < reloads; i++) {
      await switchTo(page, ID);
      await sleep(500);
      await preparePalette(page, 'Developer: Reload Window');
      await palette(page).focus();
      const start = Date.now();
      await palette(page).press('Enter');
      await page.waitForEvent('load', { timeout: 60_000 });
      const armed = () => page.evaluate(() => (window as unknown as Record<string, unknown>).__rehydrationOnLoad !== undefined).catch(() => false);
      while (!(await armed())) await sleep(50);
      const stages = await page.evaluate(async () => {
        const armedAtLoad = (window as unknown as Record<string, { milestone: Promise<Stages>; integrated: Promise<Stages> }>).__rehydrationOnLoad;
        return { milestone: await armedAtLoad.milestone, integrated: await armedAtLoad.integrated };
      });
      const seen: Seen = { milestone: since(start, stages.milestone), integrated: since(start, stages.integrated) };
      console.log(`reload ${i + 1}: our document ${seen.milestone?.document} ms, last line ${seen.milestone?.shown} ms, integrated terminal ${seen.integrated?.shown} ms`);
      reloadRuns.push(seen);
      await page.locator('.statusbar').waitFor();
      await sleep(3_000);
    }
    // What actually came back: how far the restored screen reaches back (the replay buffer's reach).
    bufferNote = await page
      .frames()
      .filter((f) => f !== page.mainFrame())
      .reduce<Promise<string>>(async (acc, f) => (await acc) || (await f.evaluate(() => document.querySelector('.xterm-rows')?.textContent?.slice(0, 40) ?? '').catch(() => '')), Promise.resolve(''));
  } finally {
    await b.close();
  }

  const med = (runs: Seen[], pick: (seen: Seen) => number | undefined) => {
    const values = runs.map(pick);
    return values.every((v) => v !== undefined) ? median(values as number[]) : NaN;
  };
  const summary = (runs: Seen[]) => ({
    runs,
    medianDocumentMs: med(runs, (r) => r.milestone?.document),
    medianLastLineMs: med(runs, (r) => r.milestone?.shown),
    medianOursMs: med(runs, (r) => (r.milestone?.shown === undefined || r.milestone.document === undefined ? undefined : r.milestone.shown - r.milestone.document)),
    integratedMedianLastLineMs: med(runs, (r) => r.integrated?.shown),
  });
  const result = { tabSwitch: summary(switchRuns), reopen: summary(reopenRuns), reload: summary(reloadRuns), firstRowsAfterLastReload: bufferNote };
  const ms = (value: number) => (Number.isFinite(value) ? round(value, 0) : '-');
  const row = (action: string, figures: ReturnType<typeof summary>, integratedNote?: string): Array<string | number> => [
    action,
    figures.runs.length,
    ms(figures.medianDocumentMs),
    ms(figures.medianOursMs),
    ms(figures.medianLastLineMs),
    integratedNote ?? ms(figures.integratedMedianLastLineMs),
  ];
  printTable(
    'seq 1 20000 brought back (ms from the click or Enter, median)',
    ['action', 'runs', 'our document in (VS Code)', 'then to last line (ours)', 'last line (ours)', 'last line (integrated)'],
    [
      row('switch back to the tab', result.tabSwitch),
      row('close tab + reopen from palette', result.reopen, '(closing ends it)'),
      row('Developer: Reload Window', result.reload),
    ],
  );
  saveResults('rehydration', result, b.workbench.install);
  if (reopenProfile) saveResults('rehydration-profile', { reopen: reopenProfile }, b.workbench.install);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
