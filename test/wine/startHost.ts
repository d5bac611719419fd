/** Run by a separate Node in the wine suite: starts (or finds) the host as a window would, then exits. */
import { connectToSessionHost } from '../../src/extension/host/client/launcher';

export async function main(directory: string, hostScript: string): Promise<void> {
  const client = await connectToSessionHost({ hostScript, directory, clientVersion: 'starter', idleShutdownMs: 500 });
  client.dispose();
}
