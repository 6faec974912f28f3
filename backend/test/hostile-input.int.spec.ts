import type { BattleSnapshot, LeaderboardResponse } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from './support/captured-logs.js';
import { startFakeLlm, type FakeLlm } from './support/fake-llm.js';
import {
  connectClient,
  DATABASES,
  getJson,
  startTestArena,
  statusIs,
  waitForFrame,
  type TestArena,
} from './support/test-arena.js';

/** Marks every value a request sends: no log line may carry it. */
const MARK = 'hostile-probe-5e1f';
const NUL = '\u0000';

describe.each(DATABASES)('NUL characters and other hostile text on %s', (database) => {
  let arena: TestArena;
  let lines: string[] = [];
  let restoreLogs = (): void => undefined;

  beforeAll(async () => {
    ({ lines, restore: restoreLogs } = captureLogs());
    arena = await startTestArena({ database, env: { LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    await arena?.stop();
    restoreLogs();
  });

  it('refuses NUL in every text a client sends, with a typed error; nothing is stored and nothing logged', async () => {
    const client = await connectClient(arena.url);
    const created = await client.socket.emitWithAck('battle:create', { prompt: 'Print hello' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(client, statusIs(battleId, 'voting'));
    const host = await client.socket.emitWithAck('session:create', { title: `Night ${MARK}` });
    if (!host.ok) throw new Error(host.error.message);
    const count = async (): Promise<number[]> => {
      const db = arena.app.get(DataSource);
      const tables = ['battles', 'turns', 'executions', 'sessions', 'session_participants', 'votes'];
      return Promise.all(
        tables.map(async (t) => Number((await db.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${t}`))[0]!.n)),
      );
    };
    const before = await count();
    const bad = `${MARK}${NUL}x`;
    const acks = [
      await client.socket.emitWithAck('battle:create', { prompt: bad }),
      await client.socket.emitWithAck('battle:create', { prompt: MARK, category: bad }),
      await client.socket.emitWithAck('battle:followup', { battleId, prompt: bad }),
      await client.socket.emitWithAck('run:request', { battleId, side: 'a', code: `console.log(1) // ${bad}` }),
      await client.socket.emitWithAck('run:request', { battleId, side: 'a', stdin: bad }),
      await client.socket.emitWithAck('session:create', { title: bad }),
      await client.socket.emitWithAck('session:join', { joinCode: `AB${NUL}DEF`, nickname: MARK }),
      await client.socket.emitWithAck('session:join', { joinCode: host.joinCode, nickname: bad }),
      await client.socket.emitWithAck('session:battle', {
        sessionId: host.sessionId,
        hostKey: host.hostKey,
        prompt: bad,
      }),
    ];
    for (const ack of acks) {
      expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      expect(JSON.stringify(ack)).toMatch(/must not contain NUL characters/);
    }
    for (const url of [
      `/api/leaderboard?category=${encodeURIComponent(bad)}`,
      `/api/battles?status=recent&limit=${encodeURIComponent(bad)}`,
    ]) {
      const response = await getJson<{ error: { code: string } }>(`${arena.url}${url}`);
      expect(response.status, url).toBe(400);
      expect(response.body.error.code, url).toBe('invalid_input');
    }
    expect(await count()).toEqual(before);
    expect((await getJson<{ status: string }>(`${arena.url}/api/health`)).body.status).toBe('ok');
    expect(lines.some((line) => line.includes('battle created'))).toBe(true);
    const leaked = lines.filter((line) => line.includes(MARK) || line.includes('\\u0000'));
    expect(leaked).toEqual([]);
    expect(lines.some((line) => line.includes('"level":50'))).toBe(false);
    client.socket.disconnect();
  });

  it('keeps a run whose program prints NUL: its output is stored with U+FFFD in its place', async () => {
    const client = await connectClient(arena.url);
    const created = await client.socket.emitWithAck('battle:create', { prompt: 'Print hello' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(client, statusIs(battleId, 'voting'));
    const ack = await client.socket.emitWithAck('run:request', {
      battleId,
      side: 'a',
      code: 'console.log("before\\u0000after")',
    });
    if (!ack.ok) throw new Error(ack.error.message);
    const end = await waitForFrame(
      client,
      (f) => f.event === 'run:end' && (f.payload as { runId: string }).runId === ack.runId,
    );
    expect(end.payload).toMatchObject({ status: 'ok' });
    const vote = await client.socket.emitWithAck('battle:vote', { battleId, winner: 'tie' });
    expect(vote.ok).toBe(true);
    const [stored] = await arena.app
      .get(DataSource)
      .query<{ output: string; stdout: string }[]>('SELECT output, stdout FROM executions WHERE id = $1', [ack.runId]);
    expect(stored).toEqual({ output: 'before\uFFFDafter\n', stdout: 'before\uFFFDafter\n' });
    const snapshot = (await getJson<BattleSnapshot>(`${arena.url}/api/battles/${battleId}`)).body;
    expect(snapshot.turns[0]!.sides.a.runs.at(-1)?.output).toBe('before\uFFFDafter\n');
    client.socket.disconnect();
  });
});

describe('an answer that names the arena’s own model', () => {
  let fake: FakeLlm;
  let arena: TestArena;

  beforeAll(async () => {
    fake = await startFakeLlm({
      'remote-a': {
        kind: 'reply',
        reply: () => 'I am evil-a, and here is my program.\n\n```js\nconsole.log(1)\n```\n',
      },
      'remote-b': { kind: 'reply', reply: () => 'Here is a program.\n\n```js\nconsole.log(2)\n```\n' },
    });
    arena = await startTestArena({
      database: 'postgres',
      env: { ARENA_LEADERBOARD_BOOTSTRAP: '0' },
      models: [
        { id: 'evil-a', name: 'Evil A (test)', provider: 'openai', model: 'remote-a', baseUrl: fake.openaiUrl },
        { id: 'plain-b', name: 'Plain B', provider: 'openai', model: 'remote-b', baseUrl: fake.openaiUrl },
      ],
    });
  });
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it('is left out of the leaderboard as identity-revealing, like the default words', async () => {
    const client = await connectClient(arena.url);
    const created = await client.socket.emitWithAck('battle:create', { prompt: 'Print a number' });
    if (!created.ok) throw new Error(created.error.message);
    await waitForFrame(client, statusIs(created.battleId, 'voting'));
    expect((await client.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner: 'model_a' })).ok).toBe(
      true,
    );
    const board = (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body;
    expect(board.hygiene.removed.identityRevealed).toBe(1);
    expect(board.battles).toBe(0);
    client.socket.disconnect();
  });
});

describe('an answer larger than ARENA_MAX_ANSWER_CHARS', () => {
  let fake: FakeLlm;
  let arena: TestArena;
  const huge = `Here it is.\n\n\`\`\`js\nconsole.log("ok")\n\`\`\`\n${'filler text '.repeat(400_000)}`;

  beforeAll(async () => {
    fake = await startFakeLlm({
      'remote-huge': { kind: 'stream', text: huge, chunkSize: 64 * 1024 },
      'remote-small': { kind: 'reply', reply: () => 'Small.\n\n```js\nconsole.log(2)\n```\n' },
    });
    arena = await startTestArena({
      database: 'embedded',
      env: { ARENA_MAX_ANSWER_CHARS: '20000' },
      models: [
        { id: 'huge-a', name: 'Huge', provider: 'openai', model: 'remote-huge', baseUrl: fake.openaiUrl },
        { id: 'small-b', name: 'Small', provider: 'openai', model: 'remote-small', baseUrl: fake.openaiUrl },
      ],
    });
  });
  afterAll(async () => {
    await arena?.stop();
    await fake?.close();
  });

  it('is cut at the cap with a neutral message; the battle stays votable and its snapshot small', async () => {
    const client = await connectClient(arena.url);
    const created = await client.socket.emitWithAck('battle:create', { prompt: 'Print ok' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(client, statusIs(battleId, 'voting'));
    const snapshot = (await getJson<BattleSnapshot>(`${arena.url}/api/battles/${battleId}`)).body;
    const sides = Object.values(snapshot.turns[0]!.sides);
    const cut = sides.find((s) => s.finishReason === 'length')!;
    expect(cut.text).toHaveLength(20_000);
    expect(cut.error).toBe('the answer passed 20,000 characters and was cut there');
    expect(cut.runs[0]?.status).toBe('ok');
    expect(JSON.stringify(snapshot).length).toBeLessThan(60_000);
    const deltas = client.frames
      .filter((f) => f.event === 'gen:delta')
      .map((f) => (f.payload as { text: string }).text);
    expect(deltas.join('').length).toBeLessThanOrEqual(20_000 + 100);
    expect((await client.socket.emitWithAck('battle:vote', { battleId, winner: 'model_b' })).ok).toBe(true);
    client.socket.disconnect();
  });
});
