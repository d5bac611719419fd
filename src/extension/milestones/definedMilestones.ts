import * as vscode from 'vscode';
import { CONFIG_SECTION } from './settings';
import { SpecError, parseMilestoneSpec, type MilestoneSpec } from './milestoneSpec';

/**
 * Milestones the user defined: the `milestoneTerminals.milestones` setting and each
 * workspace folder's `.vscode/milestones.json`. The file is read only in a trusted
 * workspace (it chooses what runs); invalid entries are logged and skipped.
 */
export async function loadDefinedMilestones(log: vscode.LogOutputChannel): Promise<MilestoneSpec[]> {
  const specs: MilestoneSpec[] = [];
  const seen = new Set<string>();
  const add = (raw: unknown, where: string, baseDir?: string) => {
    try {
      const spec = parseMilestoneSpec(raw, where, baseDir);
      if (!seen.has(spec.milestoneId)) {
        seen.add(spec.milestoneId);
        specs.push(spec);
      }
    } catch (error) {
      log.warn(`Skipping a milestone definition: ${(error as Error).message}`);
    }
  };
  const fromSettings = vscode.workspace.getConfiguration(CONFIG_SECTION).get<unknown[]>('milestones', []);
  (Array.isArray(fromSettings) ? fromSettings : []).forEach((raw, index) => add(raw, `setting milestones[${index}]`, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath));
  if (!vscode.workspace.isTrusted) {
    return specs;
  }
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const file = vscode.Uri.joinPath(folder.uri, '.vscode', 'milestones.json');
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
    } catch {
      continue; // no file: nothing defined there
    }
    try {
      const parsed: unknown = JSON.parse(text);
      const list = Array.isArray(parsed) ? parsed : (parsed as { milestones?: unknown })?.milestones;
      if (!Array.isArray(list)) {
        throw new SpecError('invalid-spec', 'expected an array of milestones (or { "milestones": [...] })');
      }
      list.forEach((raw, index) => add(raw, `${file.fsPath}[${index}]`, folder.uri.fsPath));
    } catch (error) {
      log.warn(`Ignoring ${file.fsPath}: ${(error as Error).message}`);
    }
  }
  return specs;
}
