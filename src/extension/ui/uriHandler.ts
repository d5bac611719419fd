import * as vscode from 'vscode';
import { loadDefinedMilestones } from '../milestones/definedMilestones';
import type { MilestoneService } from '../milestones/milestoneService';
import type { TerminalSession as Session } from '../sessions';
import type { OpenedTerminal } from './commands';
import { describeFailure } from './errorReport';
import { parseMilestoneLink, type LinkParts } from './milestoneLink';
import type { TerminalPanels } from './terminalPanels';

/** The hidden command the URI handler runs, so links can also be opened (and tested) by name. */
export const OPEN_LINK_COMMAND = 'milestoneTerminals.openLink';

/**
 * Opens what a link names: the milestone's session (running or exited), else a milestone the
 * user defined (or a trusted workspace did: loadDefinedMilestones reads no workspace file
 * otherwise, and VS Code drops restricted workspace settings), else, once the user agrees, a
 * plain shell. A link never decides what runs. Undefined when the user declined.
 */
async function openLink(service: MilestoneService, panels: TerminalPanels, link: LinkParts): Promise<OpenedTerminal | undefined> {
  const milestoneId = parseMilestoneLink(link);
  let session: Session | undefined = service.manager.getByMilestone(milestoneId);
  if (!session) {
    const defined = (await loadDefinedMilestones(service.log)).find((spec) => spec.milestoneId === milestoneId);
    if (defined) {
      session = await service.ensureSession(defined);
    } else {
      const open = 'Open Shell';
      const answer = await vscode.window.showWarningMessage(
        `A link asks to open milestone "${milestoneId}", which is not running and not defined. Open a shell for it?`,
        { modal: true, detail: 'The shell from your settings starts in your default folder; the link chooses nothing else.' },
        open,
      );
      if (answer !== open) {
        return undefined;
      }
      session = await service.ensureSession({ milestoneId });
    }
  }
  panels.show(session);
  return { milestoneId: session.milestoneId, sessionId: session.id, pid: session.pid };
}

function toLinkParts(value: unknown): LinkParts {
  if (value instanceof vscode.Uri) {
    return value;
  }
  if (typeof value === 'string') {
    return vscode.Uri.parse(value, true);
  }
  throw new TypeError(`${OPEN_LINK_COMMAND} takes a URI or its text, got ${value === null ? 'null' : typeof value}.`);
}

/**
 * `vscode://milestone-terminals.milestone-terminals/open?milestone=<id>`: a refused link is
 * shown to the user (who clicked it) and logged; through the command it also rejects.
 */
export function registerUriHandler(service: MilestoneService, panels: TerminalPanels): vscode.Disposable {
  const run = async (value: unknown): Promise<OpenedTerminal | undefined> => {
    try {
      return await openLink(service, panels, toLinkParts(value));
    } catch (error) {
      const report = describeFailure('Open Milestone Link', error);
      service.log.error(report.stack ? `${report.logged}\n${report.stack}` : report.logged);
      void vscode.window.showErrorMessage(report.shown);
      throw error;
    }
  };
  return vscode.Disposable.from(
    // The user was shown why; nobody else awaits a handled URI.
    vscode.window.registerUriHandler({ handleUri: (uri) => run(uri).then(undefined, () => undefined) }),
    vscode.commands.registerCommand(OPEN_LINK_COMMAND, run),
  );
}
