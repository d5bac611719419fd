/**
 * Which xterm renderer draws the terminal, chosen as VS Code's own terminal chooses: WebGL
 * while terminal.integrated.gpuAcceleration allows it and the page can create a WebGL2
 * context, xterm's DOM renderer otherwise. The DOM renderer costs the page style, layout and
 * paint for every changed row, the larger part of a flood's main-thread time (profiled).
 */
import type { Terminal } from '@xterm/xterm';
import type { WebglAddon } from '@xterm/addon-webgl';
import type { GpuAcceleration } from '../shared/protocol';
import { webglAddonClass } from './webglAddon';

export type RendererKind = 'webgl' | 'dom';

export class TerminalRenderer {
  private webgl: WebglAddon | undefined;
  /**
   * WebGL failed to start or lost its context in this page: 'auto' then stays on the DOM
   * renderer rather than trying again on every setting change; 'on' tries again.
   */
  private webglRefused = false;
  private fallbackLogged = false;

  /** `onDidSwitch` runs after the renderer changed: the cell size may differ, so the caller refits. */
  constructor(
    private readonly term: Terminal,
    private readonly onDidSwitch: () => void,
  ) {}

  get kind(): RendererKind {
    return this.webgl ? 'webgl' : 'dom';
  }

  /** Follows the setting; unknown values count as VS Code's default, 'auto'. Call after term.open(). */
  apply(setting: GpuAcceleration | undefined): void {
    const wanted = setting === 'on' || (setting !== 'off' && !this.webglRefused);
    if (wanted && !this.webgl) {
      this.startWebgl();
    } else if (!wanted && this.webgl) {
      this.stopWebgl();
      this.onDidSwitch();
    }
  }

  private startWebgl(): void {
    const Addon = webglAddonClass();
    if (!Addon) {
      return; // a page built while the setting was 'off': the extension rebuilds it with WebGL
    }
    let addon: WebglAddon | undefined;
    try {
      addon = new Addon();
      // Throws when the page cannot create a WebGL2 context (no GPU, GPU blocklisted, software
      // rendering refused); xterm keeps its DOM renderer then.
      this.term.loadAddon(addon);
    } catch (error) {
      addon?.dispose();
      this.fallBack('WebGL could not start', error);
      return;
    }
    const started = addon;
    this.webgl = started;
    // The addon waits a few seconds for the context to come back before it reports the loss.
    // Disposing the addon unsubscribes this listener with it.
    started.onContextLoss(() => {
      if (this.webgl === started) {
        this.stopWebgl();
        this.fallBack('WebGL lost its context');
        this.onDidSwitch();
      }
    });
    this.onDidSwitch();
  }

  /** Disposing the addon puts xterm's DOM renderer back in its place; the buffer is untouched. */
  private stopWebgl(): void {
    this.webgl?.dispose();
    this.webgl = undefined;
  }

  private fallBack(reason: string, error?: unknown): void {
    this.webglRefused = true;
    if (!this.fallbackLogged) {
      this.fallbackLogged = true;
      console.warn(`Milestone Terminals: ${reason}; drawing with the DOM renderer.`, error ?? '');
    }
  }
}
