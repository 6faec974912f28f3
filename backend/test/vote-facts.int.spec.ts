import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LeaderboardQuery, LeaderboardResponse } from '@arena/contracts';
import {
  aggregate,
  cleanVotes,
  computeContextualLeaderboardThreaded,
  computeLeaderboard,
  executionFeatures,
  ExecutionBattlesBuilder,
  EXECUTION_FEATURES,
  identityPattern,
  onlineElo,
  STYLE_FEATURES,
  styleAndExecutionFeatures,
  StyleBattlesBuilder,
  styleCounts,
  styleFeatures,
} from '@arena/ranking';
import { arenaHardAnswer, sharedData } from '@arena/testkit';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainEvents } from '../src/events/domain-events.js';
import {
  arenaModelWords,
  checkIntegrity,
  LeaderboardService,
  matchesQuery,
  showIntegrity,
} from '../src/leaderboard/leaderboard.service.js';
import { fillFacts, identityKey, readFacts } from '../src/leaderboard/vote-facts.js';
import { loadVoteRows, type VoteRow } from '../src/leaderboard/vote-rows.js';
import { ModelEntity } from '../src/models/model.entity.js';
import { startTestArena, type TestArena } from './support/test-arena.js';

const SUITE = 'vote facts equal the answers they were computed from';
const data = sharedData(SUITE, ['arena-hard-v0.1']);
const MODELS = ['gpt-3.5-turbo-0125', 'gpt-4-0314', 'gpt-4-0613'];
const CAP = 20;
const PER_PROMPT = 30;
const BOOTSTRAP = 8;
/** An operator's identity-word list: words some of the recorded answers use, so the check is exercised. */
const IDENTITY_WORDS = ['openai', 'gpt-4', 'claude', 'numpy', 'pandas'];

interface Question {
  uid: string;
  prompt: string;
}

/**
 * Battles of recorded Arena-Hard answers (real markdown, code, and answers that name their maker), with what the
 * board breaks down and cleans by: categories, code and answer runs of every status (and some still running),
 * re-runs that must not count, follow-ups, session votes counted minutes after they were cast, votes not
 * anonymous, a prompt asked far more often than the rest, a voter who votes against everyone, a voter over the
 * daily cap.
 */
