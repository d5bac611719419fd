/**
 * Where the session host lives: a private directory holding its token, log and, on
 * Unix, its socket and lock; on Windows the name of its pipe (see endpoint/).
 *
 * Version policy: every file name carries the protocol version (`host-v<N>.sock`,
 * `host-v<N>.token`, ...). A client only ever connects to the host of its own
 * version, and starts one when none answers. After an update that changes the
 * protocol, windows still running the old extension keep talking to the old host
 * (their sessions stay reachable), new windows start a new host next to it, and
 * the old host exits by itself once its last session and client are gone. The
 * price: sessions of the old host are not visible to new windows. The HELLO still
 * carries the version, so a host reached by mistake rejects instead of misparsing.
 */
import * as path from 'node:path';
import type { HostEndpoint, HostPaths } from './endpoint/hostEndpoint';
import { posixEndpoint } from './endpoint/posixEndpoint';
import { win32Endpoint } from './endpoint/win32Endpoint';
import { PROTOCOL_VERSION } from './protocol/messages';

export type { HostPaths } from './endpoint/hostEndpoint';
export { MAX_SOCKET_PATH_BYTES } from './endpoint/posixEndpoint';

/** The one place the platform is chosen; the rest of the host sees only HostEndpoint. */
export const hostEndpoint: HostEndpoint = process.platform === 'win32' ? win32Endpoint : posixEndpoint;

/** Overrides the directory (tests, or several isolated hosts on one machine). */
export const HOST_DIRECTORY_ENV = 'MILESTONE_TERMINALS_HOST_DIR';

export function defaultHostDirectory(): string {
  const override = process.env[HOST_DIRECTORY_ENV];
  return override ? path.resolve(override) : hostEndpoint.defaultDirectory();
}

export function hostPaths(directory: string, version: number = PROTOCOL_VERSION): HostPaths {
  return hostEndpoint.paths(directory, version);
}

/** Every directory the host's files need, each created private or checked. HostError 'socket-path-too-long' if no socket path fits (Unix). */
export function ensureHostDirectories(paths: HostPaths): Promise<void> {
  return hostEndpoint.ensureHostDirectories(paths);
}

/**
 * Creates the directory or checks that an existing one is ours and private. Anything
 * else could let another user read the token or plant a socket.
 */
export function ensurePrivateDirectory(directory: string): Promise<void> {
  return hostEndpoint.ensurePrivateDirectory(directory);
}

/** What a client connects to: the socket's path, or the pipe named in the directory. HostError 'no-host' when there is none. */
export function hostAddress(paths: HostPaths): Promise<string> {
  return hostEndpoint.address(paths);
}
