/**
 * A million votes, live (issue 20 item 5), on the built arena with PostgreSQL: BENCH_VOTES synthetic revealed
 * battles with one vote each (default 1,000,000; conversations, code and answer runs, written by SQL with
 * generate_series in a throwaway database), then
 *  1. the leaderboard's votes query, side by side on that database: the correlated form it had (thirteen
 *     subqueries per vote, kept here as the baseline) against the set-based one (`voteRowsSql`), a full read
 *     and an incremental read of the last 100 votes, each BENCH_VOTES_RUNS times (default 3) in turn;
 *  2. server start (process spawn) to its first `GET /api/leaderboard` answer;
 *  3. vote to board: BENCH_VOTES_BATTLES battles (default 20) voted through socket.io, each from its vote's
 *     acknowledgement until `GET /api/leaderboard` counts it (p50, p99).
 * The data-set export at a million rows has its own benchmark (datasets.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { connect } from './arena-client.js';
import { REPO_ROOT, startArena } from './processes.js';
import { fmt, summarize, table } from './stats.js';

const VOTES = Number(process.env['BENCH_VOTES'] ?? 1_000_000);
const RUNS = Number(process.env['BENCH_VOTES_RUNS'] ?? 3);
const BATTLES = Number(process.env['BENCH_VOTES_BATTLES'] ?? 20);
const ADMIN_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const reused = process.env['BENCH_DATABASE'];
const database = reused ?? `arena_votes_${Date.now().toString(36)}`;

const MODELS = [
  { id: 'bench-ts', name: 'Bench TS', provider: 'demo', style: 'typescript', tokensPerSecond: 4000 },
  { id: 'bench-js', name: 'Bench JS', provider: 'demo', style: 'javascript', tokensPerSecond: 4000 },
];

function url(db: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

async function withClient<T>(connectionString: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The votes query as the leaderboard ran it before (one correlated subquery per column and side per vote). */
function correlatedVoteRowsSql(since: boolean): string {
  const side = (column: string, t: string, s: 'a' | 'b', order = ''): string =>
    `(SELECT x.${column} FROM ${t} x WHERE x.battle_id = b.id AND x.turn = 0 AND x.side = '${s}' ${order} LIMIT 1)`;
  const run = "AND x.origin = 'answer' AND x.status IS NOT NULL ORDER BY x.created_at";
  return `
    SELECT v.id AS vote_id, b.revealed_at::text AS cursor_at, b.id AS battle_id, v.voter_id, v.session_id, v.winner, v.created_at, b.model_a_id, b.model_b_id, b.category, b.anony,
      (SELECT array_agg(t.prompt ORDER BY t.turn) FROM turns t WHERE t.battle_id = b.id) AS prompts,
      ${side('text', 'side_messages', 'a')} AS answer_a,
      ${side('text', 'side_messages', 'b')} AS answer_b,
      ${side('environment', 'code_extractions', 'a')} AS env_a,
      ${side('environment', 'code_extractions', 'b')} AS env_b,
      ${side('language', 'code_extractions', 'a')} AS lang_a,
      ${side('language', 'code_extractions', 'b')} AS lang_b,
      ${side('status', 'executions', 'a', run)} AS status_a,
      ${side('status', 'executions', 'b', run)} AS status_b,
      ${side('preview_kind IS NOT NULL OR x.preview IS NOT NULL', 'executions', 'a', run)} AS preview_a,
      ${side('preview_kind IS NOT NULL OR x.preview IS NOT NULL', 'executions', 'b', run)} AS preview_b,
      ${side('install_command IS NOT NULL', 'code_extractions', 'a')} AS install_a,
      ${side('install_command IS NOT NULL', 'code_extractions', 'b')} AS install_b
    FROM votes v JOIN battles b ON b.id = v.battle_id
    WHERE b.status = 'revealed' AND b.id NOT IN (SELECT hb.battle_id FROM hidden_battles hb)
      AND v.voter_id NOT IN (SELECT vb.voter_id FROM voter_bans vb)
    ${since ? 'AND (b.revealed_at, v.id) > ($1::timestamptz, $2::uuid)' : ''}
    ORDER BY b.revealed_at, v.id`;
}

