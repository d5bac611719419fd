import * as vscode from 'vscode';
import { DEFAULT_MAX_SESSIONS, SessionSettingLimits, type SessionSettings } from '../sessions';
import { expandHome } from './milestoneSpec';

export const CONFIG_SECTION = 'milestoneTerminals';

/** The shortest detached timeout the setting allows, other than 0 (keep until closed). */
export const MIN_DETACHED_TIMEOUT_MINUTES = 1;

/**
 * The user's own value of a setting (user settings, else the default). These settings
 * are the user's policy for sessions that every window shares, so a folder's or
 * workspace's value is ignored even where VS Code would apply it (older builds, a
 * misdeclared scope).
 */
function userValue(key: string, fallback: number): number {
  const inspected = vscode.workspace.getConfiguration(CONFIG_SECTION).inspect<unknown>(key);
  const value = inspected?.globalValue ?? inspected?.defaultValue;
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** The settings that shape the session manager; `affectsSessionSettings` says when they change. */
export function sessionSettings(): SessionSettings {
  const replayKiB = userValue('replayBufferKiB', 64);
  const timeoutMinutes = userValue('detachedTimeoutMinutes', 5);
  const keptMinutes = timeoutMinutes <= 0 ? 0 : Math.max(MIN_DETACHED_TIMEOUT_MINUTES, timeoutMinutes);
  const maxSessions = userValue('maxSessions', DEFAULT_MAX_SESSIONS);
  const transcriptMiB = userValue('transcriptMaxMiB', 32);
  const retentionDays = userValue('transcriptRetentionDays', 7);
  return {
    replayBufferBytes: clamp(Math.round(replayKiB * 1024), SessionSettingLimits.minReplayBufferBytes, SessionSettingLimits.maxReplayBufferBytes),
    detachedTimeoutMs: clamp(Math.round(keptMinutes * 60_000), 0, SessionSettingLimits.maxDetachedTimeoutMs),
    maxSessions: clamp(Math.round(maxSessions), 1, SessionSettingLimits.maxSessions),
    transcriptMaxBytes: clamp(Math.round(transcriptMiB * 1024 * 1024), 0, SessionSettingLimits.maxTranscriptBytes),
    transcriptRetentionMs: clamp(Math.round(retentionDays * 24 * 60 * 60_000), MIN_TRANSCRIPT_RETENTION_MS, SessionSettingLimits.maxTranscriptRetentionMs),
  };
}

/** A transcript is kept at least an hour after its last output, whatever the setting says. */
const MIN_TRANSCRIPT_RETENTION_MS = 60 * 60_000;

const SESSION_SETTING_KEYS = ['replayBufferKiB', 'detachedTimeoutMinutes', 'maxSessions', 'transcriptMaxMiB', 'transcriptRetentionDays'];

export function affectsSessionSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return SESSION_SETTING_KEYS.some((key) => event.affectsConfiguration(`${CONFIG_SECTION}.${key}`));
}

export type AttentionMode = 'off' | 'badge' | 'notify';

/** What a session asking for the user does in this window: nothing, a mark and badge, or also a notification. */
export function attentionMode(): AttentionMode {
  const value = vscode.workspace.getConfiguration(CONFIG_SECTION).get<unknown>('attention');
  return value === 'off' || value === 'badge' ? value : 'notify';
}

/** The default of `keptPages`: hidden tabs that keep their page beyond the visible ones. */
export const DEFAULT_KEPT_PAGES = 10;
const MAX_KEPT_PAGES = 1000;

/** How many hidden terminal tabs keep their page (see `milestoneTerminals.keptPages`). */
export function keptPages(): number {
  const value = vscode.workspace.getConfiguration(CONFIG_SECTION).get<unknown>('keptPages');
  return typeof value === 'number' && Number.isFinite(value) ? clamp(Math.floor(value), 0, MAX_KEPT_PAGES) : DEFAULT_KEPT_PAGES;
}

export function affectsKeptPages(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(`${CONFIG_SECTION}.keptPages`);
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
