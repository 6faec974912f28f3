/**
 * A broadcast's cost per watcher, the arena's way of writing broadcast frames against socket.io's own: the same bare
 * socket.io server (bench/src/plain-broadcast-server.ts) with and without backend/dist's `oneWriteFrames` and
 * `writeBroadcastFramesDirectly`, the same frames at the same pace to the same number of lean watchers, alternating
 * round by round in one run. Prints the server's CPU per frame per watcher, in user space and in the kernel, and the
 * delivery p50/p99, with the arena's way against socket.io's per round. The load generator (this process) shares the
 * machine's cores with the server. Needs backend/dist (`npx nx run @arena/backend:build`).
 *
 *   node bench/dist/fanout.js                      # 1,000 and 3,000 watchers, 3 rounds
 *   BENCH_FANOUT_WATCHERS=2000 BENCH_FANOUT_ROUNDS=5 node bench/dist/fanout.js
 */
import type { Socket } from 'socket.io-client';
import { connect } from './arena-client.js';
import { connectWatchers } from './raw-watcher.js';
import { processCpuMs, startPlainBroadcast } from './processes.js';
import { fmt, summarize, table } from './stats.js';

const COUNTS = (process.env['BENCH_FANOUT_WATCHERS'] ?? '1000,3000').split(',').map(Number);
const ROUNDS = Number(process.env['BENCH_FANOUT_ROUNDS'] ?? 3);
/** 20 frames/s, as a battle streaming both sides at the bench's 100 ms delta interval. */
const FRAME_MS = 50;
const FRAMES = Number(process.env['BENCH_FANOUT_FRAMES'] ?? 200);

const frames = Array.from({ length: FRAMES }, (_, i) => ({
  atMs: i * FRAME_MS,
  battleId: '00000000-0000-4000-8000-000000000000',
  turn: 1,
  side: i % 2 === 0 ? 'a' : 'b',
  seq: Math.floor(i / 2) + 1,
  text: ' token',
}));

interface Measured {
  userUs: number;
  sysUs: number;
  p50: number;
  p99: number;
  delivered: number;
}

async function measure(mode: 'plain' | 'direct', n: number): Promise<Measured> {
  const server = await startPlainBroadcast(mode);
  const pid = server.child.pid!;
  try {
    const latencies: number[] = [];
    const watchers = await connectWatchers(server.url, n, latencies);
    const driver = (await connect(server.url)) as unknown as Socket;
    // A warm-up of the same frames, then the measured ones.
    await driver.emitWithAck('replay', frames.slice(0, 40));
    await new Promise((r) => setTimeout(r, 500));
    latencies.length = 0;
    const before = await processCpuMs(pid);
    await driver.emitWithAck('replay', frames);
    const after = await processCpuMs(pid);
    await new Promise((r) => setTimeout(r, 500));
    for (const w of watchers) w.close();
    driver.disconnect();
    const sends = frames.length * n;
    const latency = summarize(latencies);
    return {
      userUs: ((after.userMs - before.userMs) * 1000) / sends,
      sysUs: ((after.sysMs - before.sysMs) * 1000) / sends,
      p50: latency.p50,
      p99: latency.p99,
      delivered: latencies.length / sends,
    };
  } finally {
    await server.stop();
  }
}

const rows: Record<string, string | number>[] = [];
const ratios: Record<string, string | number>[] = [];
for (const n of COUNTS) {
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternating which goes first, so neither always meets the machine as the other left it.
    const order: ('plain' | 'direct')[] = round % 2 === 1 ? ['plain', 'direct'] : ['direct', 'plain'];
    const got: Partial<Record<'plain' | 'direct', Measured>> = {};
    for (const mode of order) got[mode] = await measure(mode, n);
    const plain = got.plain!;
    const direct = got.direct!;
    for (const [name, m] of [
      ['socket.io as it comes', plain],
      ['arena frame writing', direct],
    ] as const) {
      rows.push({
        watchers: n,
        round,
        server: name,
        'user µs/frame/watcher': fmt(m.userUs, 2),
        'kernel µs/frame/watcher': fmt(m.sysUs, 2),
        'p50 ms': fmt(m.p50, 0),
        'p99 ms': fmt(m.p99, 0),
        delivered: fmt(m.delivered, 3),
      });
    }
    ratios.push({
      watchers: n,
      round,
      'CPU ratio': fmt((direct.userUs + direct.sysUs) / (plain.userUs + plain.sysUs)),
      'user CPU ratio': fmt(direct.userUs / plain.userUs),
      'p99 ratio': fmt(direct.p99 / plain.p99),
    });
    process.stdout.write(`done: ${n} watchers, round ${round}\n`);
  }
}
process.stdout.write(
  `\nfan-out: ${FRAMES} broadcast frames at ${1000 / FRAME_MS}/s to every watcher of one room, bare socket.io server, ` +
    `load generator on the same cores\n\n${table(rows)}\n\narena frame writing against socket.io as it comes, ` +
    `round by round:\n\n${table(ratios)}\n`,
);
