/**
 * A million votes, live (issue 20 item 5), on the built arena: BENCH_VOTES synthetic revealed battles with one
 * vote each (comma-separated sizes, default 100,000 and 1,000,000; conversations, code and answer runs, written
 * by SQL with generate_series in a throwaway PostgreSQL database), and BENCH_VOTES_PGLITE (default 100,000) in
 * the embedded PGlite database the arena runs on by default. Per size, two builds side by side on the same
 * data: "before", the build at BENCH_OLD_ROOT (a `git worktree` of the commit before the per-vote facts, built
 * there; default /work/wt-votes), and "now", this one. Now's first start fills in the facts of the votes
 * written by SQL (the upgrade's one-time backfill, timed apart); then BENCH_VOTES_RUNS rounds (default 3) of
 * "before", "now" (started after before's votes: the board it kept no longer matches, it reads every vote
 * first) and "now, restarted" (started again right after its own stop: it serves the board it kept while it
 * reads them), each:
 *  1. server start (process spawn) to its first `GET /api/leaderboard` answer, and to the first board computed
 *     by this process (its `updatedAt` after the spawn: the kept board's is earlier);
 *  2. vote to board, once the board is computed by this process: BENCH_VOTES_BATTLES battles (default 20)
 *     voted through socket.io, each from its vote's acknowledgement until `GET /api/leaderboard` counts it
 *     (p50, p99);
 *  3. the server's peak resident memory (VmHWM) after that.
 * BENCH_VOTES_QUERIES=1 adds the previous comparison of the votes query's correlated and set-based forms.
 * The data-set export at a million rows has its own benchmark (datasets.ts).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { freePort, SERVER_NODE_FLAGS, startProcess, type Proc } from '@arena/testkit';
import { connect } from './arena-client.js';
import { REPO_ROOT } from './processes.js';
import { fmt, summarize, table } from './stats.js';

const SIZES = (process.env['BENCH_VOTES'] ?? '100000,1000000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const PGLITE_VOTES = Number(process.env['BENCH_VOTES_PGLITE'] ?? 100_000);
const OLD_ROOT = process.env['BENCH_OLD_ROOT'] ?? '/work/wt-votes';
const RUNS = Number(process.env['BENCH_VOTES_RUNS'] ?? 3);
const BATTLES = Number(process.env['BENCH_VOTES_BATTLES'] ?? 20);
const ADMIN_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

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
interface Sql {
  query(sql: string): Promise<unknown>;
}

async function populate(client: Sql, count: number): Promise<void> {
  const answer = (side: string) =>
    `'Here is a solution from side ${side} for request ' || g || E'.\\n\\n\`\`\`javascript\\nfunction solve(n) {\\n  let total = 0;\\n  for (let i = 0; i < n; i++) total += i * ' || (g % 97) || E';\\n  return total;\\n}\\nconsole.log(solve(' || (g % 1000) || E'));\\n\`\`\`\\n\\nIt runs in linear time and prints the sum.'`;
  await client.query(
    `INSERT INTO models (id, name, provider, weight) SELECT 'bench-' || i, 'Bench model ' || i, 'demo', 1 FROM generate_series(0, 19) i ON CONFLICT DO NOTHING`,
  );
  await client.query(`CREATE TEMP TABLE ids AS SELECT g, md5(g::text)::uuid AS id FROM generate_series(1, ${count}) g`);
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

type Build = 'before' | 'now';
const ROOTS: Record<Build, string> = { before: OLD_ROOT, now: REPO_ROOT };
/** A round: a build, and for now's build whether it starts right after its own stop. */
type Start = 'before' | 'now' | 'restart';
const BUILD_OF: Record<Start, Build> = { before: 'before', now: 'now', restart: 'now' };

/** One build's server on a database (PostgreSQL at `databaseUrl`, or PGlite in `dataDir`). */
async function startBuild(build: Build, dataDir: string, databaseUrl: string): Promise<Proc> {
  const modelsFile = path.join(dataDir, 'models.json');
  await writeFile(modelsFile, JSON.stringify(MODELS));
  const port = await freePort();
  return startProcess([...SERVER_NODE_FLAGS, path.join(ROOTS[build], 'backend/dist/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ARENA_DATA_DIR: dataDir,
      ARENA_MODELS_FILE: modelsFile,
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      ARENA_SHUTDOWN_GRACE_MS: '2000',
      ARENA_LEADERBOARD_BOOTSTRAP: '100',
    },
    url: `http://127.0.0.1:${port}`,
    readyPath: '/api/health',
    // A server that migrates a large database on this shared machine (load 20 and more) can take minutes.
    readyTimeoutMs: 600_000,
  });
}

