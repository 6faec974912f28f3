import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCpuTimes } from '@arena/sandboxes';
import { freePort, startProcess, type Proc } from '@arena/testkit';

export { REPO_ROOT, startArenaProcess as startArena } from '@arena/testkit';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The baseline: a plain socket.io server that broadcasts given frames, in its own process. `direct`: the same server
 * with the arena's broadcast frame writing (backend/dist's `oneWriteFrames` and `writeBroadcastFramesDirectly`).
 */
export async function startPlainBroadcast(mode: 'plain' | 'direct' = 'plain'): Promise<Proc> {
  const port = await freePort();
  return startProcess([path.join(here, 'plain-broadcast-server.js'), String(port), mode], {
    url: `http://127.0.0.1:${port}`,
    readyPath: '/health',
  });
}

/** A process's CPU time so far from /proc, in user space and in the kernel, in ms. */
export async function processCpuMs(pid: number): Promise<{ userMs: number; sysMs: number }> {
  const times = await readCpuTimes(pid);
  if (!times) throw new Error(`no CPU times for process ${pid}`);
  return times;
}
