import * as vscode from 'vscode';
import { GPU_ACCELERATION_VALUES, type GpuAcceleration, type TerminalAppearance } from '../../shared/protocol';

/** The settings terminalAppearance() reads; a change to any of them is sent to open views. */
const APPEARANCE_SECTIONS = ['terminal.integrated', 'editor.fontFamily', 'editor.fontSize'];

/** Font and cursor from VS Code's own terminal settings, so both terminals look alike. */
export function terminalAppearance(): TerminalAppearance {
  const terminal = vscode.workspace.getConfiguration('terminal.integrated');
  const editor = vscode.workspace.getConfiguration('editor');
  const cursorStyle = terminal.get<string>('cursorStyle', 'block');
  const gpuAcceleration = terminal.get<string>('gpuAcceleration', 'auto');
  return {
    fontFamily: terminal.get<string>('fontFamily') || editor.get<string>('fontFamily') || 'monospace',
    fontSize: clamp(terminal.get<number>('fontSize') || editor.get<number>('fontSize') || 14, 6, 100),
    lineHeight: clamp(terminal.get<number>('lineHeight', 1), 1, 4),
    cursorBlink: terminal.get<boolean>('cursorBlinking', false),
    cursorStyle: cursorStyle === 'line' ? 'bar' : cursorStyle === 'underline' ? 'underline' : 'block',
    scrollback: clamp(terminal.get<number>('scrollback', 1000), 0, 100_000),
    minimumContrastRatio: clamp(terminal.get<number>('minimumContrastRatio', 4.5), 1, 21),
    // A hand-edited value outside the enum gets VS Code's default.
    gpuAcceleration: GPU_ACCELERATION_VALUES.includes(gpuAcceleration as GpuAcceleration) ? (gpuAcceleration as GpuAcceleration) : 'auto',
  };
}

/** Fires when a setting behind terminalAppearance() changes, so open views follow it live as VS Code's terminal does. */
export function onDidChangeTerminalAppearance(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (APPEARANCE_SECTIONS.some((section) => event.affectsConfiguration(section))) {
      listener();
    }
  });
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
}
