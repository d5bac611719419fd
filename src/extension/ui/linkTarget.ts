import { fileURLToPath } from 'node:url';
import { KindedError } from '../sessions/errors';

export const LINK_ERROR_KINDS = ['invalid-link', 'refused-scheme', 'remote-file'] as const;
export type LinkErrorKind = (typeof LINK_ERROR_KINDS)[number];

/** A terminal link that is not opened, with the reason the user is shown. */
export class LinkError extends KindedError<LinkErrorKind> {}

/** Where a clicked link goes: the browser, or a local file in the editor. */
export type LinkTarget = { readonly kind: 'web'; readonly url: string } | { readonly kind: 'file'; readonly path: string };

/** Hosts that name this machine in a file URL (RFC 8089: empty or "localhost"). */
const LOCAL_FILE_HOSTS: ReadonlySet<string> = new Set(['', 'localhost']);

/**
 * Decides what a link clicked in a terminal may open. Terminal output is untrusted, so
 * only http(s) and local files pass; command:, javascript:, vscode: and files on other
 * hosts (which would make the machine connect to them) are refused.
 */
export function resolveLinkTarget(url: string): LinkTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LinkError('invalid-link', `Not a valid link: ${url.slice(0, 200)}`);
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    return { kind: 'web', url: parsed.href };
  }
  if (parsed.protocol === 'file:') {
    if (!LOCAL_FILE_HOSTS.has(parsed.hostname.toLowerCase())) {
      throw new LinkError('remote-file', `Files on other hosts are not opened from a terminal: ${parsed.hostname.slice(0, 200)}`);
    }
    // Without a host, so that Windows drive paths and POSIX paths decode alike.
    parsed.hostname = '';
    try {
      return { kind: 'file', path: fileURLToPath(parsed) };
    } catch (error) {
      throw new LinkError('invalid-link', `Not a file path this system can open: ${(error as Error).message}`);
    }
  }
  throw new LinkError('refused-scheme', `Links with the scheme "${parsed.protocol}" are not opened from a terminal.`);
}