async function seed(
  db: DataSource,
  questions: Question[],
  count: number,
  from: number,
  start: Date,
): Promise<string[]> {
  const ids: string[] = [];
  const statuses = ['ok', 'runtime_error', 'compile_error', 'timeout', 'ok', null] as const;
  for (let k = 0; k < count; k++) {
    const i = from + k;
    const id = randomUUID();
    ids.push(id);
    const q = i % 5 === 4 ? questions[0]! : questions[i % questions.length]!;
    const [ma, mb] = [MODELS[i % 3]!, MODELS[(i + 1 + (i % 2)) % 3]!];
    const voter = i % 11 === 3 ? 'contrarian' : i % 13 === 0 ? 'busy' : `voter-${i % 17}`;
    const votedAt = new Date(start.getTime() + i * 60_000);
    // A session's vote counts when its host closes it, minutes later.
    const session = i % 10 === 7;
    const revealedAt = new Date(votedAt.getTime() + (session ? 7 * 60_000 : 1_000));
    const better = MODELS.indexOf(ma) > MODELS.indexOf(mb) ? 'model_a' : 'model_b';
    const winner =
      voter === 'contrarian'
        ? better === 'model_a'
          ? 'model_b'
          : 'model_a'
        : i % 9 === 0
          ? 'tie'
          : i % 19 === 0
            ? 'tie (bothbad)'
            : i % 4 === 0
              ? better === 'model_a'
                ? 'model_b'
                : 'model_a'
              : better;
    await db.query(
      `INSERT INTO battles (id, status, category, model_a_id, model_b_id, creator_voter_id, anony, winner, created_at, revealed_at, session_id)
       VALUES ($1, 'revealed', $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        id,
        ['web_design', 'problem_solving', null][i % 3],
        ma,
        mb,
        voter,
        i % 23 !== 5,
        winner,
        votedAt,
        revealedAt,
        session ? randomUUID() : null,
      ],
    );
    await db.query(`INSERT INTO turns (id, battle_id, turn, prompt) VALUES ($1, $2, 0, $3)`, [
      randomUUID(),
      id,
      q.prompt,
    ]);
    if (i % 6 === 1)
      await db.query(`INSERT INTO turns (id, battle_id, turn, prompt) VALUES ($1, $2, 1, 'Now make it faster.')`, [
        randomUUID(),
        id,
      ]);
    for (const [side, model] of [
      ['a', ma],
      ['b', mb],
    ] as const) {
      const text = arenaHardAnswer(data, model, q.uid);
      await db.query(
        `INSERT INTO side_messages (id, battle_id, turn, side, model_id, text, finish_reason) VALUES ($1, $2, 0, $3, $4, $5, 'stop')`,
        [randomUUID(), id, side, model, text],
      );
      const fence = /```(python|javascript|js|cpp|c\+\+|html|bash)\b/i.exec(text)?.[1]?.toLowerCase();
      if (!fence) continue;
      const language = fence === 'js' ? 'javascript' : fence === 'c++' ? 'cpp' : fence;
      const environment = language === 'html' ? 'html' : language === 'bash' ? 'shell' : language;
      await db.query(
        `INSERT INTO code_extractions (id, battle_id, turn, side, environment, language, code, install_command, block_count)
         VALUES ($1, $2, 0, $3, $4, $5, 'code', $6, 1)`,
        [randomUUID(), id, side, environment, language, i % 7 === 2 ? 'pip install numpy' : null],
      );
      const status = statuses[(i + (side === 'a' ? 0 : 3)) % statuses.length]!;
      await db.query(
        `INSERT INTO executions (id, battle_id, turn, side, environment, runner, code, status, preview_kind, created_at)
         VALUES ($1, $2, 0, $3, $4, 'isolated-vm', 'code', $5, $6, $7)`,
        [randomUUID(), id, side, environment, status, i % 8 === 3 ? 'html' : null, votedAt],
      );
      // A re-run from the UI says nothing about the model.
      if (i % 5 === 1)
        await db.query(
          `INSERT INTO executions (id, battle_id, turn, side, environment, runner, code, status, origin, created_at)
           VALUES ($1, $2, 0, $3, $4, 'isolated-vm', 'code', 'ok', 'rerun', $5)`,
          [randomUUID(), id, side, environment, new Date(votedAt.getTime() + 30_000)],
        );
    }
    await db.query(
      `INSERT INTO votes (id, battle_id, voter_id, winner, created_at, session_id) VALUES ($1, $2, $3, $4, $5, $6)`,
      [randomUUID(), id, voter, winner, votedAt, session ? randomUUID() : null],
    );
  }
  return ids;
}

