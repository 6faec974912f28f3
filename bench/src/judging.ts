/**
 * Judging throughput of the judge service with 32 concurrent judge calls against a local OpenAI-protocol
 * judge that answers after 200 ms, while a live battle streams. The ideal rate is 32 / 0.2 s = 160 calls/s;
 * the service must reach at least 90% of it. Beside it, in the same run, the per-delta latency of a live battle
 * while the judge service is busy and after it has finished (the baseline).
 *
 * Phase 1 plays N battles on the built arena with the default (execution) judge; phase 2 restarts it on the
 * same data with an LLM judge, whose start-up catch-up queues 4 calls per battle (2 modes × 2 orders).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startArenaProcess } from '@arena/testkit';
import { connect, type ArenaClient } from './arena-client.js';
import { fmt, summarize, table } from './stats.js';

const BATTLES = Number(process.env['BENCH_JUDGE_BATTLES'] ?? 150);
const CONCURRENCY = 32;
const LATENCY_MS = 200;
const MODELS = [
  { id: 'bench-ts', name: 'Bench TS', provider: 'demo', style: 'typescript', tokensPerSecond: 5_000 },
  { id: 'bench-js', name: 'Bench JS', provider: 'demo', style: 'javascript', tokensPerSecond: 5_000 },
];
const LIVE_MODELS = MODELS.map((m) => ({ ...m, tokensPerSecond: 300 }));

// ---- the judge: OpenAI's streaming protocol, a fixed latency, in-flight calls counted over time ----
let inFlight = 0;
let peak = 0;
let calls = 0;
let firstAt = 0;
let lastAt = 0;
let busyIntegral = 0;
let lastChange = 0;
const account = (delta: number): void => {
  const now = performance.now();
  if (lastChange) busyIntegral += inFlight * (now - lastChange);
  lastChange = now;
  inFlight += delta;
  peak = Math.max(peak, inFlight);
};
const judge = createServer((req: IncomingMessage, res: ServerResponse) => {
  req.resume();
  req.on('end', () => {
    firstAt ||= performance.now();
    account(1);
    setTimeout(() => {
      const text = JSON.stringify({ reasoning: 'the first answer ran and printed what was asked', winner: 'A' });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`,
      );
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
      res.end('data: [DONE]\n\n');
      calls++;
      lastAt = performance.now();
      account(-1);
    }, LATENCY_MS);
  });
});
await new Promise<void>((resolve) => judge.listen(0, '127.0.0.1', resolve));
const judgeUrl = `http://127.0.0.1:${(judge.address() as AddressInfo).port}/v1`;

async function playBattle(socket: ArenaClient, prompt: string, lateness?: number[]): Promise<void> {
  const created = await socket.emitWithAck('battle:create', { prompt });
  if (!created.ok) throw new Error(created.error.message);
  await new Promise<void>((resolve) => {
    const onDelta = (d: { battleId: string; t: number }): void => {
      if (d.battleId === created.battleId) lateness?.push(Date.now() - d.t);
    };
    const onStatus = (s: { battleId: string; status: string }): void => {
      if (s.battleId !== created.battleId || (s.status !== 'voting' && s.status !== 'failed')) return;
      socket.off('gen:delta', onDelta);
      socket.off('battle:status', onStatus);
      resolve();
    };
    socket.on('gen:delta', onDelta);
    socket.on('battle:status', onStatus);
  });
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'arena-bench-judging-'));
// Phase 1: battles to judge (the execution judge only).
{
  const arena = await startArenaProcess(MODELS, { ARENA_DATA_DIR: dataDir, ARENA_RUN_WALL_MS: '2000' });
  // A fresh voter per ten battles: battle creation is rate-limited per voter.
  for (let i = 0; i < BATTLES; i += 10) {
    const socket = await connect(arena.url);
    await Promise.all(
      Array.from({ length: Math.min(10, BATTLES - i) }, (_, k) => playBattle(socket, `Task ${i + k}: FizzBuzz`)),
    );
    socket.disconnect();
  }
  await arena.stop();
}

// Phase 2: the LLM judge catches up on every battle while a live battle streams.
const judgesFile = path.join(dataDir, 'judges.json');
await writeFile(
  judgesFile,
  JSON.stringify([{ id: 'bench-judge', provider: 'openai', model: 'judge', baseUrl: judgeUrl, retries: 0 }]),
);
const arena = await startArenaProcess(LIVE_MODELS, {
  ARENA_DATA_DIR: dataDir,
  ARENA_JUDGES_FILE: judgesFile,
  ARENA_JUDGE_CONCURRENCY: String(CONCURRENCY),
});
const expected = BATTLES * 4;
const socket = await connect(arena.url);
const during: number[] = [];
await playBattle(socket, 'Print the first 20 Fibonacci numbers', during);
const busyUntil = calls < expected ? 'yes' : 'no';
while (calls < expected) await new Promise((resolve) => setTimeout(resolve, 50));
const after: number[] = [];
await playBattle(socket, 'Print the first 20 Fibonacci numbers', after);
socket.disconnect();
await arena.stop();
judge.close();

const seconds = (lastAt - firstAt) / 1000;
const rate = calls / seconds;
const ideal = CONCURRENCY / (LATENCY_MS / 1000);
const meanInFlight = busyIntegral / (lastAt - firstAt);
console.log(
  `\nJudging: ${calls} judge calls (${BATTLES} battles × 2 modes × 2 orders), ${CONCURRENCY} at once, ${LATENCY_MS} ms each\n`,
);
console.log(
  table([
    { measurement: 'ideal rate (32 / 0.2 s)', value: `${fmt(ideal, 1)} calls/s` },
    { measurement: 'achieved rate', value: `${fmt(rate, 1)} calls/s (${fmt((rate / ideal) * 100, 1)}% of ideal)` },
    { measurement: 'mean calls in flight', value: `${fmt(meanInFlight, 1)} (peak ${peak})` },
  ]),
);
const d = summarize(during);
const a = summarize(after);
console.log(
  `\nA live battle's per-delta latency (server frame time → client), judge service busy (${busyUntil}) vs idle\n`,
);
console.log(
  table([
    { measurement: 'while judging', n: d.n, 'p50 ms': fmt(d.p50, 1), 'p99 ms': fmt(d.p99, 1) },
    { measurement: 'judging finished (baseline)', n: a.n, 'p50 ms': fmt(a.p50, 1), 'p99 ms': fmt(a.p99, 1) },
  ]),
);
