import * as vscode from 'vscode';
import type { TerminalAppearance } from '../../shared/protocol';

/** Font and cursor from VS Code's own terminal settings, so both terminals look alike. */
export function terminalAppearance(): TerminalAppearance {
  const terminal = vscode.workspace.getConfiguration('terminal.integrated');
  const editor = vscode.workspace.getConfiguration('editor');
  const cursorStyle = terminal.get<string>('cursorStyle', 'block');
  return {
    fontFamily: terminal.get<string>('fontFamily') || editor.get<string>('fontFamily') || 'monospace',
    fontSize: clamp(terminal.get<number>('fontSize') || editor.get<number>('fontSize') || 14, 6, 100),
    lineHeight: clamp(terminal.get<number>('lineHeight', 1), 1, 4),
    cursorBlink: terminal.get<boolean>('cursorBlinking', false),
    cursorStyle: cursorStyle === 'line' ? 'bar' : cursorStyle === 'underline' ? 'underline' : 'block',
    scrollback: clamp(terminal.get<number>('scrollback', 1000), 0, 100_000),
    minimumContrastRatio: clamp(terminal.get<number>('minimumContrastRatio', 4.5), 1, 21),
  };
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
}
