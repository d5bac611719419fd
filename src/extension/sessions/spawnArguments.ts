import { SessionError } from './errors';
import type { PtySpawnOptions } from './ptyProcess';

function refuse(message: string): never {
  throw new SessionError('invalid-argument', message);
}

/**
 * Refuses what the operating system cannot carry, before anything is started: execve
 * takes NUL-terminated strings (a NUL would cut the string short without a word) and
 * the environment as `NAME=value` pairs (an `=` in a name would move the split).
 */
export function validateSpawnArguments(options: PtySpawnOptions): void {
  if (options.command?.includes('\0')) {
    refuse('The command contains a NUL character.');
  }
  if (options.cwd?.includes('\0')) {
    refuse('The working directory contains a NUL character.');
  }
  options.args?.forEach((arg, index) => {
    if (arg.includes('\0')) {
      refuse(`Argument ${index} contains a NUL character.`);
    }
  });
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (name === '') {
      refuse('An environment variable has an empty name.');
    }
    if (name.includes('=') || name.includes('\0')) {
      refuse(`The environment variable name ${JSON.stringify(name)} contains ${name.includes('=') ? '"="' : 'a NUL character'}.`);
    }
    if (value?.includes('\0')) {
      refuse(`The value of the environment variable ${JSON.stringify(name)} contains a NUL character.`);
    }
  }
}
