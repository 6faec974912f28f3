/**
 * Live-battle fan-out: spectators watching a live battle (demo models streaming both sides), token-to-client
 * latency measured at every client, against a plain socket.io broadcast of the same frames, at the same
 * pace, to the same number of clients, in the same run. Server CPU per delivered frame and memory per
 * watcher are read from /proc for each server process. The load generator (this process) shares the
 * machine's two cores with the server.
 *
 *   node bench/dist/watchers.js            # 1,000, 3,000 and 5,000 watchers
 *   BENCH_WATCHERS=500,1000 node bench/dist/watchers.js
 *   BENCH_REDIS=redis://127.0.0.1:6379 node bench/dist/watchers.js   # the arena on the Redis streams adapter
 *   BENCH_REDIS=… BENCH_LOCAL=1 node bench/dist/watchers.js          # and the arena as one process, beside it
 *
 * The measured window is a follow-up turn, asked once every watcher is in the battle's room (the first
 * turn streams while they join): every watcher sees every frame of it. With Redis, the server's own
 * counters (INFO) are read before and after that window, so the per-frame costs a deployment on several
 * machines is sized by (docs/scaling.md) come from the same run: the arena's CPU per frame and per
 * watcher, and Redis's CPU, bytes and XADD/XREAD calls per frame.
 */
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { connect } from './arena-client.js';
import { connectWatchers } from './raw-watcher.js';
import { freshPostgresDatabase } from '@arena/testkit';
import { REPO_ROOT, processCpuMs, startArena, startPlainBroadcast } from './processes.js';
import { fmt, summarize, table, type Summary } from './stats.js';

const COUNTS = (process.env['BENCH_WATCHERS'] ?? '1000,3000,5000').split(',').map(Number);
/** Slow enough that the battle is still streaming once 5,000 watchers have joined it. */
const TOKENS_PER_SECOND = Number(process.env['BENCH_TOKENS_PER_SECOND'] ?? 10);
/** `BENCH_REDIS=redis://…`: the arena runs with the Redis streams adapter, as several processes would. */
const REDIS = process.env['BENCH_REDIS'];
/** With BENCH_REDIS: also run the arena as one process without Redis, to tell the adapter's cost apart. */
const LOCAL_TOO = !!REDIS && process.env['BENCH_LOCAL'] === '1';
/** One frame per side per interval at most: 20 frames/s per battle at 100 ms. */
const DELTA_INTERVAL_MS = process.env['BENCH_DELTA_INTERVAL_MS'] ?? '100';
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

/** Redis's counters from INFO: CPU seconds (user + system), bytes in and out, calls of the stream commands. */
interface RedisCounters {
  cpuS: number;
  netIn: number;
  netOut: number;
  xadd: number;
  xread: number;
  /** CPU time Redis's stream commands (XADD, XREAD, XRANGE) took, per its command statistics. */
  streamUs: number;
  xaddUs: number;
  xreadUs: number;
  commands: number;
}

/** What Redis spent over the measured window, per gen:delta frame the arena sent in it. */
interface RedisCost {
  cpuUsPerFrame: number;
  streamUsPerFrame: number;
  /** Redis's CPU beyond its rate while the battle was quiet just before (other clients, its own timers). */
  cpuAboveIdleUsPerFrame: number;
  xaddUsPerCall: number;
  xreadUsPerCall: number;
  bytesInPerFrame: number;
  bytesOutPerFrame: number;
  xaddPerFrame: number;
  xreadPerFrame: number;
  xaddPerS: number;
  xreadPerS: number;
}

interface Result {
  watchers: number;
  latency: Summary;
  delivered: number;
  expected: number;
  cpuMs: number;
  cpuUsPerFrame: number;
  rssPerWatcherKb: number;
  /** How long the watchers took to connect and to join the battle (the arena only). */
  connectMs?: number;
  joinMs?: number;
  redis?: RedisCost;
  /** Redis's round trip (PING) during the measured window. */
  redisRtt?: Summary;
}

