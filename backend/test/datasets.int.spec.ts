import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DATASET_COLUMNS, type BattlesRow, type LeaderboardResponse, type Winner } from '@arena/contracts';
import { metricValue, until } from '@arena/testkit';
import { DataSource } from 'typeorm';
import { JudgeService } from '../src/judges/judge.service.js';
import { JudgementEntity } from '../src/judges/judgement.entity.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BattleEntity,
  CodeExtractionEntity,
  ExecutionEntity,
  SideMessageEntity,
  TurnEntity,
  VoteEntity,
} from '../src/battles/entities/index.js';
import {
  REPO_ROOT,
  connectClient,
  getJson,
  startTestArena,
  statusIs,
  waitForFrame,
  type TestArena,
} from './support/test-arena.js';
import { readWithDuckDb as duckdb, readWithPandas as pandas } from './support/read-back.js';

describe('data sets: exported, read back by independent readers, re-imported', () => {
  let arena: TestArena;
  let dataSource: DataSource;
  const files: Record<string, string> = {};
  const votes: { battleId: string; winner: Winner }[] = [];
  let voterId = '';

  beforeAll(async () => {
    arena = await startTestArena({ database: 'postgres', env: { ARENA_LEADERBOARD_BOOTSTRAP: '0' } });
    dataSource = arena.app.get(DataSource);
    const voter = await connectClient(arena.url);
    voterId = voter.voterId;
    const plan: [string, string | undefined, Winner][] = [
      ['Print the first 20 Fibonacci numbers', 'problem_solving', 'model_a'],
      ['Find all primes below 100, "quoted", with, commas', 'web_design', 'tie (bothbad)'],
      ['Check palindromes\nover two lines', undefined, 'model_b'],
    ];
    for (const [prompt, category, winner] of plan) {
      const created = await voter.socket.emitWithAck('battle:create', { prompt, ...(category ? { category } : {}) });
      if (!created.ok) throw new Error(created.error.message);
      await waitForFrame(voter, statusIs(created.battleId, 'voting'));
      const vote = await voter.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner });
      if (!vote.ok) throw new Error(vote.error.message);
      votes.push({ battleId: created.battleId, winner });
    }
    // A battle nobody voted on stays out of the data sets.
    const unvoted = await voter.socket.emitWithAck('battle:create', { prompt: 'never voted' });
    if (!unvoted.ok) throw new Error(unvoted.error.message);
    await waitForFrame(voter, statusIs(unvoted.battleId, 'voting'));
    voter.socket.disconnect();
    // The execution-grounded judge (the default) judges every finished battle in the background.
    await arena.app.get(JudgeService).idle();
    for (const name of ['battles', 'bigcodereward', 'judgements']) {
      for (const format of ['jsonl', 'csv', 'parquet']) {
        const response = await fetch(`${arena.url}/api/datasets/${name}.${format}`);
        expect(response.status).toBe(200);
        const file = path.join(arena.dir, `${name}.${format}`);
        await writeFile(file, Buffer.from(await response.arrayBuffer()));
        files[`${name}.${format}`] = file;
      }
    }
  });
  afterAll(async () => {
    await arena?.stop();
  });

  async function truth() {
    const battles = await dataSource.getRepository(BattleEntity).find();
    const turns = await dataSource.getRepository(TurnEntity).find();
    const executions = await dataSource.getRepository(ExecutionEntity).find();
    const dbVotes = await dataSource.getRepository(VoteEntity).find({ order: { createdAt: 'ASC' } });
    const messages = await dataSource.getRepository(SideMessageEntity).find();
    const code = await dataSource.getRepository(CodeExtractionEntity).find();
    return { battles, turns, executions, dbVotes, messages, code };
  }

  it('battles: every value read back by pandas (JSONL, CSV) and DuckDB (Parquet) matches the database', async () => {
    const { battles, turns, executions, dbVotes, messages, code } = await truth();
    expect(dbVotes).toHaveLength(3);
    const jsonl = pandas('jsonl', files['battles.jsonl']!);
    const csv = pandas('csv', files['battles.csv']!);
    const parquet = await duckdb(files['battles.parquet']!);
    const columns = DATASET_COLUMNS.battles.map((c) => c.name);
    expect(jsonl.columns).toEqual(columns);
    expect(csv.columns).toEqual(columns);
    for (const rows of [jsonl.rows, csv.rows, parquet]) expect(rows).toHaveLength(3);

    dbVotes.forEach((vote, i) => {
      const battle = battles.find((b) => b.id === vote.battleId)!;
      const prompt = turns.find((t) => t.battleId === vote.battleId)!.prompt;
      const runs = executions.filter((e) => e.battleId === vote.battleId);
      const expectRow = (
        row: Record<string, unknown>,
        parse: (v: unknown) => unknown,
        num: (v: unknown) => number,
      ): void => {
        expect(row['question_id']).toBe(vote.battleId);
        expect(row['model_a']).toBe(battle.modelAId);
        expect(row['model_b']).toBe(battle.modelBId);
        expect(row['winner']).toBe(vote.winner);
        expect(row['category'] || null).toBe(battle.category);
        expect(num(row['turn'])).toBe(1);
        expect(num(row['tstamp'])).toBeCloseTo(vote.createdAt.getTime() / 1000, 3);
        for (const side of ['a', 'b'] as const) {
          const conversation = parse(row[`conversation_${side}`]) as BattlesRow['conversation_a'];
          const answer = messages.find((m) => m.battleId === vote.battleId && m.side === side)!;
          expect(conversation).toEqual([
            { role: 'user', content: prompt },
            { role: 'assistant', content: answer.text },
          ]);
          const extraction = code.find((c) => c.battleId === vote.battleId && c.side === side)!;
          expect(row[`code_${side}`]).toBe(extraction.code);
        }
        const codeA = code.find((c) => c.battleId === vote.battleId && c.side === 'a')!;
        expect(row['environment']).toBe(codeA.environment);
        expect(row['language']).toBe(codeA.language);
        const executionsA = parse(row['executions_a']) as BattlesRow['executions_a'];
        const dbRunA = runs.find((r) => r.side === 'a')!;
        expect(executionsA[0]).toMatchObject({
          status: dbRunA.status,
          stdout: dbRunA.stdout,
          stderr: dbRunA.stderr,
          runner: 'isolated-vm',
        });
        expect(row['judge']).toMatch(/^[0-9a-f]{32}$/);
        expect(row['judge']).not.toBe(vote.voterId);
      };
      expectRow(jsonl.rows[i]!, (v) => v, Number);
      expectRow(csv.rows[i]!, (v) => JSON.parse(String(v)), Number);
      expectRow(parquet[i]!, (v) => JSON.parse(String(v)), Number);
      expect(csv.rows[i]!['anony']).toBe('true');
      expect(parquet[i]!['anony']).toBe(true);
      expect(jsonl.rows[i]!['session_vote']).toBe(false);
      expect(csv.rows[i]!['session_vote']).toBe('false');
      expect(parquet[i]!['session_vote']).toBe(false);
    });
    // One voter, one stable hash; the raw voter id appears nowhere.
    expect(new Set(jsonl.rows.map((r) => r['judge'])).size).toBe(1);
    for (const file of ['battles.jsonl', 'battles.csv', 'bigcodereward.jsonl']) {
      expect(await readFile(files[file]!, 'utf8')).not.toContain(voterId);
    }
    const again = await (await fetch(`${arena.url}/api/datasets/battles.jsonl`)).text();
    expect(JSON.parse(again.split('\n')[0]!).judge).toBe(jsonl.rows[0]!['judge']);
  });

  it('bigcodereward: the BigCodeReward schema, read back by all three readers', async () => {
    const { dbVotes } = await truth();
    const jsonl = pandas('jsonl', files['bigcodereward.jsonl']!);
    const csv = pandas('csv', files['bigcodereward.csv']!);
    const parquet = await duckdb(files['bigcodereward.parquet']!);
    const vote = {
      model_a: 'vote_model_A',
      model_b: 'vote_model_B',
      tie: 'vote_tie',
      'tie (bothbad)': 'vote_both_bad',
    };
    for (const rows of [jsonl.rows, csv.rows, parquet]) {
      expect(rows.map((r) => r['chat_session_id'])).toEqual(dbVotes.map((v) => v.battleId));
      expect(rows.map((r) => r['human_vote'])).toEqual(dbVotes.map((v) => vote[v.winner]));
      expect(rows[1]!['instruction']).toBe('Find all primes below 100, "quoted", with, commas');
      expect(rows[2]!['instruction']).toBe('Check palindromes\nover two lines');
      expect(rows[1]!['category_name']).toBe('web_design');
    }
    const states = jsonl.rows[0]!['states'] as {
      model_A: { messages: [string, string][]; sandbox_logs_by_round: unknown[][] };
    };
    expect(states.model_A.messages[0]).toEqual(['user', 'Print the first 20 Fibonacci numbers']);
    expect(states.model_A.sandbox_logs_by_round).toHaveLength(1);
    expect(String(jsonl.rows[0]!['execution_output_A'])).toContain('0, 1, 1, 2, 3');
  });

  it('judgements: every verdict of the judge service on a voted battle, read back by all three readers, matches the database', async () => {
    const judged = await dataSource.getRepository(JudgementEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    // Every finished battle, voted or not, is judged by the default execution judge, once; the verdict of the
    // battle still open for its vote is not exported.
    expect(judged).toHaveLength(4);
    const stored = judged.filter((j) => votes.some((v) => v.battleId === j.battleId));
    expect(stored).toHaveLength(3);
    const jsonl = pandas('jsonl', files['judgements.jsonl']!);
    const csv = pandas('csv', files['judgements.csv']!);
    const parquet = await duckdb(files['judgements.parquet']!);
    const columns = DATASET_COLUMNS.judgements.map((c) => c.name);
    expect(jsonl.columns).toEqual(columns);
    expect(csv.columns).toEqual(columns);
    for (const rows of [jsonl.rows, csv.rows, parquet]) {
      expect(rows).toHaveLength(stored.length);
      rows.forEach((row, i) => {
        const want = stored[i]!;
        expect(row['battle_id']).toBe(want.battleId);
        expect(row['judge']).toBe('execution');
        expect(row['mode']).toBe('with_execution');
        expect(row['order']).toBe('ab');
        expect(row['verdict']).toBe(want.verdict);
        expect(row['reasoning']).toBe(want.reasoning);
        expect(Number(row['created_at'])).toBeCloseTo(want.createdAt.getTime() / 1000, 3);
      });
    }
  });

  it('filters by time, category and environment, and refuses bad filters', async () => {
    const text = async (query: string) =>
      (await (await fetch(`${arena.url}/api/datasets/battles.jsonl${query}`)).text()).trim();
    expect((await text('?category=web_design')).split('\n')).toHaveLength(1);
    expect(await text('?since=2099-01-01T00:00:00Z')).toBe('');
    expect((await text('?until=2099-01-01T00:00:00Z')).split('\n')).toHaveLength(3);
    expect(await text('?environment=python')).toBe('');
    const bad = await getJson<{ error: { code: string; message: string } }>(
      `${arena.url}/api/datasets/battles.jsonl?since=soon`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/since/);
    expect((await getJson<{ error: { code: string } }>(`${arena.url}/api/datasets/everything.jsonl`)).status).toBe(400);
    const card = await (await fetch(`${arena.url}/api/datasets/battles/README.md`)).text();
    expect(card).toContain('license: cc-by-4.0');
    expect(card).toContain('HMAC-SHA256');
    expect(card).toContain('| `executions_a` | json |');
  });

  it('gzips JSONL and CSV for a client that accepts gzip, the same bytes; Parquet and other clients get them as they are', async () => {
    /** A download as it comes off the wire (no decoding), asking for `encoding`. */
    const raw = (file: string, encoding?: string) =>
      new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const request = http.get(
          `${arena.url}/api/datasets/${file}`,
          { headers: encoding === undefined ? {} : { 'accept-encoding': encoding } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
            response.on('error', reject);
          },
        );
        request.on('error', reject);
      });
    for (const name of ['battles', 'bigcodereward', 'judgements']) {
      for (const format of ['jsonl', 'csv']) {
        const file = `${name}.${format}`;
        const plain = await raw(file);
        expect(plain.headers['content-encoding'], file).toBeUndefined();
        expect(plain.headers['vary'], file).toMatch(/accept-encoding/i);
        expect(plain.body.equals(await readFile(files[file]!)), file).toBe(true);
        const gzipped = await raw(file, 'br;q=1, gzip;q=0.8');
        expect(gzipped.headers['content-encoding'], file).toBe('gzip');
        expect(gzipped.headers['content-disposition'], file).toBe(`attachment; filename="${file}"`);
        expect(gunzipSync(gzipped.body).equals(plain.body), file).toBe(true);
        // A client that refuses gzip gets the bytes as they are.
        expect((await raw(file, 'gzip;q=0, identity')).headers['content-encoding'], file).toBeUndefined();
      }
      const parquet = await raw(`${name}.parquet`, 'gzip');
      expect(parquet.headers['content-encoding']).toBeUndefined();
      expect(parquet.body.equals(await readFile(files[`${name}.parquet`]!))).toBe(true);
    }
  });

  it('HEAD answers a download’s headers without running its export; every export is counted by how it ended', async () => {
    const completed = async (): Promise<number> => {
      const metrics = await (await fetch(`${arena.url}/metrics`)).text();
      return metricValue(metrics, 'arena_dataset_exports_total', {
        dataset: 'battles',
        format: 'jsonl',
        encoding: 'identity',
        outcome: 'completed',
      });
    };
    const before = await completed();
    for (const encoding of ['gzip', 'identity']) {
      const head = await fetch(`${arena.url}/api/datasets/battles.jsonl`, {
        method: 'HEAD',
        headers: { 'accept-encoding': encoding },
      });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(head.headers.get('content-disposition')).toBe('attachment; filename="battles.jsonl"');
      expect(head.headers.get('content-encoding')).toBe(encoding === 'gzip' ? 'gzip' : null);
      expect(head.headers.get('vary')).toMatch(/accept-encoding/i);
    }
    // The GET's export is queued behind any the HEADs started: once it is counted, so would they be.
    const get = await fetch(`${arena.url}/api/datasets/battles.jsonl`, { headers: { 'accept-encoding': 'identity' } });
    expect((await get.text()).split('\n').length).toBeGreaterThan(1);
    await until(async () => (await completed()) > before, 'the export counted');
    expect(await completed()).toBe(before + 1);
  });

  it('arena export writes the same file and a card; importing the export into a fresh arena reproduces the leaderboard', async () => {
    const out = path.join(arena.dir, 'cli', 'battles.jsonl');
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(out), { recursive: true }));
    const cli = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');
    const exported = spawnSync(
      process.execPath,
      [cli, 'export', '--dataset', 'battles', '--format', 'jsonl', '--out', out],
      {
        env: { ...process.env, DATABASE_URL: arena.databaseUrl!, LOG_LEVEL: 'error' },
        encoding: 'utf8',
      },
    );
    expect(exported.status, exported.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(await readFile(files['battles.jsonl']!, 'utf8'));
    expect(await readFile(path.join(path.dirname(out), 'README.md'), 'utf8')).toContain('Rows in this export: 3');

    const fresh = await startTestArena({ database: 'postgres', env: { ARENA_LEADERBOARD_BOOTSTRAP: '0' } });
    try {
      const imported = spawnSync(process.execPath, [cli, 'import', '--battles', out], {
        env: { ...process.env, DATABASE_URL: fresh.databaseUrl!, LOG_LEVEL: 'error' },
        encoding: 'utf8',
      });
      expect(imported.status, imported.stderr).toBe(0);
      const before = (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body;
      const after = (await getJson<LeaderboardResponse>(`${fresh.url}/api/leaderboard`)).body;
      expect(after.battles).toBe(before.battles);
      expect(after.rows.map((r) => [r.model, r.rating.toFixed(6), r.ciLow.toFixed(6), r.battles, r.winRate])).toEqual(
        before.rows.map((r) => [r.model, r.rating.toFixed(6), r.ciLow.toFixed(6), r.battles, r.winRate]),
      );
    } finally {
      await fresh.stop();
    }
    expect(votes).toHaveLength(3);
  });

  it('a re-run from the UI is kept as a re-run and never replaces the answer’s own run in bigcodereward', async () => {
    const { battleId } = votes[0]!;
    const answerRun = (await dataSource.getRepository(ExecutionEntity).findBy({ battleId, side: 'a' }))[0]!;
    const voter = await connectClient(arena.url, voterId);
    expect((await voter.socket.emitWithAck('battle:watch', { battleId })).ok).toBe(true);
    const ack = await voter.socket.emitWithAck('run:request', {
      battleId,
      side: 'a',
      code: 'console.log("edited by a person")',
    });
    if (!ack.ok) throw new Error(ack.error.message);
    await waitForFrame(voter, (f) => f.event === 'run:end' && (f.payload as { runId: string }).runId === ack.runId);
    voter.socket.disconnect();
    const rows = (await (await fetch(`${arena.url}/api/datasets/bigcodereward.jsonl`)).text())
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            chat_session_id: string;
            execution_output_A: string;
            states: { model_A: { sandbox_logs_by_round: { origin: string; stdout: string }[][] } };
          },
      );
    const row = rows.find((r) => r.chat_session_id === battleId)!;
    expect(row.execution_output_A).toBe(answerRun.stdout);
    expect(row.states.model_A.sandbox_logs_by_round[0]!.map((e) => e.origin)).toEqual(['answer', 'rerun']);
    expect(row.states.model_A.sandbox_logs_by_round[0]![1]!.stdout).toBe('edited by a person\n');
  });
});
