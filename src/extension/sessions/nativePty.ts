import { accessSync, constants as fsConstants, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as NodePty from 'node-pty';
import { SessionError } from './errors';

/**
 * Written into dist/ by the packaging script: the platform a VSIX was built for. Read only
 * to explain a failed load, so a missing file (a development build) is not an error.
 */
export const PACKAGE_TARGET_FILE = 'package-target.json';

/** This machine in VSIX target terms (e.g. linux-arm64, darwin-x64). */
export function runningPlatform(): string {
  return `${process.platform}-${process.arch}`;
}

function packagedTarget(distDirectory: string): string | undefined {
  try {
    const { target } = JSON.parse(readFileSync(path.join(distDirectory, PACKAGE_TARGET_FILE), 'utf8')) as { target?: unknown };
    return typeof target === 'string' ? target : undefined;
  } catch {
    return undefined;
  }
}

function remedy(target: string | undefined): string {
  const platform = runningPlatform();
  if (target === undefined) {
    return `This is a development build: rebuild node-pty for ${platform} (npm rebuild node-pty).`;
  }
  if (target !== platform) {
    return `This is the ${target} package of Milestone Terminals; install the ${platform} one (installing from the Marketplace or Open VSX picks it).`;
  }
  return 'The installed package is damaged; reinstall Milestone Terminals.';
}

/**
 * Loads a native module. A binary for another platform fails here with a message that says
 * which platform this is and which the package was built for, so that the user sees why no
 * terminal starts instead of an extension that failed to activate.
 */
export function requireNativeModule<T>(moduleId: string, distDirectory: string): T {
  try {
    return require(moduleId) as T;
  } catch (error) {
    const cause = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new SessionError(
      'pty-unavailable',
      `Terminals cannot start: the terminal backend (node-pty) does not load on ${runningPlatform()}. ${remedy(packagedTarget(distDirectory))} (${cause})`,
    );
  }
}

/**
 * node-pty's macOS helper must be executable: without the exec bit (lost by a packager or a
 * copy) every spawn fails with a bare "posix_spawnp failed".
 */
export function requireExecutableHelper(helperPath: string): void {
  try {
    accessSync(helperPath, fsConstants.X_OK);
  } catch {
    throw new SessionError(
      'pty-unavailable',
      `Terminals cannot start: node-pty's spawn-helper is not executable (${helperPath}). The package lost its file modes; reinstall Milestone Terminals.`,
    );
  }
}

/** Where node-pty's loader finds spawn-helper on macOS: its own build first, then its prebuild. */
function macSpawnHelper(): string | undefined {
  const root = path.dirname(require.resolve('node-pty/package.json'));
  return [path.join(root, 'build/Release/spawn-helper'), path.join(root, `prebuilds/${runningPlatform()}/spawn-helper`)].find((candidate) => existsSync(candidate));
}

let nodePtyModule: typeof NodePty | undefined;

/**
 * node-pty, loaded on first use rather than when the bundle starts: a native module that
 * cannot load then fails each spawn with a SessionError the UI shows, and everything else
 * (the tree, the log, the session host) keeps working.
 */
export function nodePty(): typeof NodePty {
  if (nodePtyModule === undefined) {
    // Both bundles (extension.js, sessionHost.js) live in dist/, beside the target file.
    const loaded = requireNativeModule<typeof NodePty>('node-pty', __dirname);
    const helper = process.platform === 'darwin' ? macSpawnHelper() : undefined;
    if (helper !== undefined) {
      requireExecutableHelper(helper);
    }
    nodePtyModule = loaded;
  }
  return nodePtyModule;
}
