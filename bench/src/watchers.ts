/**
 * Live-battle fan-out: spectators watching a live battle (demo models streaming both sides), token-to-client
 * latency measured at every client, against a plain socket.io broadcast of the same frames, at the same
 * pace, to the same number of clients, in the same run. Server CPU per delivered frame and memory per
 * watcher are read from /proc for each server process. The load generator (this process) shares the
 * machine's two cores with the server.
 *
 *   node bench/dist/watchers.js            # 1,000, 3,000 and 5,000 watchers
 *   BENCH_WATCHERS=500,1000 node bench/dist/watchers.js
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { connect } from './arena-client.js';
import { RawWatcher } from './raw-watcher.js';
import { freshPostgresDatabase } from '@arena/testkit';
import { REPO_ROOT, startArena, startPlainBroadcast } from './processes.js';
import { fmt, summarize, table, type Summary } from './stats.js';

const COUNTS = (process.env['BENCH_WATCHERS'] ?? '1000,3000,5000').split(',').map(Number);
/** Slow enough that the battle is still streaming once 5,000 watchers have joined it. */
const TOKENS_PER_SECOND = Number(process.env['BENCH_TOKENS_PER_SECOND'] ?? 10);
/** `BENCH_REDIS=redis://…`: the arena runs with the Redis streams adapter, as several processes would. */
const REDIS = process.env['BENCH_REDIS'];
/** One frame per side per interval at most: 20 frames/s per battle at 100 ms. */
const DELTA_INTERVAL_MS = process.env['BENCH_DELTA_INTERVAL_MS'] ?? '100';
const CLOCK_TICKS = 100;
const PAGE_SIZE = 4096;

const MODELS = [
  { id: 'bench-ts', name: 'Bench TS', provider: 'demo', style: 'typescript', tokensPerSecond: TOKENS_PER_SECOND },
  { id: 'bench-js', name: 'Bench JS', provider: 'demo', style: 'javascript', tokensPerSecond: TOKENS_PER_SECOND },
];

interface Frame {
  atMs: number;
  battleId: string;
  turn: number;
  side: 'a' | 'b';
  seq: number;
  text: string;
}

interface Result {
  watchers: number;
  latency: Summary;
  delivered: number;
  expected: number;
  cpuMs: number;
  cpuUsPerFrame: number;
  rssPerWatcherKb: number;
}

/** Peak RSS of a process while `during` runs, sampled every 50 ms. */
function watchRss(pid: number): { peak: () => number; stop: () => void } {
  let peak = rssKb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssKb(pid));
    } catch {
      // the process has ended
    }
  }, 50);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

function rssKb(pid: number): number {
  const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return (pages * PAGE_SIZE) / 1024;
}

/** `n` lean watchers, each reporting its delivery latency (client clock minus the frame's server time). */
async function connectMany(url: string, n: number, latencies: number[]): Promise<RawWatcher[]> {
  const out: RawWatcher[] = [];
  while (out.length < n) {
    const batch = Array.from(
      { length: Math.min(250, n - out.length) },
      () => new RawWatcher(url, (t) => latencies.push(Date.now() - t)),
    );
    await Promise.all(batch.map((w) => w.ready));
    out.push(...batch);
  }
  return out;
}

