/**
 * A live app in an arena of two processes (issue 16 item 7), measured side by side in one run: the time of one
 * request to the app through the process that holds it (the baseline) against the same request through the
 * other process, which asks the owner over the cluster bus (once per 2 s per app) and reaches the app's
 * container directly. BENCH_APP_REQUESTS requests each (default 300), in A-B-B-A order so that a load that
 * drifts (the machine is shared) weighs on both alike; plus the first request through the other process for
 * BENCH_APP_FIRSTS fresh apps (default 5; the cold lookup), against the first through the owner.
 */
import type { RunEnd } from '@arena/contracts';
import { freshPostgresDatabase } from '@arena/testkit';
import { connect } from './arena-client.js';
import { startArena } from './processes.js';
import { fmt, summarize, table } from './stats.js';

const REQUESTS = Number(process.env['BENCH_APP_REQUESTS'] ?? 300);
const FIRSTS = Number(process.env['BENCH_APP_FIRSTS'] ?? 5);
const REDIS = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const MODELS = [
  { id: 'demo-atlas', name: 'Demo Atlas', provider: 'demo', style: 'typescript', tokensPerSecond: 4_000 },
  { id: 'demo-breeze', name: 'Demo Breeze', provider: 'demo', style: 'javascript', tokensPerSecond: 4_000 },
];
const SERVER = `const http = require('http');\nhttp.createServer((req, res) => res.end('ok')).listen(3000);\n`;

const database = await freshPostgresDatabase('bench_apps_cluster');
const env = {
  DATABASE_URL: database.url,
  REDIS_URL: REDIS,
  REDIS_PREFIX: `bench-${database.name}`,
  ARENA_SANDBOX_POOL: '0',
  ARENA_PYODIDE: 'off',
};
const owner = await startArena(MODELS, env);
const other = await startArena(MODELS, env);
const socket = await connect(owner.url);

const voting = new Set<string>();
socket.on('battle:status', ({ battleId, status }) => {
  if (status === 'voting') voting.add(battleId);
});
const ended = new Map<string, RunEnd>();
socket.on('run:end', (payload) => ended.set(payload.runId, payload));

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A battle on the owner, its side A re-run as a web server: the app's path. */
async function startApp(): Promise<string> {
  const created = await socket.emitWithAck('battle:create', { prompt: 'A tiny web server' });
  if (!created.ok) throw new Error(created.error.message);
  await until(() => voting.has(created.battleId));
  const ack = await socket.emitWithAck('run:request', { battleId: created.battleId, side: 'a', code: SERVER });
  if (!ack.ok) throw new Error(ack.error.message);
  await until(() => ended.has(ack.runId));
  const end = ended.get(ack.runId)!;
  if (end.preview?.kind !== 'app') throw new Error(`no app: ${JSON.stringify(end)}`);
  return end.preview.url;
}

async function timed(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url);
  if ((await res.text()) !== 'ok') throw new Error(`${url} answered ${res.status}`);
  return performance.now() - started;
}

try {
  const url = await startApp();
  await timed(`${owner.url}${url}`);
  await timed(`${other.url}${url}`);
  const viaOwner: number[] = [];
  const viaOther: number[] = [];
  for (let i = 0; i < REQUESTS / 2; i++) {
    viaOwner.push(await timed(`${owner.url}${url}`));
    viaOther.push(await timed(`${other.url}${url}`));
    viaOther.push(await timed(`${other.url}${url}`));
    viaOwner.push(await timed(`${owner.url}${url}`));
  }
  // Fresh apps: the other process's first request asks the owner (nothing remembered yet).
  const firstOwner: number[] = [];
  const firstOther: number[] = [];
  for (let i = 0; i < FIRSTS; i++) {
    const fresh = await startApp();
    if (i % 2 === 0) {
      firstOther.push(await timed(`${other.url}${fresh}`));
      firstOwner.push(await timed(`${owner.url}${fresh}`));
    } else {
      firstOwner.push(await timed(`${owner.url}${fresh}`));
      firstOther.push(await timed(`${other.url}${fresh}`));
    }
  }
  const a = summarize(viaOwner);
  const b = summarize(viaOther);
  const fa = summarize(firstOwner);
  const fb = summarize(firstOther);
  console.log('\nLive app through two arena processes (ms per request)');
  console.log(
    table([
      {
        requests: 'through the owner (baseline)',
        n: a.n,
        p50: fmt(a.p50),
        p90: fmt(a.p90),
        p99: fmt(a.p99),
        ratio: '1.00',
      },
      {
        requests: 'through the other process',
        n: b.n,
        p50: fmt(b.p50),
        p90: fmt(b.p90),
        p99: fmt(b.p99),
        ratio: fmt(b.p50 / a.p50),
      },
      {
        requests: 'first, through the owner',
        n: fa.n,
        p50: fmt(fa.p50),
        p90: fmt(fa.p90),
        p99: fmt(fa.p99),
        ratio: '1.00',
      },
      {
        requests: 'first, through the other',
        n: fb.n,
        p50: fmt(fb.p50),
        p90: fmt(fb.p90),
        p99: fmt(fb.p99),
        ratio: fmt(fb.p50 / fa.p50),
      },
    ]),
  );
} finally {
  socket.disconnect();
  await other.stop();
  await owner.stop();
  await database.drop();
}
