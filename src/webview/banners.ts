import { describeExitStatus, endedInError } from '../shared/exitStatus';
import type { ErrorCode, SessionInfo } from '../shared/protocol';

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

/** Local wall-clock time as HH:MM:SS. */
export function formatClockTime(epochMs: number): string {
  const time = new Date(epochMs);
  return [time.getHours(), time.getMinutes(), time.getSeconds()].map(twoDigits).join(':');
}

export function describeExit(session: SessionInfo): string {
  const at = formatClockTime(session.exitedAt ?? Date.now());
  // Without a code or signal the process was lost with its session host, not seen exiting.
  return `Process ${describeExitStatus(session)} at ${at}`;
}

/** A one-line strip above the terminal; it takes space instead of covering output. */
class Banner {
  protected readonly element: HTMLDivElement;
  protected readonly message: HTMLSpanElement;

  constructor(id: string, role: 'status' | 'alert', anchor: HTMLElement) {
    this.element = document.createElement('div');
    this.element.id = id;
    this.element.className = `banner ${id}`;
    this.element.setAttribute('role', role);
    this.element.hidden = true;
    this.message = document.createElement('span');
    this.message.className = 'banner-message';
    this.element.append(this.message);
    anchor.before(this.element);
  }

  protected addButton(id: string, label: string, onClick: () => void): HTMLButtonElement {
    const button = document.createElement('button');
    button.id = id;
    button.type = 'button';
    button.textContent = label;
    button.addEventListener('click', onClick);
    this.element.append(button);
    return button;
  }

  protected showText(text: string): void {
    this.message.textContent = text;
    this.element.hidden = false;
  }

  hide(): void {
    this.element.hidden = true;
  }
}

export class ExitBanner extends Banner {
  private readonly restartButton: HTMLButtonElement;

  constructor(anchor: HTMLElement, requestRestart: () => void) {
    super('exit-banner', 'status', anchor);
    this.restartButton = this.addButton('restart-button', 'Restart in the same folder', () => {
      // One click, one restart; enabled again by the next exit or a failed attempt.
      this.restartButton.disabled = true;
      requestRestart();
    });
    this.restartButton.className = 'primary';
  }

  show(session: SessionInfo): void {
    this.restartButton.disabled = false;
    this.element.classList.toggle('failed', endedInError(session));
    this.showText(describeExit(session));
  }

  /** After a failed restart the user may try again. */
  enableRestart(): void {
    this.restartButton.disabled = false;
  }
}

export class ErrorBanner extends Banner {
  /** What the banner shows now, so that only that error's clearing hides it. */
  private code: ErrorCode | undefined;

  constructor(anchor: HTMLElement) {
    super('error-banner', 'alert', anchor);
    const dismiss = this.addButton('error-dismiss', '\u00d7', () => this.hide());
    dismiss.title = 'Dismiss';
    dismiss.setAttribute('aria-label', 'Dismiss');
  }

  show(code: ErrorCode, text: string): void {
    this.code = code;
    this.showText(text);
  }

  clear(code: ErrorCode): void {
    if (this.code === code) {
      this.hide();
    }
  }

  override hide(): void {
    this.code = undefined;
    super.hide();
  }
}
