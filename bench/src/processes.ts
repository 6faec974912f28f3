import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, type Proc } from '@arena/testkit';

export { REPO_ROOT, startArenaProcess as startArena } from '@arena/testkit';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The baseline: a plain socket.io server that broadcasts given frames, in its own process. */
export async function startPlainBroadcast(): Promise<Proc> {
  const port = await freePort();
  return startProcess([path.join(here, 'plain-broadcast-server.js'), String(port)], {
    url: `http://127.0.0.1:${port}`,
    readyPath: '/health',
  });
}
