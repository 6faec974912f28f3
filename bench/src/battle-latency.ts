/**
 * Battle latency on the built arena, measured side by side in one run:
 *  1. time from `battle:create` to the first `gen:delta` at the client (with a plain ack round trip on the
 *     same connection as the baseline);
 *  2. per-delta delivery latency (client receive time − frame's server time `t`) through the arena's
 *     gateway to many spectators (BENCH_SPECTATORS, default 100), against a plain socket.io broadcast of the
 *     same frames at the same pace to the same number of clients;
 *  3. vote-to-leaderboard latency: from a vote's acknowledgement until `GET /api/leaderboard` counts it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GenDelta } from '@arena/contracts';
import type { Socket } from 'socket.io-client';
import { connect } from './arena-client.js';
import { REPO_ROOT, startArena, startPlainBroadcast } from './processes.js';
import { fmt, summarize, table, type Summary } from './stats.js';

const SPECTATORS = Number(process.env['BENCH_SPECTATORS'] ?? 100);
const BATTLES = Number(process.env['BENCH_BATTLES'] ?? 20);
const TOKENS_PER_SECOND = Number(process.env['BENCH_TOKENS_PER_SECOND'] ?? 400);

const MODELS = [
  { id: 'bench-ts', name: 'Bench TS', provider: 'demo', style: 'typescript', tokensPerSecond: TOKENS_PER_SECOND },
  { id: 'bench-js', name: 'Bench JS', provider: 'demo', style: 'javascript', tokensPerSecond: TOKENS_PER_SECOND },
];
const PROMPTS = [
  'Write FizzBuzz',
  'Print Fibonacci numbers',
  'Primes below 100',
  'Merge sort an array',
  'Is it a palindrome?',
];

interface Recorded {
  atMs: number;
  battleId: string;
  turn: number;
  side: 'a' | 'b';
  seq: number;
  text: string;
}

async function benchArena(): Promise<{
  createToAck: Summary;
  createToFirstDelta: Summary;
  pingRtt: Summary;
  voteToLeaderboard: Summary;
  deltas: Summary;
  frames: Recorded[];
}> {
  const arena = await startArena(MODELS, { ARENA_RUN_CPU_MS: '500' });
  try {
    const creator = await connect(arena.url);
    const spectators = await Promise.all(Array.from({ length: SPECTATORS }, () => connect(arena.url)));
    const latencies: number[] = [];
    for (const s of spectators) s.on('gen:delta', (d: GenDelta) => latencies.push(Date.now() - d.t));
    const createToAck: number[] = [];
    const createToFirst: number[] = [];
    const pings: number[] = [];
    const voteToBoard: number[] = [];
    const frames: Recorded[] = [];
    const runStart = performance.now();
    creator.on('gen:delta', (d) =>
      frames.push({
        atMs: performance.now() - runStart,
        battleId: d.battleId,
        turn: d.turn,
        side: d.side,
        seq: d.seq,
        text: d.text,
      }),
    );
    for (let i = 0; i < BATTLES; i++) {
      // Let the previous battle's unwatch burst settle, then take the baseline round trip: an ack that
      // only validates its input and answers.
      await new Promise((r) => setTimeout(r, 300));
      for (let k = 0; k < 3; k++) {
        const p0 = performance.now();
        await creator.emitWithAck('battle:unwatch', { battleId: '00000000-0000-4000-8000-000000000000' });
        pings.push(performance.now() - p0);
      }

      const started = performance.now();
      const first = new Promise<number>((resolve) =>
        creator.once('gen:delta', () => resolve(performance.now() - started)),
      );
      const ack = await creator.emitWithAck('battle:create', { prompt: PROMPTS[i % PROMPTS.length]! });
      createToAck.push(performance.now() - started);
      if (!ack.ok) throw new Error(ack.error.message);
      const joined = spectators.map((s) => s.emitWithAck('battle:watch', { battleId: ack.battleId }));
      createToFirst.push(await first);
      await Promise.all(joined);
      await new Promise<void>((resolve) => {
        const onStatus = (e: { battleId: string; status: string }): void => {
          if (e.battleId === ack.battleId && (e.status === 'voting' || e.status === 'failed')) {
            creator.off('battle:status', onStatus);
            resolve();
          }
        };
        creator.on('battle:status', onStatus);
      });
      await creator.emitWithAck('battle:vote', { battleId: ack.battleId, winner: 'tie' });
      // Vote acknowledged → the leaderboard (bootstrap intervals included) counts it.
      const voted = performance.now();
      for (;;) {
        const board = (await (await fetch(`${arena.url}/api/leaderboard`)).json()) as { battles: number };
        if (board.battles === i + 1) break;
      }
      voteToBoard.push(performance.now() - voted);
      for (const s of spectators) s.emit('battle:unwatch', { battleId: ack.battleId }, () => undefined);
    }
    creator.disconnect();
    for (const s of spectators) s.disconnect();
    return {
      createToAck: summarize(createToAck),
      createToFirstDelta: summarize(createToFirst),
      pingRtt: summarize(pings),
      voteToLeaderboard: summarize(voteToBoard),
      deltas: summarize(latencies),
      frames,
    };
  } finally {
    await arena.stop();
  }
}

async function benchPlain(frames: Recorded[]): Promise<Summary> {
  const server = await startPlainBroadcast();
  try {
    const clients = await Promise.all(Array.from({ length: SPECTATORS + 1 }, () => connect(server.url)));
    const latencies: number[] = [];
    for (const c of clients.slice(1)) c.on('gen:delta', (d: GenDelta) => latencies.push(Date.now() - d.t));
    await new Promise((r) => setTimeout(r, 200));
    const driver = clients[0]! as unknown as Socket;
    await driver.emitWithAck('replay', frames);
    await new Promise((r) => setTimeout(r, 500));
    for (const c of clients) c.disconnect();
    return summarize(latencies);
  } finally {
    await server.stop();
  }
}

const arena = await benchArena();
const plain = await benchPlain(arena.frames);
const row = (name: string, s: Summary, base?: Summary): Record<string, string | number> => ({
  measure: name,
  n: s.n,
  'p50 ms': fmt(s.p50),
  'p90 ms': fmt(s.p90),
  'p99 ms': fmt(s.p99),
  'mean ms': fmt(s.mean),
  'p50 ratio': base ? fmt(s.p50 / Math.max(base.p50, 0.001)) : '',
  'p99 ratio': base ? fmt(s.p99 / Math.max(base.p99, 0.001)) : '',
});
process.stdout.write(
  `\nbattle latency: ${BATTLES} battles, ${SPECTATORS} spectators, ${TOKENS_PER_SECOND} tokens/s per side, embedded database\n\n` +
    table([
      row('baseline: plain ack round trip', arena.pingRtt),
      row('battle:create → ack', arena.createToAck, arena.pingRtt),
      row('battle:create → first gen:delta', arena.createToFirstDelta, arena.pingRtt),
      row('baseline: plain socket.io broadcast, per delta', plain),
      row('arena gateway, per delta', arena.deltas, plain),
      row('vote ack → counted on GET /api/leaderboard', arena.voteToLeaderboard, arena.pingRtt),
    ]) +
    '\n\nratios are against the baseline row above each measure\n',
);
const out = path.join(REPO_ROOT, 'bench/results');
await mkdir(out, { recursive: true });
await writeFile(
  path.join(out, 'battle-latency.json'),
  JSON.stringify(
    {
      spectators: SPECTATORS,
      battles: BATTLES,
      tokensPerSecond: TOKENS_PER_SECOND,
      ...arena,
      frames: arena.frames.length,
      plain,
    },
    null,
    2,
  ),
);
