import { SessionError } from './errors';
import type { PtySpawnOptions } from './ptyProcess';

function refuse(message: string): never {
  throw new SessionError('invalid-argument', message);
}

/** `C:projects`: relative to whatever directory the host process last had on drive C. */
const DRIVE_RELATIVE = /^[A-Za-z]:(?![\\/])/;

/**
 * Refuses what the operating system cannot carry, before anything is started: execve
 * takes NUL-terminated strings (a NUL would cut the string short without a word) and
 * the environment as `NAME=value` pairs (an `=` in a name would move the split). On
 * Windows a drive-relative working directory is refused too: the session host is shared
 * by every window, so what it resolves to would not be what the caller meant. Drive paths
 * (C:\x, C:/x) and UNC paths (\\server\share) are taken; whether they exist is checked later.
 */
export function validateSpawnArguments(options: PtySpawnOptions, platform: NodeJS.Platform = process.platform): void {
  if (options.command?.includes('\0')) {
    refuse('The command contains a NUL character.');
  }
  if (options.cwd?.includes('\0')) {
    refuse('The working directory contains a NUL character.');
  }
  if (platform === 'win32' && options.cwd !== undefined && DRIVE_RELATIVE.test(options.cwd)) {
    refuse(`The working directory "${options.cwd}" is drive-relative; give a full path such as ${options.cwd.slice(0, 2)}\\${options.cwd.slice(2)}.`);
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
