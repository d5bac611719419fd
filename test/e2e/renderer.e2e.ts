/**
 * End to end, the renderer: the terminal draws with WebGL or xterm's DOM renderer as
 * terminal.integrated.gpuAcceleration says, falls back to the DOM renderer when the WebGL
 * context is lost, and shows the same screen after a reload with either. The setting is changed
 * in settings.json and a reload applies it: the workbench here did not pick up the file's change
 * while running (its file watcher), so following it live is left to the webview's appearance
 * message, which a replay and a settings change both carry. Headless chromium here draws WebGL2 with SwiftShader (software); where it cannot,
 * 'on' and 'auto' must leave the DOM renderer in place.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { pollUntil } from '../support/timing';
import { cleanUpAfterSuite, openBrowser, reloadWindow, repoRoot, runCommand, screenshot, startWorkbench, webviewFrame, type Browser, type Workbench } from './harness';
import { PLAIN_BASH_SETTINGS, PROMPT, pickMilestone, typeInTerminal, waitForRows } from './terminalUi';

type Renderer = 'webgl' | 'dom' | 'both' | 'none';
type GpuAcceleration = 'auto' | 'on' | 'off';

/** What draws the terminal: a WebGL2 canvas in xterm's screen, or the DOM renderer's rows. */
function rendererOf(frame: FrameLocator): Promise<Renderer> {
  return frame.locator('.xterm-screen').evaluate((screen) => {
    // getContext returns a canvas's existing context; the link layer's 2D canvas answers null.
    const webgl = Array.from(screen.querySelectorAll('canvas')).some((canvas) => canvas.getContext('webgl2') !== null);
    const rows = screen.querySelector('.xterm-rows') !== null;
    return webgl ? (rows ? 'both' : 'webgl') : rows ? 'dom' : 'none';
  });
}

/** The buffer's rows as text, whatever draws them (the page keeps xterm on #terminal, as VS Code does on its wrapper). */
function bufferRows(frame: FrameLocator): Promise<string[]> {
  return frame.locator('#terminal').evaluate((element) => {
    const term = (element as HTMLElement & { xterm?: import('@xterm/xterm').Terminal }).xterm;
    if (!term) return [];
    const buffer = term.buffer.active;
    return Array.from({ length: buffer.length }, (_, y) => buffer.getLine(y)?.translateToString(true) ?? '');
  });
}

