/**
 * Screenshots (issue 17) on the built arena, side by side in one run:
 *  1. the cost of one shot: from a web run's `run:end` to its `run:screenshot`, one battle at a time (the
 *     server's Chromium renders the stored preview, waits for it to draw, takes a 1024×768 JPEG and stores it);
 *  2. a live battle's per-delta latency at its spectators while shots are taken (it starts as 5 background
 *     battles of two React previews each finish generating, so their 10 shots are queued or being taken while it
 *     streams; the bench samples how many are and prints it), against the same workload on an arena with
 *     screenshots off.
 * Repeated BENCH_ROUNDS times (default 3), each round on fresh arenas.
 *
 * Bounded everywhere, so a loaded machine gives fewer numbers instead of a hang: every wait has a time limit
 * (a battle 60 s, an ack 30 s, a connection 20 s, an arena's start 120 s; an arena that has not exited 60 s
 * after SIGTERM is killed), the whole bench has a budget
 * (BENCH_BUDGET_S, default 1200 s; what was measured by then is printed), and progress goes to stderr with the
 * elapsed time and the load average.
 */
import { loadavg } from 'node:os';
import type { GenDelta, RunEnd, RunScreenshot } from '@arena/contracts';
import pg from 'pg';
import { connect, type ArenaClient } from './arena-client.js';
import { startArena } from './processes.js';
import { fmt, summarize, table, type Summary } from './stats.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const BATTLES = Number(process.env['BENCH_BATTLES'] ?? 8);
const SPECTATORS = Number(process.env['BENCH_SPECTATORS'] ?? 20);
const BUDGET_MS = Number(process.env['BENCH_BUDGET_S'] ?? 1200) * 1000;
const IN_FLIGHT = 10;
/** The bench's clients create more battles a minute than a voter may. */
const ENV = { ARENA_RUN_CPU_MS: '500', ARENA_RATE_LIMITS: 'create=1000/1000' };
const BATTLE_MS = 60_000;
const ACK_MS = 30_000;

const MODELS = [
  { id: 'shot-ember', name: 'Ember', provider: 'demo', style: 'react', tokensPerSecond: 400 },
  { id: 'shot-flint', name: 'Flint', provider: 'demo', style: 'react', tokensPerSecond: 400 },
];

const ADMIN_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const started = performance.now();
const loads: number[] = [];

function progress(message: string): void {
  const load = loadavg()[0]!;
  loads.push(load);
  process.stderr.write(
    `[screenshots +${((performance.now() - started) / 1000).toFixed(0)} s, load ${load.toFixed(1)}] ${message}\n`,
  );
}

const left = (): number => BUDGET_MS - (performance.now() - started);

class OutOfTime extends Error {}

