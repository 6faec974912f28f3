/**
 * Screenshots (issue 17) on the built arena, side by side in one run:
 *  1. the cost of one shot: from a web run's `run:end` to its `run:screenshot`, one battle at a time (the
 *     server's Chromium renders the stored preview, waits for it to draw, takes a 1024×768 JPEG and stores it);
 *  2. a live battle's per-delta latency at its spectators while 10 shots are in flight (5 battles of two React
 *     previews each, created just before it), against the same workload on an arena with screenshots off.
 * Repeated BENCH_ROUNDS times (default 3), each round on fresh arenas.
 */
import type { GenDelta, RunScreenshot } from '@arena/contracts';
import pg from 'pg';
import { connect, type ArenaClient } from './arena-client.js';
import { startArena } from './processes.js';
import { fmt, summarize, table, type Summary } from './stats.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const BATTLES = Number(process.env['BENCH_BATTLES'] ?? 8);
const SPECTATORS = Number(process.env['BENCH_SPECTATORS'] ?? 20);
const IN_FLIGHT = 10;
/** The bench's clients create more battles a minute than a voter may. */
const ENV = { ARENA_RUN_CPU_MS: '500', ARENA_RATE_LIMITS: 'create=1000/1000' };

const MODELS = [
  { id: 'shot-ember', name: 'Ember', provider: 'demo', style: 'react', tokensPerSecond: 400 },
  { id: 'shot-flint', name: 'Flint', provider: 'demo', style: 'react', tokensPerSecond: 400 },
];