/** INFO from the Redis at `url`, over a bare connection (the bench has no Redis client of its own). */
async function redisInfo(url: string): Promise<RedisCounters> {
  const { hostname, port } = new URL(url);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    const chunks: Buffer[] = [];
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      const header = all.indexOf('\r\n');
      if (header < 0) return;
      if (all[0] !== 0x24) return reject(new Error(`redis INFO: ${all.toString().slice(0, 200)}`));
      const length = Number(all.subarray(1, header).toString());
      if (all.length >= header + 2 + length) {
        socket.end();
        resolve(all.subarray(header + 2, header + 2 + length).toString());
      }
    });
    socket.write('*2\r\n$4\r\nINFO\r\n$3\r\nall\r\n');
  });
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(text)?.[1] ?? 0);
  const calls = (command: string): number =>
    Number(new RegExp(`^cmdstat_${command}:calls=([0-9]+)`, 'm').exec(text)?.[1] ?? 0);
  const usec = (command: string): number =>
    Number(new RegExp(`^cmdstat_${command}:calls=[0-9]+,usec=([0-9]+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    cpuS: field('used_cpu_user') + field('used_cpu_sys'),
    netIn: field('total_net_input_bytes'),
    netOut: field('total_net_output_bytes'),
    xadd: calls('xadd'),
    xread: calls('xread'),
    streamUs: usec('xadd') + usec('xread') + usec('xrange'),
    xaddUs: usec('xadd'),
    xreadUs: usec('xread'),
    commands: field('total_commands_processed'),
  };
}

/**
 * Redis's round trip as the arena sees it while it streams: a PING every 20 ms over one connection. Every
 * broadcast on the streams adapter waits for one XADD round trip before this process delivers it.
 */
function probeRedis(url: string): { stop: () => Summary } {
  const { hostname, port } = new URL(url);
  const socket = createConnection({ host: hostname, port: Number(port || 6379) });
  const rtts: number[] = [];
  let sentAt: number | undefined;
  socket.on('error', () => undefined);
  socket.on('data', () => {
    if (sentAt !== undefined) rtts.push(performance.now() - sentAt);
    sentAt = undefined;
  });
  const timer = setInterval(() => {
    if (sentAt !== undefined) return;
    sentAt = performance.now();
    socket.write('PING\r\n');
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      socket.destroy();
      return summarize(rtts);
    },
  };
}

function redisCost(
  idle: { cpuS: number; seconds: number },
  before: RedisCounters,
  after: RedisCounters,
  frames: number,
  seconds: number,
): RedisCost {
  const per = (n: number): number => n / Math.max(1, frames);
  const cpuS = after.cpuS - before.cpuS;
  return {
    cpuUsPerFrame: per(cpuS * 1e6),
    cpuAboveIdleUsPerFrame: per(Math.max(0, cpuS - (idle.cpuS / idle.seconds) * seconds) * 1e6),
    xaddUsPerCall: (after.xaddUs - before.xaddUs) / Math.max(1, after.xadd - before.xadd),
    xreadUsPerCall: (after.xreadUs - before.xreadUs) / Math.max(1, after.xread - before.xread),
    streamUsPerFrame: per(after.streamUs - before.streamUs),
    bytesInPerFrame: per(after.netIn - before.netIn),
    bytesOutPerFrame: per(after.netOut - before.netOut),
    xaddPerFrame: per(after.xadd - before.xadd),
    xreadPerFrame: per(after.xread - before.xread),
    xaddPerS: (after.xadd - before.xadd) / seconds,
    xreadPerS: (after.xread - before.xread) / seconds,
  };
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

async function cpuMs(pid: number): Promise<number> {
  const { userMs, sysMs } = await processCpuMs(pid);
  return userMs + sysMs;
}

function rssKb(pid: number): number {
  const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return (pages * PAGE_SIZE) / 1024;
}

async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function benchArena(
  n: number,
  redis: string | undefined,
): Promise<{ result: Result; frames: Frame[]; warmup: Frame[] }> {
  // PostgreSQL, as deployed: the embedded database would share the server's CPU.
  const database = await freshPostgresDatabase('arena_bench_watchers');
  const arena = await startArena(MODELS, {
    DATABASE_URL: database.url,
    ...(redis ? { REDIS_URL: redis, REDIS_PREFIX: `bench-${Date.now().toString(36)}` } : {}),
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
    const connecting = performance.now();
    const watchers = await connectWatchers(arena.url, n, latencies);
    const connectMs = performance.now() - connecting;
    const creator = await connect(arena.url);
    const frames: Frame[] = [];
    const warmup: Frame[] = [];
    let start = performance.now();
    // The measured turn: the follow-up (turn 1), asked once every watcher is in the room. The first turn
    // warms the server and the load generator up; the baseline gets the same warm-up.
    creator.on('gen:delta', (d) => {
      (d.turn === 1 ? frames : warmup).push({ ...d, atMs: performance.now() - start });
    });
    const voting = new Promise<void>((resolve) => {
      creator.on('battle:status', (s) => {
        if (s.status === 'voting') resolve();
      });
    });
    const ended = new Promise<void>((resolve) => {
      let sides = 0;
      creator.on('gen:end', (e) => {
        if (e.turn !== 1) return;
        sides += 1;
        if (sides === 2) resolve();
      });
    });
    const ack = await creator.emitWithAck('battle:create', { prompt: 'Print the first 20 Fibonacci numbers' });
    if (!ack.ok) throw new Error(ack.error.message);
    const joining = performance.now();
    for (let i = 0; i < watchers.length; i += 500) {
      await Promise.all(watchers.slice(i, i + 500).map((w) => w.emit('battle:watch', { battleId: ack.battleId })));
    }
    const joinMs = performance.now() - joining;
    await voting;
    // The first turn's last frames reach the slowest watchers before the window opens; meanwhile Redis's
    // CPU with the battle quiet is read, to tell what the frames cost it from what everything else does.
    const quiet = redis ? await redisInfo(redis) : undefined;
    const quietFrom = performance.now();
    await settle(1_000);
    const latenciesBefore = latencies.length;
    const redis0 = redis ? await redisInfo(redis) : undefined;
    const idle =
      quiet && redis0 ? { cpuS: redis0.cpuS - quiet.cpuS, seconds: (performance.now() - quietFrom) / 1000 } : undefined;
    const probe = redis ? probeRedis(redis) : undefined;
    const cpu0 = await cpuMs(pid);
    start = performance.now();
    const followup = await creator.emitWithAck('battle:followup', {
      battleId: ack.battleId,
      prompt: 'Now print them in reverse order',
    });
    if (!followup.ok) throw new Error(followup.error.message);
    await ended;
    const cpu1 = await cpuMs(pid);
    const seconds = (performance.now() - start) / 1000;
    const redis1 = redis ? await redisInfo(redis) : undefined;
    const redisRtt = probe?.stop();
    await settle(1_000);
    rss.stop();
    const measured = latencies.slice(latenciesBefore);
    const sent = frames.length;
    creator.disconnect();
    for (const w of watchers) w.close();
    return {
      frames,
      warmup,
      result: {
        watchers: n,
        latency: summarize(measured),
        delivered: measured.length,
        expected: sent * n,
        cpuMs: cpu1 - cpu0,
        cpuUsPerFrame: ((cpu1 - cpu0) * 1000) / Math.max(1, sent * n),
        rssPerWatcherKb: (rss.peak() - rss0) / n,
        connectMs,
        joinMs,
        ...(idle && redis0 && redis1 ? { redis: redisCost(idle, redis0, redis1, sent, seconds) } : {}),
        ...(redisRtt ? { redisRtt } : {}),
      },
    };
  } finally {
    await arena.stop();
    await database.drop();
  }
}

async function benchPlain(n: number, frames: Frame[], warmup: Frame[]): Promise<Result> {
  const server = await startPlainBroadcast();
  const pid = server.child.pid!;
  try {
    await settle(500);
    const rss0 = rssKb(pid);
    const rss = watchRss(pid);
    const latencies: number[] = [];
    const clients = await connectWatchers(server.url, n, latencies);
    const driver = (await connect(server.url)) as unknown as Socket;
    // The arena's first turn, as its warm-up, then the same pause before the measured frames.
    await driver.emitWithAck('replay', warmup);
    await settle(1_000);
    const latenciesBefore = latencies.length;
    const cpu0 = await cpuMs(pid);
    await driver.emitWithAck('replay', frames);
    const cpu1 = await cpuMs(pid);
    await settle(1_000);
    rss.stop();
    for (const c of clients) c.close();
    driver.disconnect();
    const measured = latencies.slice(latenciesBefore);
    return {
      watchers: n,
      latency: summarize(measured),
      delivered: measured.length,
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
const costs: Record<string, string | number>[] = [];
const results: { arena: Result; local?: Result; plain: Result }[] = [];
for (const n of COUNTS) {
  const { result: arena, frames, warmup } = await benchArena(n, REDIS);
  const local = LOCAL_TOO ? (await benchArena(n, undefined)).result : undefined;
  // The baseline replays the frames the arena sent while every watcher was in the room, at the same pace,
  // after the first turn's frames as the same warm-up.
  const t0 = frames[0]?.atMs ?? 0;
  const w0 = warmup[0]?.atMs ?? 0;
  const plain = await benchPlain(
    n,
    frames.map((f) => ({ ...f, atMs: f.atMs - t0 })),
    warmup.map((f) => ({ ...f, atMs: f.atMs - w0 })),
  );
  results.push({ arena, ...(local ? { local } : {}), plain });
  const servers: [string, Result][] = [
    ['plain socket.io broadcast', plain],
    ...(local ? [['arena gateway (one process)', local] as [string, Result]] : []),
    [REDIS ? 'arena gateway (Redis adapter)' : 'arena gateway', arena],
  ];
  for (const [name, r] of servers) {
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
    if (!name.startsWith('arena')) continue;
    const frameCount = r.expected / n;
    costs.push({
      watchers: n,
      server: name,
      frames: frameCount,
      'CPU ms/frame': fmt(r.cpuMs / Math.max(1, frameCount), 2),
      'CPU µs/frame/watcher': fmt(r.cpuUsPerFrame, 2),
      'Redis CPU µs/frame': r.redis ? fmt(r.redis.cpuUsPerFrame, 1) : '-',
      'Redis CPU above quiet µs/frame': r.redis ? fmt(r.redis.cpuAboveIdleUsPerFrame, 1) : '-',
      'stream cmds µs/frame': r.redis ? fmt(r.redis.streamUsPerFrame, 1) : '-',
      'µs per XADD/XREAD': r.redis ? `${fmt(r.redis.xaddUsPerCall, 1)}/${fmt(r.redis.xreadUsPerCall, 1)}` : '-',
      'Redis bytes in/frame': r.redis ? fmt(r.redis.bytesInPerFrame, 0) : '-',
      'Redis bytes out/frame': r.redis ? fmt(r.redis.bytesOutPerFrame, 0) : '-',
      'XADD/frame': r.redis ? fmt(r.redis.xaddPerFrame) : '-',
      'XREAD/frame': r.redis ? fmt(r.redis.xreadPerFrame) : '-',
      'XADD/s': r.redis ? fmt(r.redis.xaddPerS, 1) : '-',
      'XREAD/s': r.redis ? fmt(r.redis.xreadPerS, 1) : '-',
      'Redis RTT p50/p99 ms': r.redisRtt ? `${fmt(r.redisRtt.p50, 2)}/${fmt(r.redisRtt.p99, 1)}` : '-',
      'connect s': fmt((r.connectMs ?? NaN) / 1000, 1),
      'join s': fmt((r.joinMs ?? NaN) / 1000, 1),
    });
  }
  process.stdout.write(`done: ${n} watchers\n`);
}
process.stdout.write(
  `\nwatchers: one live battle's follow-up turn, ${TOKENS_PER_SECOND} tokens/s per side, frames every ${DELTA_INTERVAL_MS} ms per side; ` +
    `PostgreSQL${REDIS ? ' and Redis' : ''}; load generator on the same 2 cores\n\n` +
    table(rows) +
    '\n\nratios are the arena against the plain broadcast of the same frames to the same number of clients\n' +
    '\nper-frame costs over the measured turn (a frame: one gen:delta broadcast to every watcher; Redis from INFO):\n\n' +
    table(costs) +
    '\n',
);
const out = path.join(REPO_ROOT, 'bench/results');
await mkdir(out, { recursive: true });
await writeFile(path.join(out, 'watchers.json'), JSON.stringify(results, null, 2));
