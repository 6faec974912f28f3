import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LeaderboardResponse, ModelProfileResponse, Winner } from '@arena/contracts';
import {
  computeContextualLeaderboard,
  dedupPrompts,
  EXECUTION_FEATURES,
  ExecutionBattlesBuilder,
  executionFacts,
  executionFeatures,
  removeAnomalousVoters,
  seededRandom,
  type ExecutionFacts,
} from '@arena/ranking';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BattleEntity,
  CodeExtractionEntity,
  ExecutionEntity,
  SideMessageEntity,
  TurnEntity,
  VoteEntity,
} from '../src/battles/entities/index.js';
import { FAST_DEMO_MODELS, REPO_ROOT, getJson, startTestArena, type TestArena } from './support/test-arena.js';

const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';
const CLI = path.join(REPO_ROOT, 'backend/dist/cli/arena.js');
const MODELS = ['m-alpha', 'm-beta', 'm-gamma', 'm-delta'];
const STATUSES = ['ok', 'ok', 'compile_error', 'runtime_error', 'timeout', 'memory_limit', 'unsupported'] as const;
const ENVIRONMENTS = [
  ['python', 'python'],
  ['javascript', 'javascript'],
  ['streamlit', 'python'],
  ['html', 'html'],
] as const;
/** The planted effect: a side whose code ran ok wins more often, a compile error loses. */
const PLANTED = { ranOk: 1.2, compileError: -0.8 };

interface Seeded {
  model_a: string;
  model_b: string;
  winner: Winner;
  voter: string;
  prompt: string;
  /** FastChat's de-duplication key: the user turns, each followed by a newline. */
  key: string;
  facts: [ExecutionFacts, ExecutionFacts];
}

/**
 * Battles written straight into the database as the battle runner stores them (battle, turn, answers, code
 * extractions, the answers' runs, re-runs, a vote), with run outcomes drawn at random and votes drawn from
 * the contextual model with the planted execution effect; a few voters vote against the record, and one
 * prompt is asked far more often than the rest.
 */
async function seed(dataSource: DataSource, count: number): Promise<Seeded[]> {
  const random = seededRandom(77);
  const seeded: Seeded[] = [];
  const start = Date.now() - count * 60_000;
  for (let k = 0; k < count; k++) {
    const i = Math.floor(random() * MODELS.length);
    const j = (i + 1 + Math.floor(random() * (MODELS.length - 1))) % MODELS.length;
    const id = randomUUID();
    const at = new Date(start + k * 60_000);
    const prompt = random() < 0.08 ? 'write hello world' : `task ${k}`;
    const turns = random() < 0.1 ? 2 : 1;
    await dataSource.getRepository(BattleEntity).insert({
      id,
      status: 'revealed',
      modelAId: MODELS[i]!,
      modelBId: MODELS[j]!,
      creatorVoterId: 'creator',
      anony: true,
      createdAt: at,
      revealedAt: at,
    });
    const facts: ExecutionFacts[] = [];
    for (let turn = 0; turn < turns; turn++) {
      await dataSource
        .getRepository(TurnEntity)
        .insert({ id: randomUUID(), battleId: id, turn, prompt: turn ? 'and again' : prompt });
      for (const side of ['a', 'b'] as const) {
        const model = side === 'a' ? MODELS[i]! : MODELS[j]!;
        await dataSource
          .getRepository(SideMessageEntity)
          .insert({ id: randomUUID(), battleId: id, turn, side, modelId: model, text: `answer ${k} ${side}` });
        const hasCode = random() < 0.8;
        if (!hasCode) {
          if (turn === 0) facts.push(executionFacts(undefined));
          continue;
        }
        const [environment, language] = ENVIRONMENTS[Math.floor(random() * ENVIRONMENTS.length)]!;
        const installs = random() < 0.2;
        const code = `print(${k})`;
        await dataSource.getRepository(CodeExtractionEntity).insert({
          id: randomUUID(),
          battleId: id,
          turn,
          side,
          environment,
          language,
          code,
          installCommand: installs ? 'pip install numpy' : null,
          blockCount: 1,
        });
        // A model's skill shows in its runs: later models fail less.
        const status = random() < 0.1 * (MODELS.indexOf(model) + 1) ? 'ok' : STATUSES[Math.floor(random() * 7)]!;
        const finished = random() < 0.97;
        const previewed = finished && environment === 'html' && status === 'ok';
        const run = {
          battleId: id,
          turn,
          side,
          environment,
          runner: 'docker' as const,
          stdin: null,
          output: '',
          stdout: '',
          stderr: '',
          exitCode: null,
          message: null,
          durationMs: 100,
          finishedAt: at,
        };
        await dataSource.getRepository(ExecutionEntity).insert({
          ...run,
          id: randomUUID(),
          code,
          origin: 'answer',
          status: finished ? status : null,
          preview: previewed ? '<p>hi</p>' : null,
          cpuMs: finished && random() < 0.9 ? Math.floor(10 + random() * 500 * (MODELS.indexOf(model) + 1)) : null,
          peakMemoryBytes: finished && random() < 0.9 ? String(Math.floor(1e6 + random() * 5e7)) : null,
          createdAt: new Date(at.getTime() + turn * 1000),
        });
        if (turn === 0)
          facts.push(executionFacts({ status: finished ? status : null, environment, previewed, installs }));
        // Some answers are re-run from the UI, as they were or edited.
        for (let r = 0; random() < 0.3 && r < 3; r++) {
          const edited = random() < 0.6;
          await dataSource.getRepository(ExecutionEntity).insert({
            ...run,
            id: randomUUID(),
            code: edited ? `${code} # fixed ${r}` : code,
            origin: 'rerun',
            status: random() < 0.5 ? 'ok' : 'runtime_error',
            preview: null,
            cpuMs: 5,
            peakMemoryBytes: '1000',
            createdAt: new Date(at.getTime() + turn * 1000 + 100 + r),
          });
        }
      }
    }
    const [fa, fb] = facts as [ExecutionFacts, ExecutionFacts];
    const z =
      (i - j) * 0.6 +
      PLANTED.ranOk * (Number(fa.ranOk) - Number(fb.ranOk)) +
      PLANTED.compileError * (Number(fa.compileError) - Number(fb.compileError));
    const voterIndex = Math.floor(random() * 24);
    const voter = `voter-${voterIndex}`;
    const contrarian = voterIndex >= 22;
    const aWins = random() < 1 / (1 + Math.exp(-z));
    const winner: Winner = contrarian ? (i < j ? 'model_a' : 'model_b') : aWins ? 'model_a' : 'model_b';
    await dataSource
      .getRepository(VoteEntity)
      .insert({ id: randomUUID(), battleId: id, voterId: voter, winner, createdAt: at });
    await dataSource.query('UPDATE battles SET winner = $2 WHERE id = $1', [id, winner]);
    const key = turns === 2 ? `${prompt}\nand again\n` : `${prompt}\n`;
    seeded.push({ model_a: MODELS[i]!, model_b: MODELS[j]!, winner, voter, prompt, key, facts: [fa, fb] });
  }
  return seeded;
}