async function waitForBuffer(frame: FrameLocator, predicate: (rows: string[]) => boolean, what: string): Promise<string[]> {
  let rows: string[] = [];
  await pollUntil(async () => predicate((rows = await bufferRows(frame))), () => `the buffer to hold ${what}; it held:\n${rows.filter(Boolean).join('\n')}`, {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  return rows;
}

async function waitForRenderer(frame: FrameLocator, expected: Renderer, why: string): Promise<void> {
  let seen: Renderer | undefined;
  await pollUntil(async () => (seen = await rendererOf(frame)) === expected, () => `the ${expected} renderer (${why}); saw ${seen}`, { timeoutMs: 20_000, intervalMs: 100 });
}

/** The colours, the wide characters and the number the shell computes, so the command line never matches. */
const SAMPLE = "printf '\\e[1;31mRED\\e[0m \\e[42;30mGREEN\\e[0m 編集 WIDE-%s\\n' $((6*7))\n";
const sampleShown = (rows: string[]) => rows.some((row) => row.trimEnd() === 'RED GREEN 編集 WIDE-42');

describe('Milestone Terminals renderer (terminal.integrated.gpuAcceleration)', () => {
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  let webgl2Available: boolean;
  const workspace = mkdtempSync(join(tmpdir(), 'mt-e2e-renderer-'));
  const id = 'e2e-renderer';

  const setGpuAcceleration = (value: GpuAcceleration) => {
    // Read by the workbench on the next reload.
    const file = join(workbench.userDataDir, 'User', 'settings.json');
    const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...settings, 'terminal.integrated.gpuAcceleration': value }, null, 2) + '\n');
  };
  /**
   * As a user does: edits settings.json in VS Code's own editor and saves it, which VS Code
   * applies at once (a change written from outside waits for the file watcher, see above).
   */
  const changeGpuAccelerationInEditor = async (value: GpuAcceleration) => {
    const file = join(workbench.userDataDir, 'User', 'settings.json');
    const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    await runCommand(page, 'Preferences: Open User Settings (JSON)');
    const editor = page.locator('.part.editor .monaco-editor').first();
    await page.locator('.tab.active', { hasText: 'settings.json' }).waitFor();
    await editor.click();
    await page.keyboard.press('Control+A');
    // On one line, as the editor indents after a line break; what it closed for us (a brace, a
    // quote) is left after the cursor, and deleted.
    await page.keyboard.insertText(JSON.stringify({ ...settings, 'terminal.integrated.gpuAcceleration': value }));
    await page.keyboard.press('Control+Shift+End');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Control+S');
    await page.locator('.tab.active.dirty', { hasText: 'settings.json' }).waitFor({ state: 'detached' });
    let saved = '';
    await pollUntil(
      () => {
        saved = readFileSync(file, 'utf8');
        try {
          return (JSON.parse(saved) as Record<string, unknown>)['terminal.integrated.gpuAcceleration'] === value;
        } catch {
          return false; // not yet written in full
        }
      },
      () => `settings.json saved with gpuAcceleration ${value}; it holds:\n${saved}`,
    );
    await runCommand(page, 'View: Close Editor');
  };
  const expectedFor = (value: GpuAcceleration): Renderer => (value !== 'off' && webgl2Available ? 'webgl' : 'dom');

  before(async () => {
    workbench = await startWorkbench({
      workspace,
      extensionDevelopmentPath: repoRoot,
      settings: PLAIN_BASH_SETTINGS,
    });
    browser = await openBrowser(workbench.url);
    page = browser.page;
    page.on('console', (message) => {
      if (message.text().includes('Milestone Terminals')) console.log(`      webview console: ${message.text()}`);
    });
    webgl2Available = await page.evaluate(() => document.createElement('canvas').getContext('webgl2') !== null);
    console.log(`      WebGL2 in this chromium: ${webgl2Available}`);
  });

  cleanUpAfterSuite(() => ({ page, browser, workbench }));

  it('draws with the renderer the setting names, the same screen after a reload with each', async () => {
    await pickMilestone(page, id, `New milestone "${id}"`);
    let frame = await webviewFrame(page, id);
    await waitForBuffer(frame, (rows) => rows.some((row) => PROMPT.test(row)), 'a prompt');
    await waitForRenderer(frame, 'dom', 'gpuAcceleration off');
    await typeInTerminal(page, frame, SAMPLE);
    await waitForRows(frame, sampleShown, 'the sample line, drawn by the DOM renderer');

    for (const value of ['on', 'off', 'auto'] as const) {
      setGpuAcceleration(value);
      await reloadWindow(page);
      await page.locator('.tab', { hasText: id }).click();
      frame = await webviewFrame(page, id);
      await waitForBuffer(frame, sampleShown, `the sample line after a reload with gpuAcceleration ${value}`);
      await waitForRenderer(frame, expectedFor(value), `gpuAcceleration ${value}, after a reload`);
      if (expectedFor(value) === 'dom') {
        await waitForRows(frame, sampleShown, 'the sample line in the DOM rows');
      }
      // Typing still reaches the shell and its answer is drawn.
      await typeInTerminal(page, frame, `echo typed-$((${value.length}*1000))\n`);
      await waitForBuffer(frame, (rows) => rows.some((row) => row.trimEnd() === `typed-${value.length * 1000}`), `the echo with gpuAcceleration ${value}`);
      await screenshot(page, `renderer-${value}-after-reload`);
    }
  });

  it('falls back to the DOM renderer when the WebGL context is lost, keeping the screen', async function () {
    if (!webgl2Available) {
      this.skip(); // no context to lose: the reload test above showed the DOM renderer in its place
    }
    setGpuAcceleration('on');
    await reloadWindow(page);
    await page.locator('.tab', { hasText: id }).click();
    const frame = await webviewFrame(page, id);
    await waitForRenderer(frame, 'webgl', 'gpuAcceleration on');
    const before = (await bufferRows(frame)).filter(Boolean);
    const lost = await frame.locator('.xterm-screen').evaluate((screen) => {
      for (const canvas of Array.from(screen.querySelectorAll('canvas'))) {
        const extension = canvas.getContext('webgl2')?.getExtension('WEBGL_lose_context');
        if (extension) {
          extension.loseContext();
          return true;
        }
      }
      return false;
    });
    assert.ok(lost, 'a WebGL2 canvas with WEBGL_lose_context to lose');
    // The addon gives the context a few seconds to come back before it reports the loss.
    await waitForRenderer(frame, 'dom', 'after the context loss');
    await waitForRows(frame, sampleShown, 'the sample line, drawn by the DOM renderer after the loss');
    assert.deepEqual((await bufferRows(frame)).filter(Boolean), before, 'the buffer is what it was before the loss');
    await typeInTerminal(page, frame, 'echo after-$((2*21))-loss\n');
    await waitForRows(frame, (rows) => rows.includes('after-42-loss'), 'the echo after the loss');
    await screenshot(page, 'renderer-after-context-loss');
  });

  it('follows the setting changed while the tab is open: from off to on the page is rebuilt with WebGL, the screen kept', async function () {
    if (!webgl2Available) {
      this.skip(); // 'on' leaves the DOM renderer in place: nothing to switch to
    }
    setGpuAcceleration('off');
    await reloadWindow(page);
    await page.locator('.tab', { hasText: id }).click();
    let frame = await webviewFrame(page, id);
    await waitForRenderer(frame, 'dom', 'gpuAcceleration off');
    await waitForRows(frame, sampleShown, 'the sample line, drawn by the DOM renderer');

    await changeGpuAccelerationInEditor('on');
    await page.locator('.tab', { hasText: id }).click();
    frame = await webviewFrame(page, id);
    await waitForRenderer(frame, 'webgl', 'gpuAcceleration changed to on in the settings editor');
    await waitForBuffer(frame, sampleShown, 'the sample line in the rebuilt page');
    await typeInTerminal(page, frame, 'echo live-$((3*14))\n');
    await waitForBuffer(frame, (rows) => rows.some((row) => row.trimEnd() === 'live-42'), 'the echo after the change');
    await screenshot(page, 'renderer-live-change-to-on');
  });
});
