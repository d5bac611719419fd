/**
 * Reading a link that opens a milestone terminal (`<scheme>://<publisher>.<name>/open?milestone=<id>`).
 * A link comes from anywhere (a web page, another program), so it can only name a milestone:
 * anything else it carries is refused rather than ignored. No vscode import: unit-tested in Node.
 */
import { KindedError } from '../sessions/errors';
import { normalizeMilestoneId } from '../sessions/milestoneId';

export const MILESTONE_LINK_PATH = '/open';
export const MILESTONE_LINK_PARAMETER = 'milestone';

export const LINK_ERROR_KINDS = [
  /** The link's path is not one this extension serves. */
  'unknown-path',
  /** The link carries something besides the milestone (a command, a folder, an environment, ...). */
  'refused-parameter',
  /** The link names no milestone. */
  'missing-milestone',
] as const;

export type MilestoneLinkErrorKind = (typeof LINK_ERROR_KINDS)[number];

export class MilestoneLinkError extends KindedError<MilestoneLinkErrorKind> {}

/** The parts of a vscode.Uri this needs; VS Code hands them over already percent-decoded. */
export interface LinkParts {
  readonly path: string;
  readonly query: string;
  readonly fragment: string;
}

/**
 * The normalised milestone id the link names, or a MilestoneLinkError / SessionError
 * ('invalid-milestone-id') saying why it is refused. The query is already decoded, so it is
 * split on "&" and the first "=" and not decoded again: an id may hold "%", "+" or "=", not "&".
 */
export function parseMilestoneLink(link: LinkParts): string {
  if (link.path !== MILESTONE_LINK_PATH) {
    throw new MilestoneLinkError('unknown-path', `Links to Milestone Terminals open "${MILESTONE_LINK_PATH}?${MILESTONE_LINK_PARAMETER}=<id>", not ${JSON.stringify(link.path.slice(0, 80))}.`);
  }
  if (link.fragment !== '') {
    throw new MilestoneLinkError('refused-parameter', 'A link to a milestone terminal carries no fragment ("#...").');
  }
  const parameters = link.query === '' ? [] : link.query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    return equals < 0 ? { name: pair, value: '' } : { name: pair.slice(0, equals), value: pair.slice(equals + 1) };
  });
  const others = [...new Set(parameters.map(({ name }) => name).filter((name) => name !== MILESTONE_LINK_PARAMETER))];
  if (others.length > 0) {
    throw new MilestoneLinkError(
      'refused-parameter',
      `A link may only name a milestone ("${MILESTONE_LINK_PARAMETER}"); it cannot choose a command, folder or environment. Refused: ${others.map((name) => JSON.stringify(name.slice(0, 40))).join(', ')}.`,
    );
  }
  const milestones = parameters.filter(({ name }) => name === MILESTONE_LINK_PARAMETER);
  if (milestones.length !== 1) {
    throw new MilestoneLinkError('missing-milestone', `A link must name exactly one milestone ("?${MILESTONE_LINK_PARAMETER}=<id>"), not ${milestones.length}.`);
  }
  return normalizeMilestoneId(milestones[0].value);
}