/** The board as the leaderboard computed it before the facts: from the votes query's rows, answers included. */
async function boardFromAnswers(
  db: DataSource,
  query: LeaderboardQuery,
): Promise<{
  rows: VoteRow[];
  battles: number;
  ratings: Map<string, number>;
  elo: Map<string, number>;
  hygiene: unknown;
  facets: LeaderboardResponse['facets'];
  coefficients?: Record<string, number>;
  integrity?: LeaderboardResponse['integrity'];
}> {
  const models = await db.getRepository(ModelEntity).find();
  const pattern = identityPattern([...IDENTITY_WORDS, ...arenaModelWords(models)]);
  const votes = await loadVoteRows(db);
  for (const row of votes) row.revealsIdentity = !!pattern && row.answers.some((answer) => pattern.test(answer));
  const { kept, report } = cleanVotes(votes, {
    identityWords: IDENTITY_WORDS,
    dailyCapPerVoter: CAP,
    maxPerPrompt: PER_PROMPT,
  });
  const { rows, integrity } = checkIntegrity(
    kept.filter((row) => matchesQuery(row, query)),
    query,
  );
  const counts = aggregate(rows);
  const options = { bootstrap: BOOTSTRAP, seed: 42, minBattles: 0 };
  const style = query.style === 'on';
  const execution = query.control === 'execution';
  let ratings: Map<string, number>;
  let coefficients: Record<string, number> | undefined;
  if (style || execution) {
    const styled = new StyleBattlesBuilder();
    const executed = new ExecutionBattlesBuilder();
    for (const row of rows) {
      const [a, b] = row.answers.map((answer) => styleCounts([answer]));
      const counts8 = style
        ? [a!.tokens, a!.headers, a!.lists, a!.bold, b!.tokens, b!.headers, b!.lists, b!.bold]
        : [0, 0, 0, 0, 0, 0, 0, 0];
      styled.add(row.model_a, row.model_b, row.winner, counts8);
      executed.add(row.model_a, row.model_b, row.winner, ...row.execution);
    }
    const s = styled.build();
    const e = executed.build();
    const [features, names] =
      style && execution
        ? [styleAndExecutionFeatures(s, e), [...STYLE_FEATURES, ...EXECUTION_FEATURES]]
        : style
          ? [styleFeatures(s), [...STYLE_FEATURES]]
          : [executionFeatures(e), [...EXECUTION_FEATURES]];
    const board = await computeContextualLeaderboardThreaded(s, features, names, options);
    ratings = new Map(board.rows.map((r) => [r.model, r.rating]));
    coefficients = board.coefficients;
  } else {
    const board = computeLeaderboard(counts, options);
    ratings = new Map(board.rows.map((r) => [r.model, r.rating]));
  }
  const categories = new Set<string>();
  const languages = new Set<string>();
  const environments = new Set<string>();
  for (const row of kept) {
    if (row.category) categories.add(row.category);
    for (const l of row.languages) languages.add(l);
    for (const e of row.environments) environments.add(e);
  }
  return {
    rows,
    battles: counts.battles,
    ratings,
    elo: onlineElo(rows),
    hygiene: report,
    facets: {
      categories: [...categories].sort(),
      languages: [...languages].sort(),
      environments: [...environments].sort(),
    },
    ...(coefficients ? { coefficients } : {}),
    ...(integrity ? { integrity: showIntegrity(integrity) } : {}),
  };
}

const QUERIES: LeaderboardQuery[] = [
  {},
  { style: 'on' },
  { control: 'execution' },
  { style: 'on', control: 'execution' },
  { anomaly: 'on', dedup: 'on' },
  { dedup: 'on' },
  { category: 'web_design' },
  { language: 'python' },
  { bothRan: 'true' },
  { sessions: 'only' },
  { turns: 'multi' },
];

