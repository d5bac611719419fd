/**
 * Checks what other extensions, tasks and keybindings pass to the API: anything may arrive
 * (JSON from a keybinding, a stale caller), so every value is checked before it is used.
 */
import { normalizeMilestoneId } from '../sessions/milestoneId';
import { ApiError } from './apiErrors';

/** Far more than anyone types; large pastes go through the terminal itself. */
export const MAX_SEND_TEXT_CHARS = 1_048_576;
export const MAX_PATTERN_CHARS = 4_096;
/** setTimeout's limit (about 24 days). */
export const MAX_WAIT_MS = 2_147_483_647;
export const MAX_LAST_LINES = 1_000;
export const DEFAULT_LAST_LINES = 20;

export type WaitConditionSpec =
  | { readonly kind: 'exit' }
  | { readonly kind: 'idle'; readonly idleMs: number }
  | { readonly kind: 'output'; readonly pattern: RegExp; readonly includeScreen: boolean };

export interface WaitOptionsSpec {
  readonly timeoutMs: number | undefined;
  readonly lastLines: number;
}

type Fields = Record<string, unknown>;

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function fields(value: unknown, what: string, allowed: readonly string[]): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError('invalid-argument', `${what} must be an object, got ${describe(value)}.`);
  }
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    // A misspelt option silently ignored would wait for something else than asked.
    throw new ApiError('invalid-argument', `${what} has unknown ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.map((key) => JSON.stringify(key.slice(0, 40))).join(', ')}; allowed: ${allowed.join(', ')}.`);
  }
  return value as Fields;
}

function integer(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ApiError('invalid-argument', `${what} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

function optionalBoolean(value: unknown, what: string): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ApiError('invalid-argument', `${what} must be true or false.`);
  }
  return value === true;
}

export function parseMilestoneArgument(value: unknown): string {
  return normalizeMilestoneId(value);
}

export function parseSendText(text: unknown, options: unknown): string {
  if (typeof text !== 'string' || text.length > MAX_SEND_TEXT_CHARS) {
    throw new ApiError('invalid-argument', `The text to send must be a string of at most ${MAX_SEND_TEXT_CHARS} characters.`);
  }
  const enter = options === undefined ? false : optionalBoolean(fields(options, 'The send options', ['enter']).enter, '"enter"');
  return enter ? text + '\r' : text;
}

/** A copy of `pattern` without `g` and `y`, whose lastIndex would make one test depend on the one before. */
function statelessPattern(source: string, flags: string): RegExp {
  const kept = flags.replace(/[gy]/g, '');
  try {
    return new RegExp(source, kept);
  } catch (error) {
    throw new ApiError('invalid-argument', `"output" is not a valid regular expression: ${(error as Error).message}`);
  }
}

export function parseWaitCondition(value: unknown): WaitConditionSpec {
  const condition = fields(value, 'The wait condition', ['exit', 'idleMs', 'output', 'flags', 'includeScreen']);
  const given = ['exit', 'idleMs', 'output'].filter((key) => condition[key] !== undefined);
  if (given.length !== 1) {
    throw new ApiError('invalid-argument', `The wait condition must have exactly one of "exit", "idleMs" or "output"${given.length ? `, not ${given.join(' and ')}` : ''}.`);
  }
  if (given[0] !== 'output' && (condition.flags !== undefined || condition.includeScreen !== undefined)) {
    throw new ApiError('invalid-argument', '"flags" and "includeScreen" go only with "output".');
  }
  switch (given[0]) {
    case 'exit':
      if (condition.exit !== true) {
        throw new ApiError('invalid-argument', '"exit" must be true.');
      }
      return { kind: 'exit' };
    case 'idleMs':
      return { kind: 'idle', idleMs: integer(condition.idleMs, '"idleMs"', 1, MAX_WAIT_MS) };
    default: {
      const output = condition.output;
      const includeScreen = optionalBoolean(condition.includeScreen, '"includeScreen"');
      if (output instanceof RegExp) {
        if (condition.flags !== undefined) {
          throw new ApiError('invalid-argument', '"flags" goes only with a pattern given as a string; a RegExp has its own.');
        }
        return { kind: 'output', pattern: statelessPattern(output.source, output.flags), includeScreen };
      }
      if (typeof output !== 'string' || output.length === 0 || output.length > MAX_PATTERN_CHARS) {
        throw new ApiError('invalid-argument', `"output" must be a RegExp or a non-empty pattern string of at most ${MAX_PATTERN_CHARS} characters.`);
      }
      const flags = condition.flags ?? '';
      if (typeof flags !== 'string' || !/^[dgimsuvy]*$/.test(flags)) {
        throw new ApiError('invalid-argument', '"flags" must be regular expression flags (any of d, g, i, m, s, u, v, y).');
      }
      return { kind: 'output', pattern: statelessPattern(output, flags), includeScreen };
    }
  }
}

export function parseWaitOptions(value: unknown): WaitOptionsSpec {
  if (value === undefined || value === null) {
    return { timeoutMs: undefined, lastLines: DEFAULT_LAST_LINES };
  }
  const options = fields(value, 'The wait options', ['timeoutMs', 'lastLines']);
  return {
    timeoutMs: options.timeoutMs === undefined ? undefined : integer(options.timeoutMs, '"timeoutMs"', 1, MAX_WAIT_MS),
    lastLines: options.lastLines === undefined ? DEFAULT_LAST_LINES : integer(options.lastLines, '"lastLines"', 0, MAX_LAST_LINES),
  };
}

export function parseApiVersion(value: unknown, served: number): number {
  if (value !== served) {
    throw new ApiError('unsupported-version', `This build of Milestone Terminals serves API version ${served}, not ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}.`);
  }
  return value;
}
