import * as vscode from 'vscode';
import { defaultHostDirectory } from '../host/hostPaths';
import { listTranscripts, readTranscript, transcriptDirectory, transcriptToText } from '../host/daemon/transcriptFiles';
import { DisposableBase, type TerminalSession as Session, type TerminalSessionManager } from '../sessions';
import { escapeIcons } from './displayText';

export const TRANSCRIPT_SCHEME = 'milestone-transcript';

/** A transcript to show: the session's id and what to call it. */
interface TranscriptChoice {
  readonly sessionId: string;
  readonly title: string;
}

/**
 * The session host's transcripts, read from its directory on this machine (it runs here),
 * so they open also for sessions whose host was killed: as read-only text documents
 * without escape sequences, and saved as plain text.
 */
export class Transcripts extends DisposableBase implements vscode.TextDocumentContentProvider {
  private readonly changes = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changes.event;
  private readonly directory = transcriptDirectory(defaultHostDirectory());

  constructor(
    private readonly manager: TerminalSessionManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(TRANSCRIPT_SCHEME, this));
    this.register(vscode.commands.registerCommand('milestoneTerminals.openTranscript', (argument?: unknown) => this.run('Open Transcript', () => this.open(argument))));
    this.register(vscode.commands.registerCommand('milestoneTerminals.saveTranscript', (argument?: unknown) => this.run('Save Output As', () => this.save(argument))));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    return this.text(sessionIdOf(uri));
  }

  private async text(sessionId: string): Promise<string> {
    const raw = await readTranscript(this.directory, sessionId);
    if (raw === undefined) {
      return `No transcript was kept for session ${sessionId}: the setting milestoneTerminals.transcriptMaxMiB is 0, it was removed after the retention period, or the session ran in this window because the session host could not start.`;
    }
    return transcriptToText(raw.toString('utf8'));
  }

  private async open(argument: unknown): Promise<void> {
    const choice = await this.choose(argument, 'Transcript to open');
    if (!choice) {
      return;
    }
    const uri = vscode.Uri.from({ scheme: TRANSCRIPT_SCHEME, path: `/${choice.sessionId}/${fileName(choice.title)}.log` });
    // A transcript already open is read again: the session may have printed more since.
    this.changes.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: false });
  }

  private async save(argument: unknown): Promise<void> {
    const choice = await this.choose(argument, 'Transcript to save');
    if (!choice) {
      return;
    }
    const home = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: `Save the output of "${choice.title}"`,
      defaultUri: home && vscode.Uri.joinPath(home, `${fileName(choice.title)}.txt`),
      filters: { Text: ['txt', 'log'] },
    });
    if (!target) {
      return;
    }
    await vscode.workspace.fs.writeFile(target, Buffer.from(await this.text(choice.sessionId), 'utf8'));
  }

  /** A session from a tree item or id, else a pick of the running sessions and the transcripts on disk. */
  private async choose(argument: unknown, placeholder: string): Promise<TranscriptChoice | undefined> {
    if (typeof argument === 'object' && argument !== null && typeof (argument as Session).id === 'string' && typeof (argument as Session).title === 'string') {
      return { sessionId: (argument as Session).id, title: (argument as Session).title };
    }
    if (typeof argument === 'string') {
      const session = this.manager.get(argument) ?? this.manager.getByMilestone(argument);
      return session ? { sessionId: session.id, title: session.title } : undefined;
    }
    const live = this.manager.all();
    const liveIds = new Set(live.map((session) => session.id));
    const kept = (await listTranscripts(this.directory)).filter((transcript) => !liveIds.has(transcript.sessionId));
    const items = [
      ...live.map((session) => ({ label: `$(terminal) ${escapeIcons(session.title)}`, description: session.state, choice: { sessionId: session.id, title: session.title } })),
      ...kept.map((transcript) => ({
        label: `$(history) ${escapeIcons(transcript.title)}`,
        description: `started ${new Date(transcript.createdAt).toLocaleString()}`,
        choice: { sessionId: transcript.sessionId, title: transcript.title },
      })),
    ];
    if (items.length === 0) {
      void vscode.window.showInformationMessage('There are no transcripts.');
      return undefined;
    }
    return (await vscode.window.showQuickPick(items, { placeHolder: placeholder, matchOnDescription: true }))?.choice;
  }

  private async run(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.log.error(`${what} failed: ${(error as Error).message}`);
      void vscode.window.showErrorMessage(`${what} failed: ${(error as Error).message}`);
    }
  }
}

function sessionIdOf(uri: vscode.Uri): string {
  return uri.path.split('/')[1] ?? '';
}

/** A title made usable as a file name (it is the program's or the user's text). */
function fileName(title: string): string {
  return title.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'transcript';
}

