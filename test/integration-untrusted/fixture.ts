// The workspace the untrusted suite opens, written before the workbench starts so that VS Code
// reads its settings at startup. Each entry would choose a process or a folder if it were obeyed.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A plain workspace setting, obeyed in restricted mode too: proof that the settings file was read. */
export const PROOF_SETTING = { section: 'editor', key: 'tabSize', value: 3 };
export const CHOSEN_FOLDER = 'chosen-by-the-workspace';
export const FROM_SETTINGS = 'from-workspace-settings';
export const FROM_FILE = 'from-milestones-json';
/** Settings that would close every window's detached sessions within a second, starve their replay, and drop their transcripts. */
export const SHORTENING_SETTINGS = { detachedTimeoutMinutes: 0.001, replayBufferKiB: 1, maxSessions: 1, transcriptMaxMiB: 0, transcriptRetentionDays: 0.05 };

export function writeUntrustedWorkspace(workspace: string): void {
  const dotVscode = path.join(workspace, '.vscode');
  fs.mkdirSync(dotVscode, { recursive: true });
  fs.mkdirSync(path.join(workspace, CHOSEN_FOLDER));
  const settings = {
    [`${PROOF_SETTING.section}.${PROOF_SETTING.key}`]: PROOF_SETTING.value,
    'milestoneTerminals.defaultCwd': path.join(workspace, CHOSEN_FOLDER),
    'milestoneTerminals.milestones': [{ id: FROM_SETTINGS, command: 'sleep', args: ['1234'] }],
    'milestoneTerminals.detachedTimeoutMinutes': SHORTENING_SETTINGS.detachedTimeoutMinutes,
    'milestoneTerminals.replayBufferKiB': SHORTENING_SETTINGS.replayBufferKiB,
    'milestoneTerminals.maxSessions': SHORTENING_SETTINGS.maxSessions,
    'milestoneTerminals.transcriptMaxMiB': SHORTENING_SETTINGS.transcriptMaxMiB,
    'milestoneTerminals.transcriptRetentionDays': SHORTENING_SETTINGS.transcriptRetentionDays,
  };
  fs.writeFileSync(path.join(dotVscode, 'settings.json'), JSON.stringify(settings, null, 2));
  fs.writeFileSync(path.join(dotVscode, 'milestones.json'), JSON.stringify([{ id: FROM_FILE, command: 'sleep', args: ['2345'] }]));
}
