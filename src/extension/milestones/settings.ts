import * as vscode from 'vscode';
import { DEFAULT_MAX_SESSIONS, SessionSettingLimits, type SessionSettings } from '../sessions';
import { expandHome } from './milestoneSpec';

export const CONFIG_SECTION = 'milestoneTerminals';

/** The settings that shape the session manager; `affectsSessionSettings` says when they change. */
export function sessionSettings(): SessionSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const replayKiB = config.get<number>('replayBufferKiB', 64);
  const timeoutMinutes = config.get<number>('detachedTimeoutMinutes', 5);
  const maxSessions = config.get<number>('maxSessions', DEFAULT_MAX_SESSIONS);
  return {
    replayBufferBytes: clamp(Math.round(replayKiB * 1024), SessionSettingLimits.minReplayBufferBytes, SessionSettingLimits.maxReplayBufferBytes),
    detachedTimeoutMs: clamp(Math.round(timeoutMinutes * 60_000), 0, SessionSettingLimits.maxDetachedTimeoutMs),
    maxSessions: clamp(Math.round(maxSessions), 1, SessionSettingLimits.maxSessions),
  };
}

export function affectsSessionSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(`${CONFIG_SECTION}.replayBufferKiB`) || event.affectsConfiguration(`${CONFIG_SECTION}.detachedTimeoutMinutes`) || event.affectsConfiguration(`${CONFIG_SECTION}.maxSessions`);
}

export interface ShellSettings {
  readonly command: string | undefined;
  readonly args: readonly string[] | undefined;
  readonly cwd: string | undefined;
}

/**
 * The shell and folder a milestone without its own command starts with. The shell
 * settings are machine-scoped (a workspace cannot choose them), and the folder is
 * a restricted setting, so untrusted workspaces cannot pick what runs where.
 */
export function shellSettings(): ShellSettings {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const command = config.get<string>('shell.path')?.trim() || undefined;
  const args = config.get<string[]>('shell.args');
  const configuredCwd = config.get<string>('defaultCwd')?.trim();
  return {
    command,
    args: Array.isArray(args) && args.every((arg) => typeof arg === 'string') ? args : undefined,
    cwd: configuredCwd ? expandHome(configuredCwd) : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  };
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
}
