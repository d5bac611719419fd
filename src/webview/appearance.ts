import type { Terminal } from '@xterm/xterm';
import type { TerminalAppearance } from '../shared/protocol';

function finiteIn(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** VS Code leaves terminal.integrated.fontFamily empty to mean "the editor's font". */
function resolveFontFamily(requested: unknown): string {
  if (typeof requested === 'string' && requested.trim()) {
    return requested;
  }
  const editorFont = getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-font-family').trim();
  return editorFont || 'monospace';
}

/** Applies settings live; values out of range are clamped rather than trusted. */
export function applyAppearance(term: Terminal, appearance: TerminalAppearance): void {
  const options = term.options;
  options.fontFamily = resolveFontFamily(appearance.fontFamily);
  options.fontSize = finiteIn(appearance.fontSize, 6, 100, 14);
  options.lineHeight = finiteIn(appearance.lineHeight, 1, 8, 1);
  options.cursorBlink = appearance.cursorBlink === true;
  options.cursorStyle = ['block', 'underline', 'bar'].includes(appearance.cursorStyle) ? appearance.cursorStyle : 'block';
  options.scrollback = Math.round(finiteIn(appearance.scrollback, 0, 1_000_000, 1_000));
  // As VS Code's terminal does, so that e.g. bold white stays readable on a light theme.
  options.minimumContrastRatio = finiteIn(appearance.minimumContrastRatio, 1, 21, 4.5);
}
