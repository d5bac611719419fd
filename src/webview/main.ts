/**
 * The terminal webview: renders a host-owned PTY session with xterm.js and sends
 * input, size and acknowledgements back. It holds no session state of its own; the
 * host replays everything when the view is (re)opened.
 */
import '@xterm/xterm/css/xterm.css';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import type {
  AppearanceMessage,
  TerminalAppearance,
  ErrorMessage,
  HostToWebviewMessage,
  NoticeMessage,
  OutputMessage,
  ReplayMessage,
  SessionInfo,
  SessionMessage,
} from '../shared/protocol';
import { isTerminalSize } from '../shared/protocol';
import { splitInput } from '../shared/input';
import { PARSING_OPTIONS, configureParsing } from '../shared/terminalParsing';
import { applyAppearance } from './appearance';
import { ErrorBanner, ExitBanner } from './banners';
import { FindWidget } from './findWidget';
import { AckBatcher } from './ackBatcher';
import { createKeyHandler } from './keyboard';
import { TerminalRenderer } from './renderer';
import { onThemeChange, readTerminalTheme } from './theme';
import { connectToHost, type Host } from './vscodeApi';

const RESIZE_DEBOUNCE_MS = 50;
/** Messages that put the terminal on the page when they come before any replay (see dispatch). */
const DRAWN_BEFORE_A_REPLAY: ReadonlySet<string> = new Set<HostToWebviewMessage['type']>(['output', 'notice', 'error']);
/** RIS: resets the terminal in stream order, after output that is still queued for parsing. */
const FULL_RESET = '\x1bc';

type HostMessageHandlers = {
  readonly [Type in HostToWebviewMessage['type']]: (message: Extract<HostToWebviewMessage, { type: Type }>) => void;
};