/**
 * GET a board, however long its first computation takes: fetch gives up on headers after 300 s (a first
 * board that fills in a million votes' facts takes longer on this shared machine); the server keeps computing,
 * and asking again waits for the same board.
 */
async function getBoard(base: string): Promise<{ battles: number; updatedAt: string }> {
  for (;;) {
    try {
      return (await (await fetch(`${base}/api/leaderboard`)).json()) as { battles: number; updatedAt: string };
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code !== 'UND_ERR_HEADERS_TIMEOUT') throw error;
    }
  }
}

interface Round {
  firstBoardSeconds: number;
  /** Spawn to the first board this process computed (the first board, unless it served one it had kept). */
  liveBoardSeconds: number;
  battles: number;
  voteToBoardMs: number[];
  peakRssMb: number;
}

/** The server's peak resident memory so far, in MB (Linux). */
async function peakRss(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

/** Start to first board, then vote to board, on one build. */
async function round(start: Start, dataDir: string, databaseUrl: string, label: string): Promise<Round> {
  const spawned = performance.now();
  const spawnedAt = Date.now();
  const arena = await startBuild(BUILD_OF[start], dataDir, databaseUrl);
  const base = arena.url;
  try {
    const first = await getBoard(base);
    const firstBoardSeconds = (performance.now() - spawned) / 1000;
    let live = first;
    while (Date.parse(live.updatedAt) < spawnedAt) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      live = await getBoard(base);
    }
    const liveBoardSeconds = (performance.now() - spawned) / 1000;
    progress(
      `${label} ${start}: start → first board ${fmt(firstBoardSeconds, 2)} s (${first.battles} battles), ` +
        `→ board computed afresh ${fmt(liveBoardSeconds, 2)} s (${live.battles})`,
    );
    const voteToBoardMs: number[] = [];
    const creator = await connect(base);
    let counted = live.battles;
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
        const board = await getBoard(base);
        if (board.battles > counted) {
          counted = board.battles;
          break;
        }
      }
      voteToBoardMs.push(performance.now() - at);
    }
    creator.disconnect();
    const votes = summarize(voteToBoardMs);
    const peakRssMb = await peakRss(arena.child.pid);
    progress(
      `${label} ${start}: vote → board p50 ${fmt(votes.p50, 0)} ms, p99 ${fmt(votes.p99, 0)} ms; peak RSS ${fmt(peakRssMb, 0)} MB`,
    );
    return { firstBoardSeconds, liveBoardSeconds, battles: first.battles, voteToBoardMs, peakRssMb };
  } finally {
    await arena.stop();
  }
}

interface SizeResult {
  label: string;
  votes: number;
  /** Now's first start on the votes written by SQL: the facts filled in once, then the first board. */
  backfillSeconds: number;
  rounds: Record<Start, Round[]>;
}

/** Now's one-time backfill, then RUNS rounds of before and now in turn. */
async function measure(label: string, votes: number, dataDir: string, databaseUrl: string): Promise<SizeResult> {
  const started = performance.now();
  const arena = await startBuild('now', dataDir, databaseUrl);
  await getBoard(arena.url);
  const backfillSeconds = (performance.now() - started) / 1000;
  await arena.stop();
  progress(`${label}: now's first start (facts filled in) → first board ${fmt(backfillSeconds, 1)} s`);
  const rounds: Record<Start, Round[]> = { before: [], now: [], restart: [] };
  for (let run = 0; run < RUNS; run++)
    for (const start of ['before', 'now', 'restart'] as const)
      rounds[start].push(await round(start, dataDir, databaseUrl, `${label} run ${run + 1}`));
  return { label, votes, backfillSeconds, rounds };
}

const results: SizeResult[] = [];
let queries: Record<string, QueryTiming[]> | undefined;