const ADMIN_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh PostgreSQL database for one arena (the embedded one starts too slowly on a loaded machine). */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `arena_bench_shots_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function arenaWith(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<void> }> {
  const db = await freshDatabase();
  const arena = await startArena(MODELS, { ...ENV, ...env, DATABASE_URL: db.url });
  return {
    url: arena.url,
    stop: async () => {
      await arena.stop();
      await db.drop();
    },
  };
}

/** Creates a battle; `done` resolves once it can be voted on (listened for before the battle exists). */
async function create(client: ArenaClient, prompt: string): Promise<{ battleId: string; done: Promise<void> }> {
  let battleId = '';
  const seen = new Set<string>();
  let wake: (() => void) | undefined;
  const onStatus = (e: { battleId: string; status: string }): void => {
    if (e.status !== 'voting' && e.status !== 'failed') return;
    seen.add(e.battleId);
    if (e.battleId === battleId) wake?.();
  };
  client.on('battle:status', onStatus);
  const ack = await client.emitWithAck('battle:create', { prompt });
  if (!ack.ok) throw new Error(ack.error.message);
  battleId = ack.battleId;
  // Bounded: a battle that never reaches voting is reported and the bench goes on.
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    wake = resolve;
    if (seen.has(battleId)) resolve();
    timer = setTimeout(() => {
      process.stderr.write(`battle ${battleId} not settled after 60 s\n`);
      resolve();
    }, 60_000);
  }).finally(() => {
    clearTimeout(timer);
    client.off('battle:status', onStatus);
  });
  return { battleId, done };
}

/** Shot cost: run:end → run:screenshot of each preview, battles one at a time. */
async function shotCost(url: string): Promise<number[]> {
  const client = await connect(url);
  const ended = new Map<string, number>();
  const costs: number[] = [];
  client.on('run:end', (e) => ended.set(e.runId, performance.now()));
  client.on('run:screenshot', (e: RunScreenshot) => {
    const at = ended.get(e.runId);
    if (at !== undefined) costs.push(performance.now() - at);
  });
  for (let i = 0; i < BATTLES; i++) {
    const before = costs.length;
    await (
      await create(client, `A counter button number ${i}`)
    ).done;
    const deadline = performance.now() + 30_000;
    while (costs.length < before + 2 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
  client.disconnect();
  return costs;
}

/** Per-delta latency of measured battles, each created while `IN_FLIGHT` previews are about to be shot. */
async function deltasUnderLoad(url: string): Promise<{ deltas: number[]; shots: number }> {
  const creator = await connect(url);
  const loader = await connect(url);
  const spectators = await Promise.all(Array.from({ length: SPECTATORS }, () => connect(url)));
  const deltas: number[] = [];
  let measured = '';
  for (const s of spectators)
    s.on('gen:delta', (d: GenDelta) => {
      if (d.battleId === measured) deltas.push(Date.now() - d.t);
    });
  let shots = 0;
  loader.on('run:screenshot', () => shots++);
  for (let i = 0; i < BATTLES; i++) {
    process.stderr.write(`load iteration ${i}\n`);
    // IN_FLIGHT / 2 battles of two previews each: their runs end, and their shots start, as the measured one streams.
    const load = await Promise.all(
      Array.from({ length: IN_FLIGHT / 2 }, (_, k) => create(loader, `Background page ${i}-${k}`)),
    );
    const loadDone = Promise.all(load.map((b) => b.done));
    await new Promise((r) => setTimeout(r, 700));
    const battle = await create(creator, `Measured counter ${i} with a longer request so that it streams for a while`);
    measured = battle.battleId;
    await Promise.all(spectators.map((s) => s.timeout(30_000).emitWithAck('battle:watch', { battleId: measured })));
    await battle.done;
    await loadDone;
    for (const s of spectators) s.emit('battle:unwatch', { battleId: measured }, () => undefined);
    await new Promise((r) => setTimeout(r, 1_500));
  }
  creator.disconnect();
  loader.disconnect();
  for (const s of spectators) s.disconnect();
  return { deltas, shots };
}

const rows: Record<string, string | number>[] = [];
const all = { cost: [] as number[], on: [] as number[], off: [] as number[] };
const p = (s: Summary, q: 'p50' | 'p99') => fmt(s[q], 1);
for (let round = 1; round <= ROUNDS; round++) {
  const on = await arenaWith({ ARENA_SCREENSHOTS_IN_FLIGHT: String(IN_FLIGHT) });
  let cost: number[];
  let loaded: { deltas: number[]; shots: number };
  try {
    cost = await shotCost(on.url);
    loaded = await deltasUnderLoad(on.url);
  } finally {
    await on.stop();
  }
  const off = await arenaWith({ ARENA_CHROMIUM: 'off' });
  let baseline: { deltas: number[]; shots: number };
  try {
    baseline = await deltasUnderLoad(off.url);
  } finally {
    await off.stop();
  }
  all.cost.push(...cost);
  all.on.push(...loaded.deltas);
  all.off.push(...baseline.deltas);
  const c = summarize(cost);
  const l = summarize(loaded.deltas);
  const b = summarize(baseline.deltas);
  rows.push({
    round,
    'shot p50 ms': p(c, 'p50'),
    'shot p99 ms': p(c, 'p99'),
    shots: cost.length,
    'delta p50 ms, 10 shots in flight': p(l, 'p50'),
    'delta p99 ms, 10 shots in flight': p(l, 'p99'),
    'shots taken meanwhile': loaded.shots,
    'delta p50 ms, screenshots off': p(b, 'p50'),
    'delta p99 ms, screenshots off': p(b, 'p99'),
    'p99 ratio': fmt(l.p99 / Math.max(1, b.p99), 2) + '×',
  });
}
const c = summarize(all.cost);
const l = summarize(all.on);
const b = summarize(all.off);
rows.push({
  round: 'all',
  'shot p50 ms': p(c, 'p50'),
  'shot p99 ms': p(c, 'p99'),
  shots: all.cost.length,
  'delta p50 ms, 10 shots in flight': p(l, 'p50'),
  'delta p99 ms, 10 shots in flight': p(l, 'p99'),
  'shots taken meanwhile': '',
  'delta p50 ms, screenshots off': p(b, 'p50'),
  'delta p99 ms, screenshots off': p(b, 'p99'),
  'p99 ratio': fmt(l.p99 / Math.max(1, b.p99), 2) + '×',
});
process.stdout.write(
  `\nscreenshots: ${ROUNDS} rounds × ${BATTLES} battles, ${SPECTATORS} spectators; shot = run:end → run:screenshot\n\n` +
    table(rows) +
    '\n',
);
