import type { Terminal } from '@xterm/xterm';
import type { SearchAddon } from '@xterm/addon-search';

/** A small find box over the terminal: Enter finds the next match, Shift+Enter the previous, Escape closes. */
export class FindWidget {
  private readonly box: HTMLDivElement;
  private readonly input: HTMLInputElement;

  /** `parent` is the terminal's container, so the box floats over output and never over the banners. */
  constructor(
    parent: HTMLElement,
    private readonly term: Terminal,
    private readonly search: SearchAddon,
  ) {
    this.box = document.createElement('div');
    this.box.id = 'find-box';
    this.box.className = 'find-box';
    this.box.setAttribute('role', 'search');
    this.box.hidden = true;

    this.input = document.createElement('input');
    this.input.id = 'find-input';
    this.input.type = 'text';
    this.input.placeholder = 'Find';
    this.input.setAttribute('aria-label', 'Find in terminal');
    this.input.addEventListener('input', () => this.find('next', true));
    this.input.addEventListener('keydown', (event) => this.onKeyDown(event));

    this.box.append(
      this.input,
      this.button('find-previous', '\u2191', 'Previous match (Shift+Enter)', () => this.find('previous')),
      this.button('find-next', '\u2193', 'Next match (Enter)', () => this.find('next')),
      this.button('find-close', '\u00d7', 'Close (Escape)', () => this.close()),
    );
    parent.append(this.box);
  }

  open(): void {
    this.box.hidden = false;
    if (this.term.hasSelection()) {
      this.input.value = this.term.getSelection();
    }
    this.input.focus();
    this.input.select();
  }

  close(): void {
    this.box.hidden = true;
    this.input.classList.remove('no-match');
    this.search.clearDecorations();
    this.term.focus();
  }

  private find(direction: 'next' | 'previous', incremental = false): void {
    const query = this.input.value;
    if (!query) {
      this.input.classList.remove('no-match');
      this.term.clearSelection();
      return;
    }
    const found =
      direction === 'next' ? this.search.findNext(query, { incremental }) : this.search.findPrevious(query);
    this.input.classList.toggle('no-match', !found);
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      this.close();
    } else if (event.key === 'Enter') {
      this.find(event.shiftKey ? 'previous' : 'next');
    } else {
      return;
    }
    event.preventDefault();
  }

  private button(id: string, label: string, title: string, onClick: () => void): HTMLButtonElement {
    const button = document.createElement('button');
    button.id = id;
    button.type = 'button';
    button.textContent = label;
    button.title = title;
    button.setAttribute('aria-label', title);
    button.addEventListener('click', onClick);
    return button;
  }
}