for (const votes of SIZES) {
  const database = `arena_votes_${Date.now().toString(36)}`;
  await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${database}`));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'arena-votes-'));
  try {
    // The first start applies the migrations (now's, which the build before ignores) to the empty database.
    await (await startBuild('now', dataDir, url(database))).stop();
    const filled = performance.now();
    await withClient(url(database), (client) => populate(client, votes));
    progress(`populated ${votes} votes in PostgreSQL in ${((performance.now() - filled) / 1000).toFixed(1)} s`);
    if (process.env['BENCH_VOTES_QUERIES'] === '1')
      queries = await withClient(url(database), async (client) => {
        const cursor = (
          await client.query<{ at: string; id: string }>(
            `SELECT b.revealed_at::text AS at, v.id FROM votes v JOIN battles b ON b.id = v.battle_id
             ORDER BY b.revealed_at DESC, v.id DESC OFFSET 100 LIMIT 1`,
          )
        ).rows[0]!;
        const out = { oldFull: [], newFull: [], oldTail: [], newTail: [] } as Record<string, QueryTiming[]>;
        for (let run = 0; run < RUNS; run++) {
          out['oldFull']!.push(await timeQuery(client, correlatedVoteRowsSql(false), []));
          out['newFull']!.push(await timeQuery(client, voteRowsSql(false), []));
          out['oldTail']!.push(await timeQuery(client, correlatedVoteRowsSql(true), [cursor.at, cursor.id]));
          out['newTail']!.push(await timeQuery(client, voteRowsSql(true), [cursor.at, cursor.id]));
        }
        return out;
      });
    results.push(await measure(`PostgreSQL ${votes.toLocaleString('en')}`, votes, dataDir, url(database)));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    if (process.env['BENCH_KEEP_DB'] === '1') progress(`kept database ${database}`);
    else await withClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }
}

if (PGLITE_VOTES > 0) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'arena-votes-pglite-'));
  try {
    await (await startBuild('now', dataDir, '')).stop();
    const filled = performance.now();
    // The arena's own PGlite package, on the directory the server keeps its embedded database in.
    const pglite = '@electric-sql/pglite';
    const { PGlite } = (await import(pglite)) as {
      PGlite: { create(options: { dataDir: string }): Promise<Sql & { close(): Promise<void> }> };
    };
    const db = await PGlite.create({ dataDir: path.join(dataDir, 'pglite') });
    try {
      await populate(db, PGLITE_VOTES);
    } finally {
      await db.close();
    }
    progress(`populated ${PGLITE_VOTES} votes in PGlite in ${((performance.now() - filled) / 1000).toFixed(1)} s`);
    results.push(await measure(`PGlite ${PGLITE_VOTES.toLocaleString('en')}`, PGLITE_VOTES, dataDir, ''));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

const spread = (xs: number[], digits: number): string =>
  `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;
const rows = results.flatMap((r) => {
  const of = (start: Start) => {
    const rounds = r.rounds[start];
    return {
      first: rounds.map((x) => x.firstBoardSeconds),
      live: rounds.map((x) => x.liveBoardSeconds),
      p50: rounds.map((x) => summarize(x.voteToBoardMs).p50),
      p99: rounds.map((x) => summarize(x.voteToBoardMs).p99),
      rss: rounds.map((x) => x.peakRssMb),
    };
  };
  const [before, now, restart] = [of('before'), of('now'), of('restart')];
  const ratio = (b: number[], n: number[]) => `${fmt(median(b) / median(n), 1)}×`;
  const row = (measure: string, key: keyof typeof before, digits: number) => ({
    database: r.label,
    measure,
    before: spread(before[key], digits),
    now: spread(now[key], digits),
    'now, restarted': spread(restart[key], digits),
    'before / now': ratio(before[key], now[key]),
    'before / restarted': ratio(before[key], restart[key]),
  });
  return [
    row('start → first board (s)', 'first', 1),
    row('start → board computed afresh (s)', 'live', 1),
    row('vote → board p50 (ms)', 'p50', 0),
    row('vote → board p99 (ms)', 'p99', 0),
    row('peak RSS (MB)', 'rss', 0),
  ];
});
process.stdout.write(
  `\nvotes live: median (min–max) of ${RUNS} rounds, ${BATTLES} votes each, leaderboard with 100 bootstrap rounds; ` +
    `before = ${OLD_ROOT}\n\n` +
    table(rows) +
    '\n' +
    results
      .map(
        (r) =>
          `${r.label}: now's first start, facts filled in for every vote, → first board ${fmt(r.backfillSeconds, 1)} s`,
      )
      .join('\n') +
    '\n',
);
await mkdir(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
await writeFile(path.join(REPO_ROOT, 'bench/results/votes-live.json'), JSON.stringify({ results, queries }, null, 2));
