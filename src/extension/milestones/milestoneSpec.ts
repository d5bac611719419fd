import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_SECTION, expandHome } from './settings';
import { normalizeMilestoneId } from '../sessions';

/** How a milestone's terminal starts: from settings, milestones.json, or a command's arguments. */
export interface MilestoneSpec {
  readonly milestoneId: string;
  readonly title?: string;
  readonly cwd?: string;
  readonly command?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export class SpecError extends Error {}

function optionalString(raw: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new SpecError(`${where}: "${key}" must be a string.`);
  }
  return value;
}

/**
 * Checks an untyped milestone description (command arguments, settings, JSON file)
 * and returns a clean spec, or throws a SpecError saying what is wrong.
 */
export function parseMilestoneSpec(raw: unknown, where: string, baseDir?: string): MilestoneSpec {
  if (typeof raw === 'string') {
    return { milestoneId: normalizeMilestoneId(raw) };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SpecError(`${where}: expected an object with a "milestoneId".`);
  }
  const record = raw as Record<string, unknown>;
  const milestoneId = normalizeMilestoneId(record.milestoneId ?? record.id);
  const args = record.args;
  if (args !== undefined && (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string'))) {
    throw new SpecError(`${where}: "args" must be an array of strings.`);
  }
  const env = record.env;
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((value) => typeof value === 'string'))) {
    throw new SpecError(`${where}: "env" must map names to strings.`);
  }
  const cwd = optionalString(record, 'cwd', where);
  return {
    milestoneId,
    title: optionalString(record, 'title', where) ?? optionalString(record, 'label', where),
    cwd: cwd === undefined ? undefined : path.resolve(baseDir ?? '', expandHome(cwd)),
    command: optionalString(record, 'command', where),
    args: args as string[] | undefined,
    env: env as Record<string, string> | undefined,
  };
}

export function specChoosesProcess(spec: MilestoneSpec): boolean {
  return spec.command !== undefined || spec.cwd !== undefined || spec.env !== undefined || spec.args !== undefined;
}

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
        throw new SpecError('expected an array of milestones (or { "milestones": [...] })');
      }
      list.forEach((raw, index) => add(raw, `${file.fsPath}[${index}]`, folder.uri.fsPath));
    } catch (error) {
      log.warn(`Ignoring ${file.fsPath}: ${(error as Error).message}`);
    }
  }
  return specs;
}