describe('execution control, execution profiles and vote integrity on the arena’s own battles', () => {
  let arena: TestArena;
  let seeded: Seeded[] = [];

  beforeAll(async () => {
    arena = await startTestArena({
      database: 'postgres',
      models: MODELS.map((id, n) => ({ ...FAST_DEMO_MODELS[n % 2], id, name: `Model ${id}` })),
      env: { ARENA_LEADERBOARD_BOOTSTRAP: '20', ARENA_MIN_BATTLES: '5' },
    });
    seeded = await seed(arena.app.get(DataSource), 700);
  }, 300_000);
  afterAll(async () => {
    await arena?.stop();
  });

  it('GET /api/leaderboard?control=execution: the contextual fit of the stored runs, the planted effect recovered', async () => {
    const { status, body } = await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard?control=execution`);
    expect(status).toBe(200);
    expect(body.battles).toBe(700);
    expect(body.styleCoefficients).toBeUndefined();
    const coefficients = body.executionCoefficients!;
    const intervals = body.executionIntervals!;
    expect(Object.keys(coefficients)).toEqual([...EXECUTION_FEATURES]);

    // The same fit from the facts the seed drew (so the server read each side's first-turn answer run right).
    const builder = new ExecutionBattlesBuilder();
    for (const s of seeded) builder.add(s.model_a, s.model_b, s.winner, ...s.facts);
    const data = builder.build();
    const expected = computeContextualLeaderboard(data, executionFeatures(data), EXECUTION_FEATURES, {
      bootstrap: 20,
      seed: 42,
      minBattles: 5,
    });
    for (const f of EXECUTION_FEATURES) expect(coefficients[f]).toBeCloseTo(expected.coefficients[f]!, 8);
    for (const row of body.rows)
      expect(row.rating).toBeCloseTo(expected.rows.find((r) => r.model === row.model)!.rating, 6);
    // Running code sways the vote: the planted ran-ok effect lies inside its interval, which excludes zero.
    expect(intervals.ranOk.low).toBeGreaterThan(0);
    expect(intervals.ranOk.low).toBeLessThan(PLANTED.ranOk);
    expect(intervals.ranOk.high).toBeGreaterThan(PLANTED.ranOk);
    expect(intervals.compileError.high).toBeLessThan(0);

    const both = (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard?control=execution&style=on`)).body;
    expect(Object.keys(both.styleCoefficients!)).toEqual(['tokens', 'headers', 'lists', 'bold']);
    expect(Object.keys(both.executionCoefficients!)).toEqual([...EXECUTION_FEATURES]);
    expect((await getJson<unknown>(`${arena.url}/api/leaderboard?control=maybe`)).status).toBe(400);
  });

  it('GET /api/leaderboard?anomaly=on&dedup=on: FastChat’s checks, each reporting what it removed', async () => {
    const plain = (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body;
    expect(plain.integrity).toBeUndefined();
    const { body } = await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard?anomaly=on&dedup=on`);
    const deduped = dedupPrompts(seeded, (s) => s.key);
    const { report: anomaly } = removeAnomalousVoters(deduped.kept);
    expect(body.integrity!.dedup!.removedVotes).toBe(deduped.report.removedVotes);
    expect(body.integrity!.dedup!.highFrequency[0]!.prompt).toBe('write hello world\n');
    expect(body.integrity!.anomaly!.votersChecked).toBe(anomaly.votersChecked);
    expect(body.integrity!.anomaly!.flagged).toHaveLength(anomaly.flagged.length);
    // The two voters who always pick the weaker model are caught, and nobody is named.
    expect(anomaly.flagged.map((f) => f.voter).sort()).toEqual(expect.arrayContaining(['voter-22', 'voter-23']));
    expect(JSON.stringify(body.integrity)).not.toContain('voter-');
    expect(body.battles).toBe(700 - deduped.report.removedVotes - anomaly.removedVotes);
  });

  it('GET /api/models/:id/profile equals a pandas recount from the exported battles data set', async () => {
    const response = await fetch(`${arena.url}/api/datasets/battles.jsonl`);
    expect(response.status).toBe(200);
    const file = path.join(arena.dir, 'battles.jsonl');
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    const run = spawnSync(PYTHON, [path.join(REPO_ROOT, 'backend/test/support/profile_recount.py'), file], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0) throw new Error(`pandas recount failed (Debian's python3-pandas is needed): ${run.stderr}`);
    const recount = JSON.parse(run.stdout) as Record<string, Omit<ModelProfileResponse, 'model' | 'name'>>;
    for (const model of MODELS) {
      const { status, body } = await getJson<ModelProfileResponse>(`${arena.url}/api/models/${model}/profile`);
      expect(status).toBe(200);
      expect(body.name).toBe(`Model ${model}`);
      const { model: _m, name: _n, ...rest } = body;
      // Numbers compared to 12 digits: JSON round trips through two languages.
      expect(
        JSON.parse(JSON.stringify(rest, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v))),
      ).toEqual(
        JSON.parse(
          JSON.stringify(recount[model], (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)),
        ),
      );
      expect(body.overall.withCode.share).toBeGreaterThan(0.5);
      expect(Object.keys(body.byLanguage)).toEqual(['html', 'javascript', 'python']);
      expect(body.reruns.rescued.of).toBeGreaterThan(0);
      expect(body.overall.cpuMs.median.low!).toBeLessThanOrEqual(body.overall.cpuMs.median.value!);
    }
    expect((await getJson<unknown>(`${arena.url}/api/models/nobody/profile`)).status).toBe(404);
  });

  it('arena rank --execution-control --anomaly --dedup on the exported data set', () => {
    const file = path.join(arena.dir, 'battles.jsonl');
    const ranked = spawnSync(
      process.execPath,
      [
        CLI,
        'rank',
        '--input',
        file,
        '--execution-control',
        '--anomaly',
        '--dedup',
        '--bootstrap',
        '0',
        '--format',
        'json',
      ],
      { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'error' } },
    );
    expect(ranked.status, ranked.stderr).toBe(0);
    const out = JSON.parse(ranked.stdout) as LeaderboardResponse & {
      integrity: { anomaly: { removedVotes: number }; dedup: { removedVotes: number } };
    };
    const deduped = dedupPrompts(seeded, (s) => s.key);
    const { kept, report } = removeAnomalousVoters(deduped.kept);
    expect(out.integrity.dedup.removedVotes).toBe(deduped.report.removedVotes);
    // The export's judge is a salted hash of the voter: the same voters flagged, under other names.
    expect(out.integrity.anomaly.removedVotes).toBe(report.removedVotes);
    expect(out.battles).toBe(kept.length);
    expect(out.executionCoefficients!.ranOk).toBeGreaterThan(0);
    expect(ranked.stderr).toMatch(/anomaly: \d+ of \d+ voters flagged/);
  });
});