async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function benchArena(n: number): Promise<{ result: Result; frames: Frame[] }> {
  // PostgreSQL, as deployed: the embedded database would share the server's CPU.
  const database = await freshPostgresDatabase('arena_bench_watchers');
  const arena = await startArena(MODELS, {
    DATABASE_URL: database.url,
    ...(REDIS ? { REDIS_URL: REDIS, REDIS_PREFIX: `bench-${Date.now().toString(36)}` } : {}),
    ARENA_DELTA_INTERVAL_MS: DELTA_INTERVAL_MS,
    DOCKER_HOSTS: 'none',
    ARENA_PYODIDE: 'off',
    ARENA_RATE_LIMITS: 'create=1000/1000',
  });
  const pid = arena.child.pid!;
  try {
    await settle(500);
    const rss0 = rssKb(pid);
    const rss = watchRss(pid);
    const latencies: number[] = [];
    const watchers = await connectMany(arena.url, n, latencies);
    const creator = await connect(arena.url);
    const frames: Frame[] = [];
    const start = performance.now();
    creator.on('gen:delta', (d) => frames.push({ ...d, atMs: performance.now() - start }));
    const ack = await creator.emitWithAck('battle:create', { prompt: 'Print the first 20 Fibonacci numbers' });
    if (!ack.ok) throw new Error(ack.error.message);
    const ended = new Promise<void>((resolve) => {
      let sides = 0;
      creator.on('gen:end', () => {
        sides += 1;
        if (sides === 2) resolve();
      });
    });
    for (let i = 0; i < watchers.length; i += 500) {
      await Promise.all(watchers.slice(i, i + 500).map((w) => w.emit('battle:watch', { battleId: ack.battleId })));
    }
    // CPU from the moment every watcher is in the room until both sides have finished streaming.
    const framesBefore = frames.length;
    const latenciesBefore = latencies.length;
    const cpu0 = cpuMs(pid);
    await ended;
    const cpu1 = cpuMs(pid);
    await settle(1_000);
    rss.stop();
    const measured = latencies.slice(latenciesBefore);
    const sent = frames.length - framesBefore;
    creator.disconnect();
    for (const w of watchers) w.close();
    return {
      frames,
      result: {
        watchers: n,
        latency: summarize(measured),
        delivered: measured.length,
        expected: sent * n,
        cpuMs: cpu1 - cpu0,
        cpuUsPerFrame: ((cpu1 - cpu0) * 1000) / Math.max(1, sent * n),
        rssPerWatcherKb: (rss.peak() - rss0) / n,
      },
    };
  } finally {
    await arena.stop();
    await database.drop();
  }
}

async function benchPlain(n: number, frames: Frame[]): Promise<Result> {
  const server = await startPlainBroadcast();
  const pid = server.child.pid!;
  try {
    await settle(500);
    const rss0 = rssKb(pid);
    const rss = watchRss(pid);
    const latencies: number[] = [];
    const clients = await connectMany(server.url, n, latencies);
    const driver = (await connect(server.url)) as unknown as Socket;
    const cpu0 = cpuMs(pid);
    await driver.emitWithAck('replay', frames);
    const cpu1 = cpuMs(pid);
    await settle(1_000);
    rss.stop();
    for (const c of clients) c.close();
    driver.disconnect();
    return {
      watchers: n,
      latency: summarize(latencies),
      delivered: latencies.length,
      expected: frames.length * n,
      cpuMs: cpu1 - cpu0,
      cpuUsPerFrame: ((cpu1 - cpu0) * 1000) / Math.max(1, frames.length * n),
      rssPerWatcherKb: (rss.peak() - rss0) / n,
    };
  } finally {
    await server.stop();
  }
}

const rows: Record<string, string | number>[] = [];
const results: { arena: Result; plain: Result }[] = [];
for (const n of COUNTS) {
  const { result: arena, frames } = await benchArena(n);
  // The baseline replays the frames the arena sent while every watcher was in the room, at the same pace.
  const t0 = frames[0]?.atMs ?? 0;
  const plain = await benchPlain(
    n,
    frames.map((f) => ({ ...f, atMs: f.atMs - t0 })),
  );
  results.push({ arena, plain });
  for (const [name, r] of [
    ['plain socket.io broadcast', plain],
    [REDIS ? 'arena gateway (Redis adapter)' : 'arena gateway', arena],
  ] as const) {
    rows.push({
      watchers: n,
      server: name,
      'frames delivered': `${r.delivered}/${r.expected}`,
      'p50 ms': fmt(r.latency.p50, 1),
      'p99 ms': fmt(r.latency.p99, 1),
      'CPU µs/frame': fmt(r.cpuUsPerFrame, 2),
      'CPU ratio': name.startsWith('arena') ? fmt(r.cpuUsPerFrame / Math.max(plain.cpuUsPerFrame, 1e-9)) : '1.00',
      'p99 ratio': name.startsWith('arena') ? fmt(r.latency.p99 / Math.max(plain.latency.p99, 1e-9)) : '1.00',
      'peak RSS KB/watcher': fmt(r.rssPerWatcherKb, 1),
    });
  }
  process.stdout.write(`done: ${n} watchers\n`);
}
process.stdout.write(
  `\nwatchers: one live battle, ${TOKENS_PER_SECOND} tokens/s per side, frames every ${DELTA_INTERVAL_MS} ms per side; ` +
    `PostgreSQL${REDIS ? ' and Redis' : ''}; load generator on the same 2 cores\n\n` +
    table(rows) +
    '\n\nratios are the arena against the plain broadcast of the same frames to the same number of clients\n',
);
const out = path.join(REPO_ROOT, 'bench/results');
await mkdir(out, { recursive: true });
await writeFile(path.join(out, 'watchers.json'), JSON.stringify(results, null, 2));
