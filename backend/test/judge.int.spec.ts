import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { combineOrders, rewardReport, type JudgeVerdict, type Verdict } from '@arena/judge';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JudgeService } from '../src/judges/judge.service.js';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import {
  connectClient,
  getJson,
  replayModel,
  sharedData,
  startTestArena,
  statusIs,
  waitForFrame,
  type TestArena,
} from './support/test-arena.js';

const SUITE = 'the judge service on replayed Arena-Hard battles';
const shared = sharedData(SUITE, ['arena-hard-v0.1']);
const HARD = path.join(shared.dir, 'arena-hard-v0.1');
const BATTLES = 6;

/**
 * A deterministic judge served over the real OpenAI protocol. With execution results it prefers the side whose
 * code ran (both failing: both bad; both running: the longer output); without them it always says the first
 * answer is better, in Arena-Hard's label style — pure position bias, which combining both orders must expose.
 */
function judgeReply(messages: { role: string; content: string }[]): string {
  const prompt = messages.find((m) => m.role === 'user')?.content ?? '';
  if (!prompt.includes('<execution_A>')) return 'The first answer reads better to me.\n\nMy final verdict: [[A>B]]';
  const status = (side: 'A' | 'B') => /status: (\w+)/.exec(prompt.split(`<execution_${side}>`)[1] ?? '')?.[1] ?? 'none';
  const stdout = (side: 'A' | 'B') =>
    (/stdout:\n([\s\S]*?)\nstderr:/.exec(prompt.split(`<execution_${side}>`)[1] ?? '')?.[1] ?? '').length;
  const [a, b] = [status('A') === 'ok', status('B') === 'ok'];
  const winner =
    a && !b
      ? 'A'
      : b && !a
        ? 'B'
        : !a && !b
          ? 'both_bad'
          : stdout('A') === stdout('B')
            ? 'tie'
            : stdout('A') > stdout('B')
              ? 'A'
              : 'B';
  return `Looking at what ran.\n\`\`\`json\n${JSON.stringify({ reasoning: `A ${status('A')}, B ${status('B')}`, winner })}\n\`\`\``;
}