/** Synthetic revealed battles with one vote each, written by SQL (filling the database is not measured). */
async function populate(client: pg.Client): Promise<void> {
  const answer = (side: string) =>
    `'Here is a solution from side ${side} for request ' || g || E'.\\n\\n\`\`\`javascript\\nfunction solve(n) {\\n  let total = 0;\\n  for (let i = 0; i < n; i++) total += i * ' || (g % 97) || E';\\n  return total;\\n}\\nconsole.log(solve(' || (g % 1000) || E'));\\n\`\`\`\\n\\nIt runs in linear time and prints the sum.'`;
  await client.query(
    `INSERT INTO models (id, name, provider, weight) SELECT 'bench-' || i, 'Bench model ' || i, 'demo', 1 FROM generate_series(0, 19) i ON CONFLICT DO NOTHING`,
  );
  await client.query(`CREATE TEMP TABLE ids AS SELECT g, md5(g::text)::uuid AS id FROM generate_series(1, ${VOTES}) g`);
  await client.query(`INSERT INTO battles (id, status, category, model_a_id, model_b_id, creator_voter_id, winner, created_at, revealed_at)
    SELECT id, 'revealed', (ARRAY['web_design','problem_solving','game_development'])[1 + g % 3], 'bench-' || (g % 20), 'bench-' || ((g + 7) % 20),
           'voter-' || (g % 5000), (ARRAY['model_a','model_b','tie','tie (bothbad)'])[1 + g % 4],
           now() - interval '2 days' - (g || ' seconds')::interval, now() - interval '2 days' - (g || ' seconds')::interval FROM ids`);
  await client.query(
    `INSERT INTO turns (id, battle_id, turn, prompt) SELECT md5('t' || g)::uuid, id, 0, 'Write a program that sums the first ' || g || ' multiples of ' || (g % 97) FROM ids`,
  );
  for (const side of ['a', 'b']) {
    await client.query(`INSERT INTO side_messages (id, battle_id, turn, side, model_id, text, finish_reason)
      SELECT md5('m${side}' || g)::uuid, id, 0, '${side}', 'bench-' || (g % 20), ${answer(side)}, 'stop' FROM ids`);
    await client.query(`INSERT INTO code_extractions (id, battle_id, turn, side, environment, language, code, block_count)
      SELECT md5('c${side}' || g)::uuid, id, 0, '${side}', 'javascript', 'javascript', 'console.log(' || g || ');', 1 FROM ids`);
    await client.query(`INSERT INTO executions (id, battle_id, turn, side, environment, runner, code, status, exit_code, output, stdout, stderr, duration_ms, created_at)
      SELECT md5('e${side}' || g)::uuid, id, 0, '${side}', 'javascript', 'isolated-vm', 'console.log(1)',
             (ARRAY['ok','ok','ok','runtime_error','timeout'])[1 + g % 5], 0, '', '', '', 12, now() FROM ids`);
  }
  await client.query(`INSERT INTO votes (id, battle_id, voter_id, winner, created_at)
    SELECT md5('v' || g)::uuid, id, 'voter-' || (g % 5000), (ARRAY['model_a','model_b','tie','tie (bothbad)'])[1 + g % 4],
           now() - interval '2 days' - (g || ' seconds')::interval FROM ids`);
  await client.query('VACUUM ANALYZE');
}

interface QueryTiming {
  seconds: number;
  rows: number;
}

async function timeQuery(client: pg.Client, sql: string, params: unknown[]): Promise<QueryTiming> {
  const started = performance.now();
  const result = await client.query(sql, params);
  return { seconds: (performance.now() - started) / 1000, rows: result.rowCount ?? 0 };
}

/** Each stage's figures as they come (a million-vote run takes a while). */
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

const { voteRowsSql } = (await import(
  pathToFileURL(path.join(REPO_ROOT, 'backend/dist/leaderboard/vote-rows.js')).href
)) as { voteRowsSql: (since: boolean) => string };