/** A notice on its own dimmed line(s); control characters are removed so it cannot restyle the terminal. */
function formatNotice(text: string): string {
  const lines = String(text)
    .split(/\r\n|\r|\n/)
    .map((line) => `\x1b[2m${line.replace(/[\x00-\x1f\x7f-\x9f]/g, '')}\x1b[0m`);
  return `\r\n${lines.join('\r\n')}\r\n`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A replay's size, if it is one a terminal can take. */
function screenSize(size: unknown): { cols: number; rows: number } | undefined {
  return isRecord(size) && isTerminalSize(size) ? { cols: size.cols, rows: size.rows } : undefined;
}

class WebviewTerminal {
  private readonly term: Terminal;
  private readonly fitAddon = new FitAddon();
  private readonly exitBanner: ExitBanner;
  private readonly errorBanner: ErrorBanner;
  private readonly acks: AckBatcher;
  private readonly renderer: TerminalRenderer;
  /** True while a replay is parsed: input then is xterm answering queries in old output. */
  private replaying = false;
  /** Identifies the newest replay, so an older replay's callback cannot end the drop early. */
  private replayGeneration = 0;
  private postedSize: { cols: number; rows: number } | undefined;
  /**
   * The size depends on the font, which arrives with the first replay. Sizes measured
   * before it are not sent: every resize makes full-screen programs (vim) redraw and
   * drop their message line, so a reopened view must not resize the process twice.
   */
  private appearance: TerminalAppearance | undefined;
  /** term.open() has run: see openTerminal for why not at once. */
  private opened = false;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly handlers: HostMessageHandlers = {
    replay: (message) => this.onReplay(message),
    output: (message) => this.onOutput(message),
    session: (message) => this.onSession(message),
    appearance: (message) => this.onAppearance(message),
    notice: (message) => this.onNotice(message),
    error: (message) => this.onError(message),
    clearError: (message) => this.errorBanner.clear(message.code),
  };

  constructor(
    private readonly host: Host,
    private readonly container: HTMLElement,
  ) {
    this.term = new Terminal({
      ...PARSING_OPTIONS,
      theme: readTerminalTheme(),
      // OSC 8 hyperlinks: xterm's default confirms and opens a window, both blocked in a
      // webview. Every scheme goes to the host, which checks it as it does for web links.
      linkHandler: { activate: (_event, url) => this.openLink(url), allowNonHttpProtocols: true },
    });
    this.exitBanner = new ExitBanner(container, () => this.host.post({ type: 'restart' }));
    this.errorBanner = new ErrorBanner(container);
    this.acks = new AckBatcher((chars) => this.host.post({ type: 'ack', chars }));
    // WebGL and DOM cells can differ by a fraction of a pixel, hence how many fit.
    this.renderer = new TerminalRenderer(this.term, () => this.fit());
  }

  start(): void {
    // Asked for first, so the replay is on its way while xterm sets up. It arrives as a
    // message event, which cannot run before this method returns.
    window.addEventListener('message', (event: MessageEvent<unknown>) => this.dispatch(event.data));
    this.host.post({ type: 'ready' });

    const term = this.term;
    // As VS Code's terminal does on its wrapper for its smoke tests: with the WebGL renderer
    // no text is in the DOM, so the e2e tests and benches read the buffer from here.
    (this.container as HTMLElement & { xterm?: Terminal }).xterm = term;

    const search = new SearchAddon();
    term.loadAddon(this.fitAddon);
    term.loadAddon(search);
    configureParsing(term);
    term.loadAddon(new WebLinksAddon((_event, url) => this.openLink(url)));

    const findWidget = new FindWidget(this.container, term, search);
    term.attachCustomKeyEventHandler(createKeyHandler(term, () => findWidget.open()));
    term.onData((data) => this.sendInput(data));
    term.onBinary((data) => this.sendInput(data));
    // Activating the tab focuses the webview's frame, not an element in it: pass that on
    // to the terminal unless the user is in the find box.
    window.addEventListener('focus', () => this.focusUnlessBusy());

    onThemeChange(() => {
      term.options.theme = readTerminalTheme();
    });
    new ResizeObserver(() => this.fitSoon()).observe(this.container);
  }

  /**
   * Puts the terminal on the page, normally once the first replay is parsed: xterm 6 updates
   * its scroll bar on every line that scrolls while it is on a page, which made parsing a
   * replay of a full scrollback take several times longer than drawing it (profiled in
   * bench/rehydration.ts).
   */
  private openTerminal(): void {
    if (this.opened) {
      return;
    }
    this.opened = true;
    const term = this.term;
    term.open(this.container);
    term.textarea?.addEventListener('focus', () => {
      this.host.post({ type: 'focus' });
      this.postSize();
    });
    if (this.appearance) {
      this.renderer.apply(this.appearance.gpuAcceleration);
    }
    // The scroll bar learns of the lines written before open() only from a resize: when the
    // page's size is the replay's, the fit below would not resize, so it is made to.
    const fitted = this.fitAddon.proposeDimensions();
    if (fitted?.cols === term.cols && fitted.rows === term.rows) {
      term.resize(term.cols, term.rows + 1);
    }
    this.fit();
    // The tab was activated while the replay was parsed: its focus goes to the terminal now.
    this.focusUnlessBusy();
  }

  /** Gives a focused page's focus to the terminal, unless the user is in the find box. */
  private focusUnlessBusy(): void {
    if (document.hasFocus() && (!document.activeElement || document.activeElement === document.body)) {
      this.term.focus();
    }
  }

  private dispatch(raw: unknown): void {
    if (!isRecord(raw) || typeof raw.type !== 'string' || !Object.hasOwn(this.handlers, raw.type)) {
      console.warn('Milestone Terminals: ignoring a host message of unknown type', raw);
      return;
    }
    // Output, a notice or an error before any replay: none may come (the host could not read
    // the screen), so the terminal goes on the page now. Session and appearance news do not
    // draw in it, and come before the replay when the process printed while the page loaded.
    if (DRAWN_BEFORE_A_REPLAY.has(raw.type) && this.replayGeneration === 0) {
      this.openTerminal();
    }
    const handle = this.handlers[raw.type as HostToWebviewMessage['type']] as (message: HostToWebviewMessage) => void;
    try {
      handle(raw as unknown as HostToWebviewMessage);
    } catch (error) {
      console.warn(`Milestone Terminals: could not handle a '${raw.type}' message`, error);
    }
  }

  private onReplay(message: ReplayMessage): void {
    if (typeof message.data !== 'string') {
      console.warn('Milestone Terminals: replay without data');
      return;
    }
    const generation = ++this.replayGeneration;
    this.replaying = true;
    const size = screenSize(message.size);
    if (!size) {
      this.openTerminal(); // the replay is laid out at the page's size, as it comes
    }
    this.onAppearance(message);
    this.onSession(message);
    const data = message.data;
    if (!this.opened && size) {
      // Written at the size it was drawn at; the fit in openTerminal reflows it to the page's.
      this.term.resize(size.cols, size.rows);
    }
    this.term.write(FULL_RESET);
    this.term.write(data, () => {
      this.openTerminal();
      this.acks.parsed(data.length);
      if (generation === this.replayGeneration) {
        this.replaying = false;
      }
    });
  }

  private onOutput(message: OutputMessage): void {
    const data = message.data;
    if (typeof data !== 'string') {
      console.warn('Milestone Terminals: output without data');
      return;
    }
    this.term.write(data, () => this.acks.parsed(data.length));
  }

  private onSession(message: Pick<SessionMessage, 'session'>): void {
    const session: SessionInfo = message.session;
    if (!isRecord(session) || typeof session.sessionId !== 'string' || typeof session.milestoneId !== 'string') {
      console.warn('Milestone Terminals: session message without ids');
      return;
    }
    this.host.saveState({ milestoneId: session.milestoneId, sessionId: session.sessionId });
    if (session.state === 'exited') {
      this.exitBanner.show(session);
    } else {
      this.exitBanner.hide();
    }
  }

  private onAppearance(message: Pick<AppearanceMessage, 'appearance'>): void {
    if (!isRecord(message.appearance)) {
      console.warn('Milestone Terminals: appearance message without settings');
      return;
    }
    applyAppearance(this.term, message.appearance);
    this.appearance = message.appearance;
    if (this.opened) {
      this.renderer.apply(message.appearance.gpuAcceleration);
      // Font changes alter the cell size, hence how many rows and columns fit. Fitted now,
      // not later, so that a replay written next lands in a terminal of its final size.
      this.fit();
    }
  }

  private onNotice(message: NoticeMessage): void {
    this.term.write(formatNotice(message.text));
  }

  private onError(message: ErrorMessage): void {
    console.warn(`Milestone Terminals: host error ${message.code}: ${message.message}`);
    this.errorBanner.show(message.code, String(message.message));
    this.exitBanner.enableRestart();
  }

  /** The host checks the scheme before it opens anything. */
  private openLink(url: string): void {
    this.host.post({ type: 'openLink', url });
  }

  private sendInput(data: string): void {
    if (this.replaying) {
      return;
    }
    for (const piece of splitInput(data)) {
      this.host.post({ type: 'input', data: piece });
    }
  }

  private fitSoon(): void {
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => this.fit(), RESIZE_DEBOUNCE_MS);
  }

  private fit(): void {
    if (!this.opened) {
      return;
    }
    this.fitAddon.fit();
    const { cols, rows } = this.term;
    if (cols !== this.postedSize?.cols || rows !== this.postedSize?.rows) {
      this.postSize();
    }
  }

  private postSize(): void {
    if (!this.appearance) {
      return;
    }
    const { cols, rows } = this.term;
    this.postedSize = { cols, rows };
    this.host.post({ type: 'resize', cols, rows });
  }
}

const container = document.getElementById('terminal');
if (container) {
  new WebviewTerminal(connectToHost(), container).start();
} else {
  console.error('Milestone Terminals: the page has no #terminal element');
}
