import { constants as fsConstants, promises as fsp, closeSync, openSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as pty from 'node-pty';
import { MessageLimits, type SignalName } from '../../shared/protocol';
import { SessionError } from './errors';
import { DisposableBase, Emitter, disposableTimeout, type Event } from './lifecycle';
import { nodePty } from './nativePty';
import { terminalProcessControl, type TerminalProcessControl } from './processTable';
import { validateSpawnArguments } from './spawnArguments';

export interface PtySpawnOptions {
  /** Program to run; the user's shell when omitted. Resolved against PATH. */
  readonly command?: string;
  readonly args?: readonly string[];
  /** Working directory; the home directory when omitted. Must exist. */
  readonly cwd?: string;
  /** Added to the base environment; `null` removes a variable. */
  readonly env?: Readonly<Record<string, string | null>>;
  readonly cols?: number;
  readonly rows?: number;
}

export interface PtyExit {
  readonly exitCode: number;
  /** The signal number that ended the process, if one did. */
  readonly signal: number | undefined;
}

/**
 * What a process starts from before its own `env`: the environment of the window that
 * asked for it. A session host serves many windows, so its own environment is only the
 * fallback for callers in the window's own process.
 */
export type BaseEnvironment = Readonly<Record<string, string | undefined>>;

export const DEFAULT_CLOSE_GRACE_MS = 2_000;
const DEFAULT_COLS = 80;
const DEFAULT_ROWS = 24;

/** Variables of the extension host's own runtime that would confuse programs started from it. */
function isHostOnlyVariable(name: string): boolean {
  if (name === 'ELECTRON_RUN_AS_NODE' || name === 'ELECTRON_NO_ATTACH_CONSOLE') {
    return true;
  }
  return name.startsWith('VSCODE_') && name !== 'VSCODE_IPC_HOOK_CLI' && !name.startsWith('VSCODE_GIT_');
}

/** Windows treats variable names without regard to case (Path is PATH); a copied environment does not. */
function sameVariable(a: string, b: string): boolean {
  return process.platform === 'win32' ? a.toUpperCase() === b.toUpperCase() : a === b;
}

/** The value of `name` in `env`, found as the platform would find it. */
export function environmentValue(env: BaseEnvironment, name: string): string | undefined {
  const key = Object.keys(env).find((candidate) => sameVariable(candidate, name));
  return key === undefined ? undefined : env[key];
}

export function buildEnvironment(overrides: PtySpawnOptions['env'], base: BaseEnvironment = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !isHostOnlyVariable(name)) {
      env[name] = value;
    }
  }
  env.TERM = 'xterm-256color';
  env.COLORTERM = 'truecolor';
  for (const [name, value] of Object.entries(overrides ?? {})) {
    // One entry per variable: on Windows an override of PATH replaces the inherited Path.
    for (const existing of Object.keys(env).filter((key) => key !== name && sameVariable(key, name))) {
      delete env[existing];
    }
    if (value === null) {
      delete env[name];
    } else {
      env[name] = value;
    }
  }
  return env;
}

export function defaultShell(env: BaseEnvironment = process.env): string {
  if (process.platform === 'win32') {
    return environmentValue(env, 'COMSPEC') || 'powershell.exe';
  }
  return env.SHELL || '/bin/sh';
}