/** Arena-Hard prompts whose recorded answers (both models) contain a Python or JavaScript program. */
function codePrompts(n: number): string[] {
  const answers = (model: string) =>
    new Map(
      readFileSync(path.join(HARD, 'model_answer', `${model}.jsonl`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(
          (l) => JSON.parse(l) as { uid: string; messages: { role: string; content: { answer: string } | string }[] },
        )
        .map((r) => {
          const c = r.messages.find((m) => m.role === 'assistant')!.content;
          return [r.uid, typeof c === 'string' ? c : c.answer] as const;
        }),
    );
  const [x, y] = [answers('gpt-4-0613'), answers('gpt-3.5-turbo-0125')];
  const code = /```(?:python|javascript|js)\n/;
  return readFileSync(path.join(HARD, 'question.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { uid: string; prompt: string })
    .filter((q) => code.test(x.get(q.uid) ?? '') && code.test(y.get(q.uid) ?? '') && q.prompt.length < 2_000)
    .slice(0, n)
    .map((q) => q.prompt);
}

describe.skipIf(shared.missing)(SUITE, () => {
  let arena: TestArena;
  let fake: FakeLlm;
  let dataSource: DataSource;

  beforeAll(async () => {
    fake = await startFakeLlm({ 'judge-model': { kind: 'reply', reply: judgeReply } });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'arena-judges-'));
    const judgesFile = path.join(dir, 'judges.yaml');
    await writeFile(
      judgesFile,
      `- id: judge-x\n  provider: openai\n  model: judge-model\n  baseUrl: ${fake.openaiUrl}\n- id: execution\n  provider: execution\n  modes: [with_execution]\n`,
    );
    arena = await startTestArena({
      database: 'postgres',
      models: [replayModel(shared.dir, 'gpt-4-0613', 20_000), replayModel(shared.dir, 'gpt-3.5-turbo-0125', 20_000)],
      env: { ARENA_JUDGES_FILE: judgesFile, ARENA_JUDGE_CONCURRENCY: '4' },
    });
    dataSource = arena.app.get(DataSource);
  }, 120_000);
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it('judges every battle in both orders and modes, and the agreement endpoint matches the stored rows', async () => {
    const voter = await connectClient(arena.url);
    const winners = ['model_a', 'model_b', 'tie', 'tie (bothbad)', 'model_a', 'model_b'] as const;
    const battleIds: string[] = [];
    for (const [i, prompt] of codePrompts(BATTLES).entries()) {
      const created = await voter.socket.emitWithAck('battle:create', { prompt, category: i % 2 ? 'odd' : 'even' });
      if (!created.ok) throw new Error(created.error.message);
      await waitForFrame(voter, statusIs(created.battleId, 'voting'), 60_000);
      const voted = await voter.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner: winners[i]! });
      expect(voted.ok).toBe(true);
      battleIds.push(created.battleId);
    }
    expect(battleIds).toHaveLength(BATTLES);
    await arena.app.get(JudgeService).idle();

    const rows = await dataSource.query<
      { battle_id: string; judge: string; mode: string; judge_order: string; verdict: Verdict }[]
    >('SELECT battle_id, judge, mode, judge_order, verdict FROM judgements');
    // judge-x: 2 modes × 2 orders; the execution judge: 1 mode, 1 order.
    expect(rows).toHaveLength(BATTLES * 5);
    for (const id of battleIds) expect(rows.filter((r) => r.battle_id === id)).toHaveLength(5);
    const judgeRequests = fake.requests.filter((r) => r.model === 'judge-model');
    expect(judgeRequests).toHaveLength(BATTLES * 4);
    // No verdict ever reached a voter: nothing in the frames mentions a judge.
    expect(JSON.stringify(voter.frames)).not.toMatch(/judge-x|with_execution/);

    // The endpoint's numbers are exactly those recomputed here from the stored rows.
    const human: Record<string, Verdict> = { model_a: 'A', model_b: 'B', tie: 'tie', 'tie (bothbad)': 'both_bad' };
    const votes = battleIds.map((id, i) => ({ id, vote: human[winners[i]!]!, category: i % 2 ? 'odd' : 'even' }));
    const combined: JudgeVerdict[] = [];
    for (const id of battleIds)
      for (const [judge, mode] of [
        ['judge-x', 'with_execution'],
        ['judge-x', 'without_execution'],
        ['execution', 'with_execution'],
      ] as const) {
        const of = (order: string) =>
          rows.find((r) => r.battle_id === id && r.judge === judge && r.mode === mode && r.judge_order === order)
            ?.verdict;
        const ab = of('ab')!;
        const ba = of('ba');
        combined.push({ id, judge, mode, verdict: ba ? combineOrders(ab, ba).verdict : ab });
      }
    const expected = rewardReport(votes, combined);
    const agreement = await getJson<{
      judges: {
        judge: string;
        mode: string;
        n: number;
        fourClass: { accuracy: number; kappa: number; confusion: unknown };
        threeClass: { accuracy: number };
        positionBias: { n: number; rate: number };
      }[];
      executionDelta: { judge: string; n: number; fourClassAccuracy: number }[];
    }>(`${arena.url}/api/reward/agreement`);
    expect(agreement.status).toBe(200);
    expect(agreement.body.judges).toHaveLength(3);
    for (const want of expected.judges) {
      const got = agreement.body.judges.find((j) => j.judge === want.judge && j.mode === want.mode)!;
      expect(got.n).toBe(BATTLES);
      expect(got.fourClass.accuracy).toBeCloseTo(want.fourClass.accuracy, 12);
      expect(got.fourClass.kappa).toBeCloseTo(want.fourClass.kappa, 12);
      expect(got.fourClass.confusion).toEqual(want.fourClass.confusion);
      expect(got.threeClass.accuracy).toBeCloseTo(want.threeClass.accuracy, 12);
    }
    for (const j of agreement.body.judges as unknown as {
      fourClass: { accuracy: number };
      intervals: { rounds: number; fourClassAccuracy: { low: number; high: number } };
      leaderboard: { models: { model: string }[]; spearman: number | null };
    }[]) {
      expect(j.intervals.rounds).toBe(1000);
      expect(j.intervals.fourClassAccuracy.low).toBeLessThanOrEqual(j.fourClass.accuracy);
      expect(j.intervals.fourClassAccuracy.high).toBeGreaterThanOrEqual(j.fourClass.accuracy);
      expect(j.leaderboard.models.map((m) => m.model).sort()).toEqual([
        'replay-gpt-3.5-turbo-0125',
        'replay-gpt-4-0613',
      ]);
    }
    // Without execution the judge always prefers whatever is shown first: every battle shows position bias.
    const blind = agreement.body.judges.find((j) => j.judge === 'judge-x' && j.mode === 'without_execution')!;
    expect(blind.positionBias).toEqual({ n: BATTLES, rate: 1 });
    const delta = agreement.body.executionDelta.find((d) => d.judge === 'judge-x')!;
    const w = expected.judges.find((j) => j.judge === 'judge-x' && j.mode === 'with_execution')!;
    const wo = expected.judges.find((j) => j.judge === 'judge-x' && j.mode === 'without_execution')!;
    expect(delta.n).toBe(BATTLES);
    expect(delta.fourClassAccuracy).toBeCloseTo(w.fourClass.accuracy - wo.fourClass.accuracy, 12);

    const filtered = await getJson<{ judges: unknown[] }>(`${arena.url}/api/reward/agreement?judge=execution`);
    expect(filtered.body.judges).toHaveLength(1);
    const bad = await getJson<{ error: { code: string } }>(`${arena.url}/api/reward/agreement?mode=sideways`);
    expect(bad.status).toBe(400);

    // The judgements data set holds the same rows.
    const jsonl = await fetch(`${arena.url}/api/datasets/judgements.jsonl`).then((r) => r.text());
    const exported = jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { battle_id: string; judge: string; order: string; verdict: string });
    expect(exported).toHaveLength(rows.length);
    expect(new Set(exported.map((e) => `${e.battle_id}|${e.judge}|${e.order}|${e.verdict}`)).size).toBeGreaterThan(0);
    voter.socket.disconnect();
  });

  it('does not judge a battle twice after a restart of the service', async () => {
    const before = await dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM judgements');
    const service = arena.app.get(JudgeService);
    const [first] = await dataSource.query<{ id: string }[]>('SELECT id FROM battles LIMIT 1');
    service.enqueue(first!.id);
    await service.idle();
    const after = await dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM judgements');
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});
