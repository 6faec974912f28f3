import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface Proc {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited: ${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`not ready: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(child: ChildProcess, cleanup: () => Promise<void> = async () => undefined): () => Promise<void> {
  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await cleanup();
  };
}

/** The built arena on the embedded database, in its own process. */
export async function startArena(models: Record<string, unknown>[], env: Record<string, string> = {}): Promise<Proc> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-bench-'));
  const modelsFile = path.join(dir, 'models.json');
  await writeFile(modelsFile, JSON.stringify(models));
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'backend/dist/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ARENA_DATA_DIR: dir,
      ARENA_MODELS_FILE: modelsFile,
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/api/health`, child, () => log);
  return { url, child, stop: stopper(child, () => rm(dir, { recursive: true, force: true })) };
}

/** The baseline: a plain socket.io server that broadcasts given frames, in its own process. */
export async function startPlainBroadcast(): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(here, 'plain-broadcast-server.js'), String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`, child, () => log);
  return { url, child, stop: stopper(child) };
}