async function isExecutableFile(candidate: string): Promise<boolean> {
  try {
    const stat = await fsp.stat(candidate);
    if (!stat.isFile()) {
      return false;
    }
    await fsp.access(candidate, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves `command` to an executable path the way a shell would, or fails with a clear error. */
export async function resolveCommand(command: string, cwd: string, env: Record<string, string>): Promise<string> {
  if (command.trim() === '') {
    throw new SessionError('command-not-found', 'The command is empty.');
  }
  if (command.includes('/') || command.includes(path.sep)) {
    const candidate = path.resolve(cwd, command);
    if (await isExecutableFile(candidate)) {
      return candidate;
    }
    throw new SessionError('command-not-found', `The command "${command}" does not exist or is not an executable file.`);
  }
  // Windows tries each PATHEXT extension unless the name has one already (cmd, cmd.exe).
  const pathExtensions = (environmentValue(env, 'PATHEXT') ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean);
  const extensions = process.platform === 'win32' && path.extname(command) === '' ? pathExtensions : [''];
  for (const directory of (environmentValue(env, 'PATH') ?? '').split(path.delimiter)) {
    if (!directory) {
      continue;
    }
    for (const extension of extensions) {
      const candidate = path.join(directory, command + extension);
      if (await isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  throw new SessionError('command-not-found', `The command "${command}" was not found on PATH.`);
}

export async function validateCwd(cwd: string): Promise<string> {
  const absolute = path.resolve(cwd);
  let isDirectory: boolean;
  try {
    isDirectory = (await fsp.stat(absolute)).isDirectory();
  } catch {
    throw new SessionError('cwd-not-found', `The working directory "${cwd}" does not exist.`);
  }
  if (!isDirectory) {
    throw new SessionError('cwd-not-found', `The working directory "${cwd}" is not a directory.`);
  }
  return absolute;
}

/** The same bounds a webview's resize is held to, for every way a size reaches a PTY. */
export function validateSize(cols: number, rows: number): void {
  const { maxCols, maxRows } = MessageLimits;
  if (!Number.isInteger(cols) || cols < 1 || cols > maxCols || !Number.isInteger(rows) || rows < 1 || rows > maxRows) {
    throw new SessionError('invalid-argument', `Terminal size ${cols}x${rows} is out of range (1..${maxCols} x 1..${maxRows}).`);
  }
}

/** Which Windows pseudo-terminal node-pty drives; see windowsPtyOptions. */
export const WINDOWS_PTY_ENV = 'MILESTONE_TERMINALS_WINDOWS_PTY';

/**
 * node-pty's Windows backends: ConPTY from Windows itself (the default, as in VS Code),
 * the conpty.dll and OpenConsole.exe node-pty ships (newer than the system's on older
 * Windows 10 builds; what VS Code's terminal.integrated.windowsUseConptyDll picks), or
 * the legacy winpty (the one that runs under wine, where ConPTY does not).
 */
export function windowsPtyOptions(env: BaseEnvironment = process.env): pty.IWindowsPtyForkOptions {
  switch (env[WINDOWS_PTY_ENV]) {
    case 'conpty-dll':
      return { useConpty: true, useConptyDll: true };
    case 'winpty':
      return { useConpty: false };
    default:
      return { useConpty: true };
  }
}

/**
 * One process in a pseudo-terminal. Owns the node-pty handle and makes sure the
 * process group, its output and the pty itself are released on close.
 */
export class PtyProcess extends DisposableBase {
  private readonly _onData = this.register(new Emitter<string>());
  readonly onData: Event<string> = this._onData.event;
  private readonly _onExit = this.register(new Emitter<PtyExit>());
  readonly onExit: Event<PtyExit> = this._onExit.event;

  private exitResult: PtyExit | undefined;
  private readonly exited: Promise<PtyExit>;
  private heldReplicaFd: number | undefined;
  private closing: Promise<PtyExit> | undefined;
  private readonly processes: TerminalProcessControl;

  /** Validates the options, then starts the process. Fails with a SessionError, never half-started. */
  static async spawn(options: PtySpawnOptions = {}, base: BaseEnvironment = process.env): Promise<PtyProcess> {
    validateSpawnArguments(options);
    const env = buildEnvironment(options.env, base);
    const cwd = await validateCwd(options.cwd ?? os.homedir());
    const file = await resolveCommand(options.command ?? defaultShell(base), cwd, env);
    const cols = options.cols ?? DEFAULT_COLS;
    const rows = options.rows ?? DEFAULT_ROWS;
    validateSize(cols, rows);
    const backend = nodePty();
    let handle: pty.IPty;
    try {
      const platformOptions = process.platform === 'win32' ? windowsPtyOptions(base) : {};
      handle = backend.spawn(file, [...(options.args ?? [])], { name: env.TERM, cols, rows, cwd, env, ...platformOptions });
    } catch (error) {
      throw new SessionError('spawn-failed', `Could not start "${file}": ${(error as Error).message}`);
    }
    return new PtyProcess(handle, file);
  }

  private constructor(
    private readonly handle: pty.IPty,
    readonly file: string,
  ) {
    super();
    this.processes = terminalProcessControl(handle);
    this.holdReplica();
    this.register(handle.onData((data) => this._onData.fire(data)));
    this.exited = new Promise<PtyExit>((resolve) => {
      this.register(
        handle.onExit(({ exitCode, signal }) => {
          this.releaseReplica();
          this.exitResult = { exitCode, signal: signal || undefined };
          this._onExit.fire(this.exitResult);
          resolve(this.exitResult);
        }),
      );
    });
  }

  get pid(): number {
    return this.handle.pid;
  }

  get exit(): PtyExit | undefined {
    return this.exitResult;
  }

  get cols(): number {
    return this.handle.cols;
  }

  get rows(): number {
    return this.handle.rows;
  }

  /** Resolves when the process has ended and all its output was delivered. */
  whenExited(): Promise<PtyExit> {
    return this.exited;
  }

  write(data: string): void {
    if (this.exitResult) {
      throw new SessionError('session-exited', `Process ${this.pid} has exited; input was not sent.`);
    }
    this.handle.write(data);
  }

  resize(cols: number, rows: number): void {
    validateSize(cols, rows);
    if (this.exitResult || (cols === this.handle.cols && rows === this.handle.rows)) {
      return;
    }
    try {
      this.handle.resize(cols, rows);
    } catch {
      // The pty closed between the exit check and the ioctl: nothing left to size.
    }
  }

  /** SIGINT/SIGTERM go to the terminal's foreground job, as the keyboard would send them (on Windows as console input, see processTable.ts); EOF is the keyboard's end of input. */
  signal(name: SignalName): void {
    if (this.exitResult) {
      return;
    }
    this.processes.signal(name);
  }

  /** Stops reading output (flow control); the kernel then blocks the writer. */
  pause(): void {
    this.handle.pause();
  }

  resume(): void {
    this.handle.resume();
  }

  /**
   * Hangs up like a closing terminal (SIGHUP + SIGTERM to every process of the pty's
   * session; on Windows the pseudo console closes), then kills what is left after
   * `graceMs`. Resolves with the exit.
   */
  close(graceMs = DEFAULT_CLOSE_GRACE_MS): Promise<PtyExit> {
    this.closing ??= this.terminate(graceMs);
    return this.closing;
  }

  private async terminate(graceMs: number): Promise<PtyExit> {
    if (!this.exitResult) {
      // Killed after the grace period unless it has ended by then; the timer goes either way.
      const kill = disposableTimeout(() => void this.processes.kill(), graceMs);
      await this.processes.hangUp();
      await this.exited;
      kill.dispose();
    }
    const exit = await this.exited;
    // Jobs that ignored the hangup would otherwise outlive their terminal.
    await this.processes.killLeftovers();
    this.dispose();
    return exit;
  }

  /**
   * Keeps the pty's replica side open until the process has exited. Without it the
   * kernel can report EIO on the primary side before the last output was read, and
   * node-pty drops the final KBs of a child that exits while printing.
   */
  private holdReplica(): void {
    const replicaPath = (this.handle as unknown as { ptsName?: string }).ptsName;
    if (process.platform === 'win32' || !replicaPath) {
      return;
    }
    try {
      this.heldReplicaFd = openSync(replicaPath, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
    } catch {
      // The child already exited and the pty is gone: there is nothing left to lose.
    }
  }

  private releaseReplica(): void {
    if (this.heldReplicaFd !== undefined) {
      closeSync(this.heldReplicaFd);
      this.heldReplicaFd = undefined;
    }
  }

  override dispose(): void {
    if (!this.exitResult) {
      // Disposed without close(): do not leave the process running unobserved. The
      // members' kill needs a read of /proc that nobody here waits for (it cannot fail).
      void this.processes.kill();
    }
    this.releaseReplica();
    super.dispose();
  }
}
