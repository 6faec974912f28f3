import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BattleSnapshot } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractCode } from '@arena/sandboxes';
import { SideMessageEntity } from '../src/battles/entities/index.js';
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

const SUITE = 'battles with replay models on real Arena-Hard answers';
const shared = sharedData(SUITE, ['arena-hard-v0.1']);
const HARD = path.join(shared.dir, 'arena-hard-v0.1');
const PI_UID = '4daa77667fb943d78113ebcd73762c66';

function recorded(model: string, uid: string): string {
  const line = readFileSync(path.join(HARD, 'model_answer', `${model}.jsonl`), 'utf8')
    .split('\n')
    .find((l) => l.includes(`"uid":"${uid}"`));
  if (!line) throw new Error(`no recorded answer ${uid} for ${model}`);
  const row = JSON.parse(line) as { messages: { role: string; content: { answer: string } | string }[] };
  const content = row.messages.find((m) => m.role === 'assistant')!.content;
  return typeof content === 'string' ? content : content.answer;
}

function question(uid: string): string {
  const line = readFileSync(path.join(HARD, 'question.jsonl'), 'utf8')
    .split('\n')
    .find((l) => l.includes(`"uid":"${uid}"`));
  return (JSON.parse(line!) as { prompt: string }).prompt;
}

describe.skipIf(shared.missing)(SUITE, () => {
  let arena: TestArena;
  beforeAll(async () => {
    arena = await startTestArena({
      database: 'postgres',
      models: [replayModel(shared.dir, 'gpt-4-0613', 4_000), replayModel(shared.dir, 'gpt-3.5-turbo-0125', 4_000)],
    });
  });
  afterAll(async () => {
    await arena?.stop();
  });

  async function battle(
    prompt: string,
  ): Promise<{ snapshot: BattleSnapshot; models: { a: { id: string }; b: { id: string } } }> {
    const voter = await connectClient(arena.url);
    const created = await voter.socket.emitWithAck('battle:create', { prompt, category: 'arena-hard' });
    if (!created.ok) throw new Error(created.error.message);
    await waitForFrame(voter, statusIs(created.battleId, 'voting'), 60_000);
    const vote = await voter.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner: 'tie' });
    if (!vote.ok) throw new Error(vote.error.message);
    const snapshot = (await getJson<BattleSnapshot>(`${arena.url}/api/battles/${created.battleId}`)).body;
    voter.socket.disconnect();
    return { snapshot, models: vote.models };
  }

  it('streams each model its own recorded answer to an exact prompt and runs the JavaScript in it', async () => {
    const { snapshot, models } = await battle(question(PI_UID));
    for (const side of ['a', 'b'] as const) {
      const model = models[side].id.replace('replay-', '');
      const answer = recorded(model, PI_UID);
      const state = snapshot.turns[0]!.sides[side];
      expect(state.text).toBe(answer);
      const expected = extractCode(answer);
      expect(state.code?.environment).toBe(expected?.environment);
      expect(state.code?.code).toBe(expected?.code);
      expect(state.runs[0]?.status).toBeDefined();
    }
    const messages = await arena.app
      .get(DataSource)
      .getRepository(SideMessageEntity)
      .findBy({ battleId: snapshot.battleId });
    for (const m of messages) expect(m.meta).toEqual({ replay: { uid: PI_UID, match: 'exact', similarity: 1 } });
  });

  it('answers an unseen prompt with the most similar recorded one and says so in the metadata', async () => {
    const { snapshot } = await battle('Give me JavaScript code that calculates the value of pi, please');
    const messages = await arena.app
      .get(DataSource)
      .getRepository(SideMessageEntity)
      .findBy({ battleId: snapshot.battleId });
    for (const m of messages) {
      expect(m.meta).toMatchObject({ replay: { uid: PI_UID, match: 'similar' } });
      expect((m.meta as { replay: { similarity: number } }).replay.similarity).toBeGreaterThan(0.3);
    }
  });
});