/** `work`, or an error after `ms` (the work itself is left to finish or fail on its own). */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer after ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fresh PostgreSQL database for one arena (the embedded one starts too slowly on a loaded machine). */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `arena_bench_shots_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 20_000 });
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
  const arena = await within(120_000, 'arena start', startArena(MODELS, { ...ENV, ...env, DATABASE_URL: db.url }));
  return {
    url: arena.url,
    stop: async () => {
      await within(60_000, 'arena stop (SIGTERM)', arena.stop()).catch((err: unknown) => {
        progress(`${String(err)}: killed`);
        arena.child.kill('SIGKILL');
      });
      await db.drop();
    },
  };
}

function client(url: string): Promise<ArenaClient> {
  return within(20_000, 'socket connect', connect(url));
}

/**
 * Creates a battle; `done` resolves once it can be voted on (listened for before the battle exists), or after
 * BATTLE_MS with a line on stderr. Undefined when the arena refused it (reported).
 */
async function create(
  socket: ArenaClient,
  prompt: string,
): Promise<{ battleId: string; done: Promise<void> } | undefined> {
  let battleId = '';
  const seen = new Set<string>();
  let wake: (() => void) | undefined;
  const onStatus = (e: { battleId: string; status: string }): void => {
    if (e.status !== 'voting' && e.status !== 'failed') return;
    seen.add(e.battleId);
    if (e.battleId === battleId) wake?.();
  };
  socket.on('battle:status', onStatus);
  const ack = await socket
    .timeout(ACK_MS)
    .emitWithAck('battle:create', { prompt })
    .catch((err: unknown) => ({ ok: false as const, error: { message: String(err) } }));
  if (!ack.ok) {
    socket.off('battle:status', onStatus);
    progress(`battle refused: ${ack.error.message}`);
    return undefined;
  }
  battleId = ack.battleId;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    wake = resolve;
    if (seen.has(battleId)) resolve();
    timer = setTimeout(() => {
      progress(`battle ${battleId} not settled after ${BATTLE_MS / 1000} s`);
      resolve();
    }, BATTLE_MS);
  }).finally(() => {
    clearTimeout(timer);
    socket.off('battle:status', onStatus);
  });
  return { battleId, done };
}

/** Shot cost: run:end → run:screenshot of each preview, battles one at a time. */
async function shotCost(url: string): Promise<{ costs: number[]; missing: number }> {
  const socket = await client(url);
  const ended = new Map<string, number>();
  const costs: number[] = [];
  let previews = 0;
  socket.on('run:end', (e: RunEnd) => {
    if (!e.preview) return;
    previews++;
    ended.set(e.runId, performance.now());
  });
  socket.on('run:screenshot', (e: RunScreenshot) => {
    const at = ended.get(e.runId);
    if (at !== undefined) costs.push(performance.now() - at);
  });
  try {
    for (let i = 0; i < BATTLES && left() > 0; i++) {
      const battle = await create(socket, `A counter button number ${i}`);
      if (!battle) continue;
      await battle.done;
      const deadline = performance.now() + 30_000;
      while (costs.length < previews && performance.now() < deadline) await sleep(20);
      progress(`shot cost: battle ${i + 1}/${BATTLES}, ${costs.length} shots`);
    }
  } finally {
    socket.disconnect();
  }
  return { costs, missing: previews - costs.length };
}

/**
 * Per-delta latency of measured battles, each started as IN_FLIGHT / 2 background battles of two previews each
 * finish generating: their runs end and their IN_FLIGHT shots are taken while the measured battle streams.
 * Samples how many shots are queued or being taken (previews ended minus pictures arrived) every 100 ms
 * meanwhile, so the table says how many were in flight rather than assuming it.
 */
async function deltasUnderLoad(
  url: string,
  shooting: boolean,
): Promise<{ deltas: number[]; shots: number; inFlight: number[] }> {
  const creator = await client(url);
  const loader = await client(url);
  const spectators = await Promise.all(Array.from({ length: SPECTATORS }, () => client(url)));
  const deltas: number[] = [];
  const inFlight: number[] = [];
  let measured = '';
  for (const s of spectators)
    s.on('gen:delta', (d: GenDelta) => {
      if (d.battleId === measured) deltas.push(Date.now() - d.t);
    });
  let shots = 0;
  let previews = 0;
  let generated = 0;
  loader.on('run:end', (e: RunEnd) => {
    if (e.preview) previews++;
  });
  loader.on('run:screenshot', () => shots++);
  loader.on('gen:end', () => generated++);
  try {
    for (let i = 0; i < BATTLES && left() > 0; i++) {
      const before = { shots, generated };
      const load = (
        await Promise.all(Array.from({ length: IN_FLIGHT / 2 }, (_, k) => create(loader, `Background page ${i}-${k}`)))
      ).filter((b) => b !== undefined);
      // The measured battle starts as the background answers end (both sides of all but one battle), so that
      // their runs end, and their shots are taken, while it streams.
      const deadline = performance.now() + BATTLE_MS;
      while (generated - before.generated < IN_FLIGHT - 2 && performance.now() < deadline) await sleep(10);
      const battle = await create(
        creator,
        `Measured counter ${i} with a longer request so that it streams for a while`,
      );
      if (battle) {
        measured = battle.battleId;
        const sampler = setInterval(() => inFlight.push(Math.max(0, previews - shots)), 100);
        await Promise.all(
          spectators.map((s) =>
            s
              .timeout(ACK_MS)
              .emitWithAck('battle:watch', { battleId: measured })
              .catch((err: unknown) => progress(`watch: ${String(err)}`)),
          ),
        );
        await battle.done;
        clearInterval(sampler);
        for (const s of spectators) s.emit('battle:unwatch', { battleId: measured }, () => undefined);
      }
      await Promise.all(load.map((b) => b.done));
      // The shots of this iteration are all taken (or given up) before the next one starts.
      const settle = performance.now() + 30_000;
      while (shooting && previews > shots && performance.now() < settle && left() > 0) await sleep(50);
      progress(
        `deltas: battle ${i + 1}/${BATTLES}, ${deltas.length} deltas, ${shots - before.shots} shots this iteration`,
      );
      previews = shots; // a shot given up on is not in flight in the next iteration
      await sleep(1_000);
    }
  } finally {
    creator.disconnect();
    loader.disconnect();
    for (const s of spectators) s.disconnect();
  }
  return { deltas, shots, inFlight };
}

const rows: Record<string, string | number>[] = [];
const all = { cost: [] as number[], on: [] as number[], off: [] as number[], inFlight: [] as number[] };
const p = (s: Summary, q: 'p50' | 'p99') => fmt(s[q], 1);
let stopped = '';
try {
  for (let round = 1; round <= ROUNDS; round++) {
    if (left() <= 0) throw new OutOfTime(`the budget of ${BUDGET_MS / 1000} s ran out before round ${round}`);
    progress(`round ${round}: arena with screenshots (${IN_FLIGHT} at once)`);
    const on = await arenaWith({ ARENA_SCREENSHOTS_IN_FLIGHT: String(IN_FLIGHT) });
    let cost: { costs: number[]; missing: number };
    let loaded: { deltas: number[]; shots: number; inFlight: number[] };
    try {
      cost = await shotCost(on.url);
      loaded = await deltasUnderLoad(on.url, true);
    } finally {
      await on.stop();
    }
    progress(`round ${round}: arena with screenshots off`);
    const off = await arenaWith({ ARENA_CHROMIUM: 'off' });
    let baseline: { deltas: number[]; shots: number };
    try {
      baseline = await deltasUnderLoad(off.url, false);
    } finally {
      await off.stop();
    }
    all.cost.push(...cost.costs);
    all.on.push(...loaded.deltas);
    all.off.push(...baseline.deltas);
    all.inFlight.push(...loaded.inFlight);
    const c = summarize(cost.costs);
    const l = summarize(loaded.deltas);
    const b = summarize(baseline.deltas);
    rows.push({
      round,
      'shot p50 ms': p(c, 'p50'),
      'shot p99 ms': p(c, 'p99'),
      shots: `${cost.costs.length}${cost.missing ? ` (${cost.missing} missing)` : ''}`,
      'shots in flight, mean': fmt(summarize(loaded.inFlight).mean, 1),
      'delta p50 ms, shots in flight': p(l, 'p50'),
      'delta p99 ms, shots in flight': p(l, 'p99'),
      'shots taken meanwhile': loaded.shots,
      'delta p50 ms, screenshots off': p(b, 'p50'),
      'delta p99 ms, screenshots off': p(b, 'p99'),
      'p50 ratio': fmt(l.p50 / Math.max(1, b.p50), 2) + '×',
      'p99 ratio': fmt(l.p99 / Math.max(1, b.p99), 2) + '×',
    });
  }
} catch (err) {
  stopped = err instanceof Error ? err.message : String(err);
  progress(`stopped early: ${stopped}`);
}
if (rows.length > 0) {
  const c = summarize(all.cost);
  const l = summarize(all.on);
  const b = summarize(all.off);
  rows.push({
    round: 'all',
    'shot p50 ms': p(c, 'p50'),
    'shot p99 ms': p(c, 'p99'),
    shots: all.cost.length,
    'shots in flight, mean': fmt(summarize(all.inFlight).mean, 1),
    'delta p50 ms, shots in flight': p(l, 'p50'),
    'delta p99 ms, shots in flight': p(l, 'p99'),
    'shots taken meanwhile': '',
    'delta p50 ms, screenshots off': p(b, 'p50'),
    'delta p99 ms, screenshots off': p(b, 'p99'),
    'p50 ratio': fmt(l.p50 / Math.max(1, b.p50), 2) + '×',
    'p99 ratio': fmt(l.p99 / Math.max(1, b.p99), 2) + '×',
  });
}
const load = summarize(loads);
process.stdout.write(
  `\nscreenshots: ${rows.length ? rows.length - 1 : 0} of ${ROUNDS} rounds × ${BATTLES} battles, ${SPECTATORS} spectators; ` +
    `shot = run:end → run:screenshot; load average ${fmt(load.p50, 1)} (median), ${fmt(load.max, 1)} (max)` +
    `${stopped ? `; stopped early: ${stopped}` : ''}\n\n` +
    (rows.length ? table(rows) : 'nothing measured') +
    '\n',
);
