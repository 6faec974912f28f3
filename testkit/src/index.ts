import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from './repo-root.js';

export { REPO_ROOT } from './repo-root.js';
export { arenaHardAnswer, sharedData, type SharedData, type SharedDataSet } from './shared-data.js';
export { RfbClient, pixelAt, type Frame } from './rfb-client.js';
export { TcpRelay } from './tcp-relay.js';
export { metricValue } from './metrics.js';

/**
 * The Node.js flags every start command of the server gives it (package.json `start`, scripts/up.sh, the
 * Dockerfile; a test checks they agree). V8 sizes the server's young generation by the machine's memory (64 MB
 * semi-spaces on a 24 GB machine): a live battle's fan-out to thousands of watchers makes short-lived objects
 * per socket per frame, and with 8 MB semi-spaces they outlived scavenges, costing 1.16–1.28× the CPU per frame
 * per watcher at 5,000 watchers (bench/src/watchers.ts). Export threads get small young generations of their own
 * (`EXPORT_YOUNG_GENERATION_MB` in the backend).
 */
export const SERVER_NODE_FLAGS = ['--enable-source-maps'];

/**
 * The `arena` command line's flags (its first line): a stream of rows (an export, a battles file) fills a large young
 * generation with garbage it keeps resident; 8 MB semi-spaces cost it nothing measurable.
 */
export const CLI_NODE_FLAGS = ['--max-semi-space-size=8'];

/**
 * Resolves once `check` holds (asked again every `everyMs`); rejects naming `what` after `ms`. A bound on waiting,
 * not a timing a test asserts.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  { ms = 20_000, everyMs = 10 }: { ms?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A port free on the loopback right now (tests never share a hard-coded port). */
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

/**
 * Spawn a process and wait until `readyUrl` answers 2xx (at most `readyTimeoutMs`, default 60 s: a server that
 * migrates a large database on a busy machine may need more); stop() sends SIGTERM and waits, then cleans up.
 */
export async function startProcess(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    url: string;
    readyPath: string;
    cleanup?: () => Promise<void>;
    readyTimeoutMs?: number;
  },
): Promise<Proc> {
  const child = spawn(process.execPath, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer): void => {
    log = (log + d.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited: ${log}`);
    try {
      if ((await fetch(`${options.url}${options.readyPath}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`not ready after ${readyTimeoutMs / 1000} s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: options.url,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await options.cleanup?.();
    },
  };
}

/** The built arena (backend serving the exported UI) on a fresh embedded database, as an operator runs it. */
export async function startArenaProcess(
  models: Record<string, unknown>[],
  env: Record<string, string> = {},
): Promise<Proc> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-proc-'));
  const modelsFile = path.join(dir, 'models.json');
  await writeFile(modelsFile, JSON.stringify(models));
  const port = await freePort();
  return startProcess([...SERVER_NODE_FLAGS, path.join(REPO_ROOT, 'backend/dist/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ARENA_DATA_DIR: dir,
      ARENA_MODELS_FILE: modelsFile,
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      ARENA_SHUTDOWN_GRACE_MS: '2000',
      ...env,
    },
    url: `http://127.0.0.1:${port}`,
    readyPath: '/api/health',
    cleanup: () => rm(dir, { recursive: true, force: true }),
  });
}

/** The PostgreSQL server the tests and benchmarks use (trust auth on the loopback). */
export const POSTGRES_ADMIN_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, empty database on that server (`prefix` + a unique suffix); `drop()` removes it. */
export async function freshPostgresDatabase(
  prefix: string,
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
