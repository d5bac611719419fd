import * as os from 'node:os';
import * as path from 'node:path';
import { KindedError } from '../sessions/errors';
import { normalizeMilestoneId } from '../sessions/milestoneId';

/** How a milestone's terminal starts: from settings, milestones.json, or a command's arguments. */
export interface MilestoneSpec {
  readonly milestoneId: string;
  readonly title?: string;
  readonly cwd?: string;
  readonly command?: string;
  readonly args?: readonly string[];
  /** Used instead of `args` by Restart when the milestone's session is gone (a reboot, an expired session): how to resume rather than start. */
  readonly resumeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export const SPEC_ERROR_KINDS = [
  /** The description is malformed (wrong types, no id). */
  'invalid-spec',
  /** It chooses a command, folder or environment, which an untrusted workspace may not. */
  'needs-trust',
] as const;

export type SpecErrorKind = (typeof SPEC_ERROR_KINDS)[number];

/** A milestone description that cannot be used, with what is wrong in the message. */
export class SpecError extends KindedError<SpecErrorKind> {}

/** `~` and `~/...` as a shell would read them; folders in settings and milestones.json are written so. */
export function expandHome(folder: string): string {
  return folder === '~' || folder.startsWith('~/') ? os.homedir() + folder.slice(1) : folder;
}

function optionalString(raw: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new SpecError('invalid-spec', `${where}: "${key}" must be a string.`);
  }
  return value;
}

function optionalStrings(raw: Record<string, unknown>, key: string, where: string): string[] | undefined {
  const value = raw[key];
  if (value !== undefined && (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))) {
    throw new SpecError('invalid-spec', `${where}: "${key}" must be an array of strings.`);
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
    throw new SpecError('invalid-spec', `${where}: expected an object with a "milestoneId".`);
  }
  const record = raw as Record<string, unknown>;
  const milestoneId = normalizeMilestoneId(record.milestoneId ?? record.id);
  const args = optionalStrings(record, 'args', where);
  const resumeArgs = optionalStrings(record, 'resumeArgs', where);
  const env = record.env;
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((value) => typeof value === 'string'))) {
    throw new SpecError('invalid-spec', `${where}: "env" must map names to strings.`);
  }
  const cwd = optionalString(record, 'cwd', where);
  return {
    milestoneId,
    title: optionalString(record, 'title', where) ?? optionalString(record, 'label', where),
    cwd: cwd === undefined ? undefined : path.resolve(baseDir ?? '', expandHome(cwd)),
    command: optionalString(record, 'command', where),
    args,
    resumeArgs,
    env: env as Record<string, string> | undefined,
  };
}

export function specChoosesProcess(spec: MilestoneSpec): boolean {
  return spec.command !== undefined || spec.cwd !== undefined || spec.env !== undefined || spec.args !== undefined || spec.resumeArgs !== undefined;
}
