import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BattlesRow, BattleSnapshot, GenDelta, GenEnd, LeaderboardResponse, ModelRef } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JudgeService } from '../src/judges/judge.service.js';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import { readWithDuckDb, readWithPandas } from './support/read-back.js';
import {
  connectClient,
  DATABASES,
  getJson,
  REPO_ROOT,
  startTestArena,
  statusIs,
  waitForFrame,
  type RecordedFrame,
  type TestArena,
} from './support/test-arena.js';

/** Each side's answer names its own model and how many user turns it was sent, in a program it prints. */
const answer =
  (tag: string) =>
  (messages: { role: string; content: string }[]): string => {
    const users = messages.filter((m) => m.role === 'user').length;
    return `Answer ${tag}${users}.\n\n\`\`\`js\nconsole.log(${JSON.stringify(`${tag}${users}`)});\n\`\`\`\n`;
  };

async function turnsVoting(client: { frames: RecordedFrame[] }, battleId: string, n: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (client.frames.filter(statusIs(battleId, 'voting')).length < n) {
    if (Date.now() > deadline) throw new Error(`turn ${n} did not finish`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(DATABASES)('follow-up turns on %s', (database) => {
  let fake: FakeLlm;
  let arena: TestArena;

  beforeAll(async () => {
    fake = await startFakeLlm({
      'remote-a': { kind: 'reply', reply: answer('A') },
      'remote-b': { kind: 'reply', reply: answer('B') },
    });
    arena = await startTestArena({
      database,
      env: { ARENA_MAX_TURNS: '3' },
      models: [
        { id: 'acme-a', name: 'Acme A', provider: 'openai', model: 'remote-a', baseUrl: fake.openaiUrl },
        { id: 'acme-b', name: 'Acme B', provider: 'openai', model: 'remote-b', baseUrl: fake.openaiUrl },
      ],
    });
  });
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it('plays three turns, each side with its own history, to the creator and a spectator who came in turn 2', async () => {
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'Print a greeting' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    // A watcher from the start whose connection drops during turn 3.
    const returning = await connectClient(arena.url);
    expect((await returning.socket.emitWithAck('battle:watch', { battleId })).ok).toBe(true);
    await turnsVoting(creator, battleId, 1);

    const early = await creator.socket.emitWithAck('battle:followup', { battleId, prompt: 'Now in capitals' });
    expect(early).toEqual({ ok: true, turn: 1 });
    const busy = await creator.socket.emitWithAck('battle:followup', { battleId, prompt: 'And again' });
    expect(busy).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    const spectator = await connectClient(arena.url);
    const watched = await spectator.socket.emitWithAck('battle:watch', { battleId });
    if (!watched.ok) throw new Error(watched.error.message);
    expect(watched.snapshot.turns.map((t) => t.prompt)).toEqual(['Print a greeting', 'Now in capitals']);
    await turnsVoting(creator, battleId, 2);

    const stranger = await connectClient(arena.url);
    expect(await stranger.socket.emitWithAck('battle:followup', { battleId, prompt: 'Mine now' })).toMatchObject({
      ok: false,
      error: { code: 'not_allowed' },
    });
    expect(await creator.socket.emitWithAck('battle:followup', { battleId, prompt: '   ' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(await creator.socket.emitWithAck('battle:followup', { battleId, prompt: 'x'.repeat(16_001) })).toMatchObject(
      { ok: false, error: { code: 'invalid_input' } },
    );
    const beforeThird = Date.now();
    expect(await creator.socket.emitWithAck('battle:followup', { battleId, prompt: 'Add a date' })).toEqual({
      ok: true,
      turn: 2,
    });
    // It comes back with its voter id while turn 3 streams: its snapshot lists the three turns so far.
    returning.socket.disconnect();
    const back = await connectClient(arena.url, returning.voterId);
    const rewatched = await back.socket.emitWithAck('battle:watch', { battleId });
    if (!rewatched.ok) throw new Error(rewatched.error.message);
    expect(rewatched.snapshot.turns.map((t) => t.prompt)).toEqual([
      'Print a greeting',
      'Now in capitals',
      'Add a date',
    ]);
    await turnsVoting(creator, battleId, 3);
    // The turn limit (ARENA_MAX_TURNS=3) is reached.
    expect(await creator.socket.emitWithAck('battle:followup', { battleId, prompt: 'One more' })).toMatchObject({
      ok: false,
      error: { code: 'not_allowed' },
    });

    // The judges' verdicts are of the whole conversation: those of earlier turns went, the last turn's came.
    const judged = async (): Promise<{ created_at: Date }[]> =>
      arena.app
        .get(DataSource)
        .query<{ created_at: Date }[]>('SELECT created_at FROM judgements WHERE battle_id = $1', [battleId]);
    for (let i = 0; i < 200 && (await judged()).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    await arena.app.get(JudgeService).idle();
    const verdicts = await judged();
    expect(verdicts).toHaveLength(1);
    expect(new Date(verdicts[0]!.created_at).getTime()).toBeGreaterThanOrEqual(beforeThird);

    // Turn 3's requests: each side got every user turn and its own earlier answers, nothing of the other side.
    const third = fake.requests.filter((r) => Array.isArray(r.messages) && (r.messages as unknown[]).length === 5);
    const sent = (model: string) => third.find((r) => r.model === model)?.messages;
    expect(sent('remote-a')).toEqual([
      { role: 'user', content: 'Print a greeting' },
      { role: 'assistant', content: answer('A')([{ role: 'user', content: '' }]) },
      { role: 'user', content: 'Now in capitals' },
      {
        role: 'assistant',
        content: answer('A')([
          { role: 'user', content: '' },
          { role: 'user', content: '' },
        ]),
      },
      { role: 'user', content: 'Add a date' },
    ]);
    expect(JSON.stringify(sent('remote-b'))).not.toContain('A1');

    for (const client of [creator, spectator]) {
      // Every frame of every turn in order per side: sequence numbers restart at 0 for each turn and side.
      const deltas = client.frames.filter((f) => f.event === 'gen:delta').map((f) => f.payload as GenDelta);
      for (const turn of client === creator ? [0, 1, 2] : [2]) {
        for (const side of ['a', 'b'] as const) {
          const seqs = deltas.filter((d) => d.turn === turn && d.side === side).map((d) => d.seq);
          expect(seqs, `turn ${turn} side ${side}`).toEqual(seqs.map((_, i) => i));
        }
      }
      // No frame of any turn names a model before the vote.
      expect(JSON.stringify(client.frames)).not.toMatch(/acme-|Acme /);
    }
    const runs = creator.frames.filter((f) => f.event === 'run:end');
    expect(runs).toHaveLength(6);
    await waitForFrame(back, statusIs(battleId, 'voting'));

    const vote = await creator.socket.emitWithAck('battle:vote', { battleId, winner: 'model_a' });
    if (!vote.ok) throw new Error(vote.error.message);
    expect(await creator.socket.emitWithAck('battle:followup', { battleId, prompt: 'Too late' })).toMatchObject({
      ok: false,
      error: { code: 'not_allowed' },
    });
    const stored = (await (await fetch(`${arena.url}/api/battles/${battleId}`)).json()) as BattleSnapshot;
    expect(stored.turns).toHaveLength(3);
    // Side a is whichever model the draw put there: its answers and runs are its own in every turn.
    const tags = vote.models.a.id === 'acme-a' ? { a: 'A', b: 'B' } : { a: 'B', b: 'A' };
    for (const [turn, t] of stored.turns.entries()) {
      for (const side of ['a', 'b'] as const) {
        expect(t.sides[side].text).toContain(`${tags[side]}${turn + 1}`);
        expect(t.sides[side].runs[0]?.output).toContain(`${tags[side]}${turn + 1}`);
      }
    }
    // The returning watcher's snapshot and the frames after it make exactly the stored third turn.
    await waitForFrame(back, (f) => f.event === 'battle:revealed');
    for (const side of ['a', 'b'] as const) {
      const at = rewatched.snapshot.turns[2]!.sides[side];
      const after = back.frames
        .filter((f) => f.event === 'gen:delta')
        .map((f) => f.payload as GenDelta)
        .filter((d) => d.turn === 2 && d.side === side && d.seq > at.seq);
      expect(after.map((d) => d.seq)).toEqual(after.map((_, i) => at.seq + 1 + i));
      expect(at.text + after.map((d) => d.text).join('')).toBe(stored.turns[2]!.sides[side].text);
    }
    expect(
      JSON.stringify(
        back.frames.slice(
          0,
          back.frames.findIndex((f) => f.event === 'battle:revealed'),
        ),
      ),
    ).not.toMatch(/acme-|Acme /);

    // The leaderboard counts the conversation among multi-turn battles.
    const board = async (turns: string): Promise<LeaderboardResponse> =>
      (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard?turns=${turns}`)).body;
    expect((await board('multi')).battles).toBe(1);
    expect((await board('single')).battles).toBe(0);
    expect((await getJson<{ error: { code: string } }>(`${arena.url}/api/leaderboard?turns=3`)).status).toBe(400);

    // The data set's row is the whole conversation: six messages a side, three user turns, each run's turn.
    const rows = (await (await fetch(`${arena.url}/api/datasets/battles.jsonl`)).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as BattlesRow);
    const row = rows.find((r) => r.question_id === battleId);
    expect(row?.turn).toBe(3);
    expect(row?.conversation_a).toHaveLength(6);
    expect(row?.conversation_b).toHaveLength(6);
    expect(row?.conversation_a.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
      'Print a greeting',
      'Now in capitals',
      'Add a date',
    ]);
    expect(row?.executions_a.map((e) => e.turn)).toEqual([0, 1, 2]);
    // Read back by pandas (JSON lines) and DuckDB (Parquet): the same six messages a side and three turns.
    for (const format of ['jsonl', 'parquet'] as const) {
      const file = path.join(arena.dir, `followups.${format}`);
      await writeFile(
        file,
        Buffer.from(await (await fetch(`${arena.url}/api/datasets/battles.${format}`)).arrayBuffer()),
      );
      const read =
        format === 'jsonl'
          ? readWithPandas('jsonl', file).rows.find((r) => r['question_id'] === battleId)
          : (await readWithDuckDb(file)).find((r) => r['question_id'] === battleId);
      // DuckDB gives Parquet's JSON columns as bytes, pandas as parsed lists.
      const messages = (value: unknown): unknown =>
        value instanceof Uint8Array ? JSON.parse(Buffer.from(value).toString('utf8')) : value;
      expect(Number(read?.['turn']), format).toBe(3);
      expect(messages(read?.['conversation_a']), format).toEqual(row?.conversation_a);
      expect(messages(read?.['conversation_b']), format).toEqual(row?.conversation_b);
    }
    for (const client of [creator, stranger, spectator, back]) client.socket.disconnect();

    // `arena import` of the export into a fresh arena keeps the whole conversation: three turns, both sides.
    if (database !== 'postgres') return;
    const fresh = await startTestArena({ database: 'postgres' });
    try {
      const imported = spawnSync(
        process.execPath,
        [
          path.join(REPO_ROOT, 'backend/dist/cli/arena.js'),
          'import',
          '--battles',
          path.join(arena.dir, 'followups.jsonl'),
        ],
        { env: { ...process.env, DATABASE_URL: fresh.databaseUrl!, LOG_LEVEL: 'error' }, encoding: 'utf8' },
      );
      expect(imported.status, imported.stderr).toBe(0);
      const [copy] = await fresh.app.get(DataSource).query<{ id: string }[]>('SELECT id FROM battles');
      const again = (await getJson<BattleSnapshot>(`${fresh.url}/api/battles/${copy!.id}`)).body;
      expect(again.turns.map((t) => [t.prompt, t.sides.a.text, t.sides.b.text])).toEqual(
        stored.turns.map((t) => [t.prompt, t.sides.a.text, t.sides.b.text]),
      );
      expect((await getJson<LeaderboardResponse>(`${fresh.url}/api/leaderboard?turns=multi`)).body.battles).toBe(1);
    } finally {
      await fresh.stop();
    }
  });

  it('lets exactly one of a follow-up and a vote sent at once win', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const creator = await connectClient(arena.url);
      const created = await creator.socket.emitWithAck('battle:create', { prompt: `Race ${i}` });
      if (!created.ok) throw new Error(created.error.message);
      await turnsVoting(creator, created.battleId, 1);
      const [followup, vote] = await Promise.all([
        creator.socket.emitWithAck('battle:followup', { battleId: created.battleId, prompt: 'More' }),
        creator.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner: 'tie' }),
      ]);
      expect([followup.ok, vote.ok].filter(Boolean)).toHaveLength(1);
      outcomes.push(followup.ok ? 'followup' : 'vote');
      await waitForFrame(creator, (f) => f.event === (followup.ok ? 'gen:end' : 'battle:revealed'));
      const stored = (await (await fetch(`${arena.url}/api/battles/${created.battleId}`)).json()) as BattleSnapshot & {
        models?: { a: ModelRef };
      };
      expect(stored.turns).toHaveLength(followup.ok ? 2 : 1);
      creator.socket.disconnect();
    }
    expect(outcomes).toHaveLength(4);
  });

  it("lets a session's host continue the current battle; everyone votes once on the conversation", async () => {
    const host = await connectClient(arena.url);
    const created = await host.socket.emitWithAck('session:create', { title: 'Follow-ups' });
    if (!created.ok) throw new Error(created.error.message);
    const { sessionId, joinCode, hostKey } = created;
    const people = await Promise.all([connectClient(arena.url), connectClient(arena.url)]);
    for (const person of people) {
      const joined = await person.socket.emitWithAck('session:join', { joinCode, nickname: 'p' });
      expect(joined.ok).toBe(true);
    }
    const started = await host.socket.emitWithAck('session:battle', { sessionId, hostKey, prompt: 'Sort numbers' });
    if (!started.ok) throw new Error(started.error.message);
    const { battleId } = started;
    await turnsVoting(people[0], battleId, 1);
    // Only the host, with its key, continues a session battle.
    expect(await host.socket.emitWithAck('battle:followup', { battleId, prompt: 'Descending' })).toMatchObject({
      ok: false,
      error: { code: 'not_allowed' },
    });
    const followup = await host.socket.emitWithAck('session:followup', {
      sessionId,
      hostKey,
      battleId,
      prompt: 'Descending',
    });
    expect(followup).toEqual({ ok: true, turn: 1 });
    await turnsVoting(people[0], battleId, 2);
    for (const person of people) {
      expect(await person.socket.emitWithAck('session:vote', { sessionId, battleId, winner: 'model_b' })).toEqual({
        ok: true,
      });
    }
    const closed = await host.socket.emitWithAck('session:close', { sessionId, hostKey, battleId });
    expect(closed.ok && closed.tally.voters).toBe(2);
    for (const client of [host, ...people]) client.socket.disconnect();
  });
});

describe('a conversation that no longer fits a model', () => {
  let fake: FakeLlm;
  let arena: TestArena;

  beforeAll(async () => {
    fake = await startFakeLlm({
      'remote-small': { kind: 'reply', reply: answer('S') },
      'remote-full': {
        kind: 'error',
        status: 400,
        body: JSON.stringify({ error: { code: 'context_length_exceeded', message: 'maximum context length is 8192' } }),
      },
    });
    arena = await startTestArena({
      database: 'embedded',
      models: [
        // 270 tokens, 256 of them kept for the answer: the first prompt fits, a follow-up does not.
        {
          id: 'acme-small',
          name: 'Acme Small',
          provider: 'openai',
          model: 'remote-small',
          baseUrl: fake.openaiUrl,
          contextTokens: 270,
        },
        { id: 'acme-full', name: 'Acme Full', provider: 'openai', model: 'remote-full', baseUrl: fake.openaiUrl },
      ],
    });
  });
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it('ends the side with a neutral error, by its own limit or its service saying so, and the battle stays votable', async () => {
    const creator = await connectClient(arena.url);
    const created = await creator.socket.emitWithAck('battle:create', { prompt: 'Print a greeting' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await turnsVoting(creator, battleId, 1);
    expect(await creator.socket.emitWithAck('battle:followup', { battleId, prompt: 'Now print it twice' })).toEqual({
      ok: true,
      turn: 1,
    });
    await turnsVoting(creator, battleId, 2);
    const ends = creator.frames.filter((f) => f.event === 'gen:end').map((f) => f.payload as GenEnd);
    const neutral = 'the conversation no longer fits this model’s context; vote on it as it stands';
    // Turn 1: the full model's service refused the prompt; turn 2: both (the small one by its own limit).
    expect(ends.filter((e) => e.turn === 0 && e.error === neutral)).toHaveLength(1);
    expect(ends.filter((e) => e.turn === 1 && e.error === neutral)).toHaveLength(2);
    expect(creator.frames.filter(statusIs(battleId, 'failed'))).toHaveLength(0);
    // The small model was never sent the conversation that does not fit.
    expect(fake.requests.filter((r) => r.model === 'remote-small')).toHaveLength(1);
    expect(JSON.stringify(creator.frames)).not.toMatch(/acme-|Acme |8192/);
    const vote = await creator.socket.emitWithAck('battle:vote', { battleId, winner: 'model_a' });
    expect(vote.ok).toBe(true);
    creator.socket.disconnect();
  });
});