if (!reused) await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${database}`));
try {
  const env = { DATABASE_URL: url(database), ARENA_LEADERBOARD_BOOTSTRAP: '100' };
  // The first start applies the migrations to the empty database.
  let arena = await startArena(MODELS, env);
  await arena.stop();
  if (!reused) {
    const filled = performance.now();
    await withClient(url(database), populate);
    process.stderr.write(`populated ${VOTES} votes in ${((performance.now() - filled) / 1000).toFixed(1)} s\n`);
  }

  // 1. The votes query, old and new, on the same database, in turn.
  // BENCH_VOTES_QUERIES=0 leaves the side-by-side queries out (to time the live server alone again).
  const queries = await withClient(url(database), async (client) => {
    if (process.env['BENCH_VOTES_QUERIES'] === '0') return undefined;
    const cursor = (
      await client.query<{ at: string; id: string }>(
        `SELECT b.revealed_at::text AS at, v.id FROM votes v JOIN battles b ON b.id = v.battle_id
         ORDER BY b.revealed_at DESC, v.id DESC OFFSET 100 LIMIT 1`,
      )
    ).rows[0]!;
    const out = {
      oldFull: [] as QueryTiming[],
      newFull: [] as QueryTiming[],
      oldTail: [] as QueryTiming[],
      newTail: [] as QueryTiming[],
    };
    for (let run = 0; run < RUNS; run++) {
      out.oldFull.push(await timeQuery(client, correlatedVoteRowsSql(false), []));
      out.newFull.push(await timeQuery(client, voteRowsSql(false), []));
      out.oldTail.push(await timeQuery(client, correlatedVoteRowsSql(true), [cursor.at, cursor.id]));
      out.newTail.push(await timeQuery(client, voteRowsSql(true), [cursor.at, cursor.id]));
      progress(
        `run ${run + 1}: full read ${fmt(out.oldFull[run]!.seconds, 2)} s before, ${fmt(out.newFull[run]!.seconds, 2)} s now; ` +
          `last 100 votes ${fmt(out.oldTail[run]!.seconds, 3)} s before, ${fmt(out.newTail[run]!.seconds, 3)} s now`,
      );
    }
    return out;
  });

  // 2. Start to first board.
  const spawned = performance.now();
  arena = await startArena(MODELS, env);
  const ready = performance.now();
  const first = (await (await fetch(`${arena.url}/api/leaderboard`)).json()) as { battles: number };
  const firstBoard = performance.now();
  const start = { readySeconds: (ready - spawned) / 1000, firstBoardSeconds: (firstBoard - spawned) / 1000 };
  progress(`start → ready ${fmt(start.readySeconds, 2)} s, → first board ${fmt(start.firstBoardSeconds, 2)} s`);

  // 3. Vote to board.
  const voteToBoard: number[] = [];
  try {
    const creator = await connect(arena.url);
    let counted = first.battles;
    for (let i = 0; i < BATTLES; i++) {
      // Listen before creating: with fast models the battle can be open for its vote before the ack arrives.
      const open = new Set<string>();
      let opened: (id: string) => void = () => undefined;
      const onStatus = (e: { battleId: string; status: string }): void => {
        if (e.status === 'voting' || e.status === 'failed') {
          open.add(e.battleId);
          opened(e.battleId);
        }
      };
      creator.on('battle:status', onStatus);
      const ack = await creator.emitWithAck('battle:create', { prompt: `Print the number ${i}` });
      if (!ack.ok) throw new Error(ack.error.message);
      await new Promise<void>((resolve) => {
        opened = (id) => {
          if (id === ack.battleId) resolve();
        };
        if (open.has(ack.battleId)) resolve();
      });
      creator.off('battle:status', onStatus);
      const voted = await creator.emitWithAck('battle:vote', { battleId: ack.battleId, winner: 'model_a' });
      if (!voted.ok) throw new Error(voted.error.message);
      const at = performance.now();
      for (;;) {
        const board = (await (await fetch(`${arena.url}/api/leaderboard`)).json()) as { battles: number };
        if (board.battles > counted) {
          counted = board.battles;
          break;
        }
      }
      voteToBoard.push(performance.now() - at);
      progress(`vote ${i + 1}: counted after ${fmt(voteToBoard[i]!, 0)} ms`);
    }
    creator.disconnect();
  } finally {
    await arena.stop();
  }

  const row = (name: string, xs: QueryTiming[], base: QueryTiming[]) => ({
    measure: name,
    rows: String(xs[0]!.rows),
    's (median)': fmt(median(xs.map((x) => x.seconds)), 3),
    runs: xs.map((x) => fmt(x.seconds, 2)).join(' '),
    'vs correlated': fmt(median(base.map((x) => x.seconds)) / median(xs.map((x) => x.seconds)), 1) + '×',
  });
  const votes = summarize(voteToBoard);
  process.stdout.write(
    `\na million votes live: ${VOTES.toLocaleString('en')} votes in PostgreSQL, leaderboard with 100 bootstrap rounds\n\n` +
      (queries
        ? table([
            row('votes query, correlated (before), full read', queries.oldFull, queries.oldFull),
            row('votes query, set-based (now), full read', queries.newFull, queries.oldFull),
            row('votes query, correlated (before), last 100 votes', queries.oldTail, queries.oldTail),
            row('votes query, set-based (now), last 100 votes', queries.newTail, queries.oldTail),
          ])
        : '') +
      `\nserver start → ready ${fmt(start.readySeconds, 2)} s, → first board ${fmt(start.firstBoardSeconds, 2)} s (${first.battles.toLocaleString('en')} battles counted)` +
      `\nvote ack → counted on GET /api/leaderboard (${BATTLES} votes): p50 ${fmt(votes.p50, 0)} ms, p99 ${fmt(votes.p99, 0)} ms\n`,
  );
  await mkdir(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
  await writeFile(
    path.join(REPO_ROOT, 'bench/results/votes-live.json'),
    JSON.stringify({ votes: VOTES, queries, start, voteToBoard: votes }, null, 2),
  );
} finally {
  if (reused) process.stderr.write(`left database ${database} as it was found\n`);
  else if (process.env['BENCH_KEEP_DB'] === '1') process.stderr.write(`kept database ${database}\n`);
  else await withClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
}