describe.skipIf(data.missing)(SUITE, () => {
  let arena: TestArena;
  let db: DataSource;
  let service: LeaderboardService;
  let questions: Question[];
  const start = new Date(Date.now() - 10 * 86_400_000);

  beforeAll(async () => {
    arena = await startTestArena({
      database: 'postgres',
      env: {
        ARENA_LEADERBOARD_BOOTSTRAP: String(BOOTSTRAP),
        ARENA_MIN_BATTLES: '0',
        ARENA_VOTER_DAILY_CAP: String(CAP),
        ARENA_MAX_VOTES_PER_PROMPT: String(PER_PROMPT),
        ARENA_IDENTITY_WORDS: IDENTITY_WORDS.join(','),
      },
    });
    db = arena.app.get(DataSource);
    service = arena.app.get(LeaderboardService);
    questions = readFileSync(path.join(data.dir, 'arena-hard-v0.1', 'question.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Question)
      .slice(0, 120);
    for (const model of MODELS)
      await db.query(`INSERT INTO models (id, name, provider) VALUES ($1, $1, 'imported') ON CONFLICT DO NOTHING`, [
        model,
      ]);
    // Votes written before the facts existed (as an upgrade finds them): the first read fills their facts in.
    await seed(db, questions, 400, 0, start);
  }, 300_000);
  afterAll(async () => {
    await arena?.stop();
  });

  const expectSameBoard = async (query: LeaderboardQuery): Promise<void> => {
    const [board, expected] = await Promise.all([service.leaderboard(query), boardFromAnswers(db, query)]);
    const where = JSON.stringify(query);
    expect(board.battles, where).toBe(expected.battles);
    expect(board.hygiene, where).toEqual(expected.hygiene);
    expect(board.facets, where).toEqual(expected.facets);
    expect(board.integrity, where).toEqual(expected.integrity);
    expect(board.rows.map((r) => r.model).sort(), where).toEqual([...expected.ratings.keys()].sort());
    for (const row of board.rows) {
      expect(row.rating, `${where} ${row.model}`).toBeCloseTo(expected.ratings.get(row.model)!, 3);
      expect(row.elo, `${where} ${row.model} elo`).toBe(expected.elo.get(row.model) ?? 1000);
    }
    const coefficients = { ...board.styleCoefficients, ...board.executionCoefficients };
    if (expected.coefficients)
      for (const [name, value] of Object.entries(expected.coefficients))
        expect((coefficients as Record<string, number>)[name], `${where} ${name}`).toBeCloseTo(value, 9);
    expect(
      (await service.rows(query)).map((r) => r.battleId),
      where,
    ).toEqual(expected.rows.map((r) => r.battleId));
  };

  it('fills in the facts of votes cast before they existed, each equal to what the answers give', async () => {
    await service.leaderboard({});
    const models = await db.getRepository(ModelEntity).find();
    const pattern = identityPattern([...IDENTITY_WORDS, ...arenaModelWords(models)]);
    const facts = await readFacts(db);
    const votes = await loadVoteRows(db);
    expect(facts.length).toBe(400);
    expect(facts.map((f) => f.battleId)).toEqual(votes.map((v) => v.battleId));
    let identity = 0;
    facts.forEach((fact, i) => {
      const vote = votes[i]!;
      const [a, b] = vote.answers.map((answer) => styleCounts([answer]));
      const reveals = !!pattern && vote.answers.some((answer) => pattern.test(answer));
      if (reveals) identity += 1;
      expect({
        model_a: fact.model_a,
        model_b: fact.model_b,
        winner: fact.winner,
        anony: fact.anony,
        voter: fact.voter,
        tstamp: fact.tstamp,
        category: fact.category,
        languages: fact.languages,
        environments: fact.environments,
        bothRan: fact.bothRan,
        session: fact.session,
        turns: fact.turns,
        execution: fact.execution,
        style: fact.style,
        revealsIdentity: fact.revealsIdentity,
      }).toEqual({
        model_a: vote.model_a,
        model_b: vote.model_b,
        winner: vote.winner,
        anony: vote.anony,
        voter: vote.voter,
        tstamp: vote.tstamp,
        category: vote.category,
        languages: vote.languages,
        environments: vote.environments,
        bothRan: vote.bothRan,
        session: vote.session,
        turns: vote.turns,
        execution: vote.execution,
        style: [a!.tokens, a!.headers, a!.lists, a!.bold, b!.tokens, b!.headers, b!.lists, b!.bold],
        revealsIdentity: reveals,
      });
    });
    // Some recorded answers use the identity words: the identity check is exercised, not vacuous.
    expect(identity).toBeGreaterThan(0);
    // Same prompt, same keys; different prompts, different keys.
    const byKey = new Map<string, string>();
    facts.forEach((fact, i) => {
      const known = byKey.get(fact.dedupKey);
      if (known !== undefined) expect(known).toBe(votes[i]!.dedupKey);
      else byKey.set(fact.dedupKey, votes[i]!.dedupKey);
    });
    expect(byKey.size).toBe(new Set(votes.map((v) => v.dedupKey)).size);
  }, 120_000);

  it('serves the same boards, style counts and integrity reports as the answers give', async () => {
    for (const query of QUERIES) await expectSameBoard(query);
  }, 300_000);

  it('counts votes appended after the first board as a full read would (running counts and Elo)', async () => {
    await service.leaderboard({});
    const events = arena.app.get(DomainEvents);
    const later = new Date(start.getTime() + 400 * 60_000);
    const added = await seed(db, questions, 30, 400, later);
    // The session votes among them were cast minutes before they came to count.
    for (const battleId of added)
      await events.emit('battle.revealed', {
        battleId,
        models: { a: { id: MODELS[0]!, name: MODELS[0]! }, b: { id: MODELS[1]!, name: MODELS[1]! } },
        winner: 'model_a',
        sessionId: null,
      } as never);
    await expectSameBoard({});
    await expectSameBoard({ style: 'on' });
    expect((await readFacts(db)).length).toBe(430);
  }, 300_000);

  it('drops a hidden battle, a banned voter and a vote on a hidden battle at the next board', async () => {
    const events = arena.app.get(DomainEvents);
    const before = await service.leaderboard({});
    const [picked] = await db.query<{ battle_id: string }[]>(
      `SELECT f.battle_id FROM vote_facts f WHERE f.anony AND NOT f.reveals_identity AND f.voter_id LIKE 'voter-%' ORDER BY f.revealed_at DESC LIMIT 1`,
    );
    const hidden = picked!.battle_id;
    await db.query('INSERT INTO hidden_battles (battle_id) VALUES ($1)', [hidden]);
    await events.emit('battle.hidden', { battleId: hidden });
    const after = await service.leaderboard({});
    expect(after.battles).toBe(before.battles - 1);
    await expectSameBoard({});

    // A voter banned: their votes leave the next board.
    await db.query(`INSERT INTO voter_bans (voter_hash, voter_id) VALUES (md5('contrarian'), 'contrarian')`);
    await events.emit('voter.banned', { voterHash: 'x' });
    await expectSameBoard({});
    await expectSameBoard({ anomaly: 'on' });

    // A vote revealed on a battle hidden before: it never counts.
    const [late] = await seed(db, questions, 1, 430, new Date(start.getTime() + 431 * 60_000));
    await db.query('INSERT INTO hidden_battles (battle_id) VALUES ($1)', [late]);
    await events.emit('battle.hidden', { battleId: late! });
    await events.emit('battle.revealed', {
      battleId: late!,
      models: { a: { id: MODELS[0]!, name: MODELS[0]! }, b: { id: MODELS[1]!, name: MODELS[1]! } },
      winner: 'model_a',
      sessionId: null,
    } as never);
    const board = await service.leaderboard({});
    await expectSameBoard({});
    expect((await service.rows({})).some((r) => r.battleId === late)).toBe(false);
    expect(board.battles).toBe((await boardFromAnswers(db, {})).battles);
  }, 300_000);

  it('computes the facts again for another identity-word list, and fills them in batches', async () => {
    // Facts computed with another list (an operator changed ARENA_IDENTITY_WORDS, or a model came): the next
    // full read computes them again from the answers.
    await db.query(`UPDATE vote_facts SET identity_key = 'another list', reveals_identity = NOT reveals_identity`);
    service.reload();
    await expectSameBoard({});
    const models = await db.getRepository(ModelEntity).find();
    const pattern = identityPattern([...IDENTITY_WORDS, ...arenaModelWords(models)]);
    expect(
      (
        await db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM vote_facts WHERE identity_key <> $1`, [
          identityKey(pattern),
        ])
      )[0]!.n,
    ).toBe(0);

    // In batches: the same facts as all at once.
    const all = await db.query<Record<string, unknown>[]>('SELECT * FROM vote_facts ORDER BY vote_id');
    await db.query('DELETE FROM vote_facts');
    expect((await fillFacts(db, pattern, { batch: 7 })).added).toBe(all.length);
    expect(await db.query('SELECT * FROM vote_facts ORDER BY vote_id')).toEqual(all);
    // Only the facts of votes whose answer runs had not ended are computed again.
    const incomplete = all.filter((f) => !f['complete']).length;
    expect(incomplete).toBeGreaterThan(0);
    expect(await fillFacts(db, pattern, { batch: 7 })).toEqual({ written: incomplete, added: 0 });
  }, 300_000);
});
