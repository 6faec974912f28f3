/**
 * Follow-up latency on the built arena: from a `battle:followup` request to the first `gen:delta` of the new
 * turn at the client, beside the same figure for `battle:create` (request → the first turn's first delta),
 * measured in the same run on the same connection, as many of each; the target is within 1.2× of it.
 * BENCH_BATTLES battles (default 10) continued to the turn limit (ARENA_MAX_TURNS 6: five follow-ups each),
 * interleaved with five single-turn battles each.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BattleStatusEvent, GenDelta } from '@arena/contracts';
import { connect, type ArenaClient } from './arena-client.js';
import { REPO_ROOT, startArena } from './processes.js';
import { fmt, summarize, table, type Summary } from './stats.js';

const BATTLES = Number(process.env['BENCH_BATTLES'] ?? 10);
const TURNS = 6;
const TOKENS_PER_SECOND = Number(process.env['BENCH_TOKENS_PER_SECOND'] ?? 400);
const MODELS = [
  { id: 'bench-ts', name: 'Bench TS', provider: 'demo', style: 'typescript', tokensPerSecond: TOKENS_PER_SECOND },
  { id: 'bench-js', name: 'Bench JS', provider: 'demo', style: 'javascript', tokensPerSecond: TOKENS_PER_SECOND },
];
const FOLLOWUPS = ['Now in reverse', 'Add a title', 'Count them too', 'Make it a function', 'Print a summary'];

/** Resolves with the time since `from` of the first delta of `turn` (of `battleId`, when given). */
function firstDelta(client: ArenaClient, battleId: string | undefined, turn: number, from: number): Promise<number> {
  return new Promise((resolve) => {
    const onDelta = (d: GenDelta): void => {
      if (d.turn !== turn || (battleId !== undefined && d.battleId !== battleId)) return;
      client.off('gen:delta', onDelta);
      resolve(performance.now() - from);
    };
    client.on('gen:delta', onDelta);
  });
}

function votingCount(client: ArenaClient): { count: (battleId: string) => number } {
  const counts = new Map<string, number>();
  client.on('battle:status', (e: BattleStatusEvent) => {
    if (e.status === 'voting') counts.set(e.battleId, (counts.get(e.battleId) ?? 0) + 1);
  });
  return { count: (battleId) => counts.get(battleId) ?? 0 };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

const arena = await startArena(MODELS, {
  ARENA_RUN_CPU_MS: '500',
  ARENA_MAX_TURNS: String(TURNS),
  // Follow-ups share the create budget (each is two model calls); a bench makes many in a minute.
  ARENA_RATE_LIMITS: 'create=1000/1000',
});
/** Request sent → first delta of the turn it starts. */
const create: number[] = [];
const followup: number[] = [];
try {
  const client = await connect(arena.url);
  const voting = votingCount(client);
  const play = async (withFollowups: boolean): Promise<void> => {
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    // One battle at a time: the next turn-0 delta is this battle's.
    const first = firstDelta(client, undefined, 0, started);
    const ack = await client.emitWithAck('battle:create', { prompt: 'Print the first 10 Fibonacci numbers' });
    if (!ack.ok) throw new Error(ack.error.message);
    if (!withFollowups) create.push(await first);
    await until(() => voting.count(ack.battleId) >= 1);
    for (let turn = 1; withFollowups && turn < TURNS; turn++) {
      await new Promise((r) => setTimeout(r, 200));
      const sent = performance.now();
      const next = firstDelta(client, ack.battleId, turn, sent);
      const reply = await client.emitWithAck('battle:followup', {
        battleId: ack.battleId,
        prompt: FOLLOWUPS[turn - 1]!,
      });
      if (!reply.ok) throw new Error(reply.error.message);
      followup.push(await next);
      await until(() => voting.count(ack.battleId) >= turn + 1);
    }
    await client.emitWithAck('battle:vote', { battleId: ack.battleId, winner: 'tie' });
  };
  // As many creates as follow-ups, interleaved so that both meet the same machine.
  for (let i = 0; i < BATTLES; i++) {
    for (let k = 0; k < TURNS - 1; k++) await play(false);
    await play(true);
  }
  client.disconnect();
} finally {
  await arena.stop();
}

const createSummary = summarize(create);
const followupSummary = summarize(followup);
const row = (name: string, s: Summary, base?: Summary): Record<string, string | number> => ({
  measure: name,
  n: s.n,
  'p50 ms': fmt(s.p50),
  'p99 ms': fmt(s.p99),
  'p50 ratio': base ? fmt(s.p50 / Math.max(base.p50, 0.001)) : '',
  'p99 ratio': base ? fmt(s.p99 / Math.max(base.p99, 0.001)) : '',
});
process.stdout.write(
  `\nfollow-up latency: ${followup.length} follow-ups in ${BATTLES} battles of ${TURNS} turns, ${create.length} creates, ` +
    `${TOKENS_PER_SECOND} tokens/s per side, embedded database\n\n` +
    table([
      row('baseline: battle:create → first gen:delta', createSummary),
      row('battle:followup → first gen:delta of its turn', followupSummary, createSummary),
    ]) +
    '\n\ntimes from the request: both start their turn before they answer, so the first delta may precede the ack;\n' +
    'target: the follow-up within 1.2× of the create\n',
);
const out = path.join(REPO_ROOT, 'bench/results');
await mkdir(out, { recursive: true });
await writeFile(
  path.join(out, 'followup-latency.json'),
  JSON.stringify({ battles: BATTLES, turns: TURNS, create: createSummary, followup: followupSummary }, null, 2),
);
