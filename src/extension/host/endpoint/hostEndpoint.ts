/**
 * What differs between platforms in how a session host is found: where its files live,
 * how private they are kept and what a client connects to. Everything else (framing,
 * hello, token, requests) is the same on every platform.
 */
export interface HostPaths {
  readonly directory: string;
  /** `directory`, or a short private one when the socket's path would be too long there (Unix). */
  readonly socketDirectory: string;
  /** Unix: the socket. Windows: the file holding the random part of the pipe's name. */
  readonly socket: string;
  readonly token: string;
  /** Unix only: the pid lock. On Windows the pipe itself is the lock. */
  readonly lock: string;
  readonly log: string;
}

export interface HostEndpoint {
  /** This user's directory for the host's files. */
  defaultDirectory(): string;
  paths(directory: string, version: number): HostPaths;
  /** Creates the directory, or checks that an existing one is private; HostError 'insecure-directory' otherwise. */
  ensurePrivateDirectory(directory: string): Promise<void>;
  /** Every directory `paths` needs, created private or checked. */
  ensureHostDirectories(paths: HostPaths): Promise<void>;
  /** What a client connects to; HostError 'no-host' when no host has published one. */
  address(paths: HostPaths): Promise<string>;
}
