import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  AdminBanResult,
  AdminHideResult,
  AdminShowResult,
  AdminUnbanResult,
  AdminLoad,
  AdminModel,
  AdminSession,
  AdminSessionEndResult,
  BattleListItem,
  DatasetSummary,
  LeaderboardResponse,
  PublicModel,
  SessionSnapshot,
} from '@arena/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelsService } from '../src/models/models.service.js';
import { ClusterBus } from '../src/realtime/cluster-bus.js';
import { captureLogs } from './support/captured-logs.js';
import {
  connectClient,
  DATABASES,
  FAST_DEMO_MODELS,
  freshPostgres,
  getJson,
  startTestArena,
  statusIs,
  waitForFrame,
  type DatabaseKind,
  type TestArena,
} from './support/test-arena.js';

const TOKEN = 'admin-token-3f9a7c1e5b2d4a6f';
const MODELS = [
  ...FAST_DEMO_MODELS,
  { id: 'demo-cobalt', name: 'Demo Cobalt', provider: 'demo', style: 'javascript', tokensPerSecond: 2000 },
];
/** Every admin route, as an unset token must hide them. */
const ROUTES: [string, string][] = [
  ['GET', '/api/admin/models'],
  ['POST', '/api/admin/models'],
  ['PATCH', '/api/admin/models/demo-atlas'],
  ['POST', '/api/admin/battles/7d3b8f0a-3c1e-4c53-9a4e-2f1d5b6c7e8f/hide'],
  ['POST', '/api/admin/voters/0123456789abcdef0123456789abcdef/ban'],
  ['GET', '/api/admin/sessions'],
  ['POST', '/api/admin/sessions/7d3b8f0a-3c1e-4c53-9a4e-2f1d5b6c7e8f/end'],
  ['GET', '/api/admin/load'],
];

interface Answer<T> {
  status: number;
  body: T & { error?: { code: string; message: string } };
}

async function call<T>(
  arena: TestArena,
  method: string,
  route: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<Answer<T>> {
  const response = await fetch(`${arena.url}${route}`, {
    method,
    headers: {
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Answer<T>['body'] };
}

async function jsonLines(arena: TestArena, file: string): Promise<Record<string, unknown>[]> {
  const text = await (await fetch(`${arena.url}/api/datasets/${file}`)).text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

type Client = Awaited<ReturnType<typeof connectClient>>;

/** A battle `client` starts, waits to be open for its vote, and (with a winner) votes on. */
async function battle(client: Client, prompt: string, winner?: 'model_a' | 'model_b' | 'tie'): Promise<string> {
  const created = await client.socket.emitWithAck('battle:create', { prompt });
  if (!created.ok) throw new Error(created.error.message);
  await waitForFrame(client, statusIs(created.battleId, 'voting'));
  if (winner) {
    const voted = await client.socket.emitWithAck('battle:vote', { battleId: created.battleId, winner });
    if (!voted.ok) throw new Error(voted.error.message);
  }
  return created.battleId;
}

describe.each(DATABASES)('administration on %s', (database: DatabaseKind) => {
  let arena: TestArena;
  let dir: string;
  let postgres: { url: string; drop: () => Promise<void> } | undefined;
  let lines: string[] = [];
  let restoreLogs: () => void = () => undefined;
  const clients: Client[] = [];
  let db: DataSource;

  const start = (): Promise<TestArena> =>
    // The database is made here (not by startTestArena) so that a restart finds it again.
    startTestArena({
      database: 'embedded',
      dir,
      models: MODELS,
      env: {
        ARENA_ADMIN_TOKEN: TOKEN,
        ARENA_RATE_LIMITS: 'admin=300/300',
        ARENA_LEADERBOARD_BOOTSTRAP: '0',
        ARENA_MIN_BATTLES: '0',
        LOG_LEVEL: 'info',
        ...(postgres ? { DATABASE_URL: postgres.url } : {}),
      },
    });
  const client = async (voterId?: string): Promise<Client> => {
    const c = await connectClient(arena.url, voterId);
    clients.push(c);
    return c;
  };
  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await db.query<{ n: string }[]>(sql, params))[0]!.n);

  beforeAll(async () => {
    // Every line the server logs is kept: the audit test reads them.
    ({ lines, restore: restoreLogs } = captureLogs());
    dir = await mkdtemp(path.join(os.tmpdir(), 'arena-admin-'));
    postgres = database === 'postgres' ? await freshPostgres() : undefined;
    arena = await start();
    db = arena.app.get(DataSource);
  });
  afterAll(async () => {
    for (const c of clients) c.socket.disconnect();
    await arena?.stop();
    await postgres?.drop();
    await rm(dir, { recursive: true, force: true });
    restoreLogs();
  });

  it('answers 404 on every admin route when ARENA_ADMIN_TOKEN is unset, as for an unknown path', async () => {
    const bare = await startTestArena({ database: 'embedded' });
    try {
      for (const [method, route] of ROUTES) {
        const answer = await call(bare, method, route, method === 'GET' ? undefined : {}, TOKEN);
        expect(answer.status, `${method} ${route}`).toBe(404);
        expect(answer.body.error?.code).toBe('not_found');
        const unknown = await call(bare, method, route.replace('/admin/', '/nothing/'), undefined, null);
        expect(answer.body.error?.message.replace('/admin/', '/nothing/')).toBe(unknown.body.error?.message);
      }
    } finally {
      await bare.stop();
    }
  });

  it('answers 401 without the token, with a wrong one, or in another scheme, and changes nothing', async () => {
    const wrong = [null, 'not-the-token', `${TOKEN}x`, TOKEN.slice(0, -1), TOKEN.toUpperCase()];
    for (const [method, route] of ROUTES) {
      for (const token of wrong) {
        const answer = await call(arena, method, route, method === 'GET' ? undefined : { enabled: false }, token);
        expect(answer.status, `${method} ${route} with ${String(token)}`).toBe(401);
        expect(answer.body.error?.code).toBe('unauthorized');
      }
    }
    const basic = await fetch(`${arena.url}/api/admin/models`, { headers: { authorization: `Basic ${TOKEN}` } });
    expect(basic.status).toBe(401);
    expect((await call<AdminModel[]>(arena, 'GET', '/api/admin/models')).body.every((m) => m.enabled)).toBe(true);
    expect(await count('SELECT count(*) AS n FROM voter_bans')).toBe(0);
  });

  it('lists the models, weights and disables them for new battles at once, and keeps two enabled', async () => {
    const listed = await call<AdminModel[]>(arena, 'GET', '/api/admin/models');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual(
      MODELS.map((m) => ({ id: m.id, name: m.name, provider: 'demo', enabled: true, weight: 1, source: 'file' })),
    );

    const heavy = await call<AdminModel>(arena, 'PATCH', '/api/admin/models/demo-cobalt', { weight: 10_000 });
    expect(heavy.status).toBe(200);
    expect(heavy.body).toMatchObject({ id: 'demo-cobalt', weight: 10_000, enabled: true });
    const creator = await client();
    const drawn = async (n: number, tag: string): Promise<string[][]> => {
      const ids = [];
      for (let i = 0; i < n; i++) ids.push(await battle(creator, `Print the number ${i} (${tag})`));
      const rows = await db.query<{ a: string; b: string }[]>(
        'SELECT model_a_id AS a, model_b_id AS b FROM battles WHERE id = ANY($1::uuid[])',
        [ids],
      );
      return rows.map((r) => [r.a, r.b]);
    };
    // By weight: the heavy model is in every battle (p ≈ 0.9998 each with these weights).
    for (const pair of await drawn(3, 'heavy')) expect(pair).toContain('demo-cobalt');

    const off = await call<AdminModel>(arena, 'PATCH', '/api/admin/models/demo-cobalt', { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: 'demo-cobalt', enabled: false, weight: 10_000 });
    for (const pair of await drawn(3, 'disabled')) expect(pair).not.toContain('demo-cobalt');
    const models = arena.app.get(ModelsService);
    for (let i = 0; i < 500; i++) expect(models.pickPair().map((m) => m.ref.id)).not.toContain('demo-cobalt');
    const publicList = await getJson<PublicModel[]>(`${arena.url}/api/models`);
    expect(publicList.body.map((m) => m.id)).toEqual(['demo-atlas', 'demo-breeze']);

    // Two enabled models left: disabling either is refused, and nothing changes.
    const refused = await call(arena, 'PATCH', '/api/admin/models/demo-atlas', { enabled: false });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'not_allowed', message: expect.stringContaining('two') });
    const after = (await call<AdminModel[]>(arena, 'GET', '/api/admin/models')).body;
    expect(after.filter((m) => m.enabled).map((m) => m.id)).toEqual(['demo-atlas', 'demo-breeze']);
  });

  it('refuses bad model input with 400 invalid_input (or 404, 403) and changes nothing', async () => {
    const before = await db.query<unknown[]>('SELECT * FROM models ORDER BY id');
    const bad: [string, string, unknown, number, string][] = [
      ['PATCH', '/api/admin/models/demo-atlas', {}, 400, 'invalid_input'],
      ['PATCH', '/api/admin/models/demo-atlas', { enabled: 'no' }, 400, 'invalid_input'],
      ['PATCH', '/api/admin/models/demo-atlas', { weight: -1 }, 400, 'invalid_input'],
      ['PATCH', '/api/admin/models/demo-atlas', { weight: 0 }, 400, 'invalid_input'],
      ['PATCH', '/api/admin/models/demo-atlas', { enabled: true, provider: 'openai' }, 400, 'invalid_input'],
      ['PATCH', '/api/admin/models/no-such-model', { enabled: true }, 404, 'not_found'],
      ['PATCH', '/api/admin/models/bad%20id', { enabled: true }, 400, 'invalid_input'],
      ['POST', '/api/admin/models', { id: 'x', name: 'X', provider: 'openai' }, 400, 'invalid_input'],
      ['POST', '/api/admin/models', { id: 'x', name: 'X', provider: 'demo', style: 'cobol' }, 400, 'invalid_input'],
      ['POST', '/api/admin/models', { id: 'x y', name: 'X', provider: 'demo', style: 'python' }, 400, 'invalid_input'],
      ['POST', '/api/admin/models', [], 400, 'invalid_input'],
      [
        'POST',
        '/api/admin/models',
        { id: 'demo-atlas', name: 'A', provider: 'demo', style: 'python' },
        403,
        'not_allowed',
      ],
      [
        'POST',
        '/api/admin/models',
        {
          id: 'leak',
          name: 'L',
          provider: 'openai',
          model: 'm',
          baseUrl: 'http://127.0.0.1:9',
          apiKeyEnv: 'DATABASE_URL',
        },
        400,
        'invalid_input',
      ],
      [
        'POST',
        '/api/admin/models',
        { id: 'nokey', name: 'N', provider: 'anthropic', model: 'm', apiKeyEnv: 'ARENA_UNSET_TEST_API_KEY' },
        400,
        'invalid_input',
      ],
      [
        'POST',
        '/api/admin/models',
        {
          id: 'nofile',
          name: 'N',
          provider: 'replay',
          answersFile: '/nowhere/a.jsonl',
          questionsFile: '/nowhere/q.jsonl',
        },
        400,
        'invalid_input',
      ],
    ];
    for (const [method, route, body, status, code] of bad) {
      const answer = await call(arena, method, route, body);
      expect(answer.status, `${method} ${route} ${JSON.stringify(body)}`).toBe(status);
      expect(answer.body.error?.code).toBe(code);
    }
    const broken = await fetch(`${arena.url}/api/admin/models`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{"id": ',
    });
    expect(broken.status).toBe(400);
    expect(await db.query<unknown[]>('SELECT * FROM models ORDER BY id')).toEqual(before);
  });

  it('adds a model from a models-file entry: drawn for new battles at once, kept in the database', async () => {
    const entry = { id: 'demo-dune', name: 'Demo Dune', provider: 'demo', style: 'typescript', tokensPerSecond: 2000 };
    const added = await call<AdminModel>(arena, 'POST', '/api/admin/models', entry);
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      id: 'demo-dune',
      name: 'Demo Dune',
      provider: 'demo',
      enabled: true,
      weight: 1,
      source: 'database',
    });
    const listed = (await call<AdminModel[]>(arena, 'GET', '/api/admin/models')).body;
    expect(listed.map((m) => [m.id, m.source, m.enabled])).toEqual([
      ['demo-atlas', 'file', true],
      ['demo-breeze', 'file', true],
      ['demo-cobalt', 'file', false],
      ['demo-dune', 'database', true],
    ]);
    expect(await db.query('SELECT spec FROM models WHERE id = $1', ['demo-dune'])).toEqual([
      { spec: { ...entry, weight: 1 } },
    ]);
    const weighted = await call<AdminModel>(arena, 'PATCH', '/api/admin/models/demo-dune', { weight: 10_000 });
    expect(weighted.body.weight).toBe(10_000);
    const creator = await client();
    const battleId = await battle(creator, 'Print hello from the new model');
    const [row] = await db.query<{ a: string; b: string }[]>(
      'SELECT model_a_id AS a, model_b_id AS b FROM battles WHERE id = $1',
      [battleId],
    );
    expect([row!.a, row!.b]).toContain('demo-dune');
    expect((await call(arena, 'PATCH', '/api/admin/models/demo-dune', { weight: 1 })).status).toBe(200);
  });

  it('hides a battle from the lists, REST, watching, the leaderboard and every data set', async () => {
    const creator = await client();
    const kept = await battle(creator, 'Print the primes below 20', 'model_a');
    const hidden = await battle(creator, 'Print a triangle of stars', 'model_b');
    // The judges' verdicts are made after the vote: wait for the hidden battle's, so the judgements set has one.
    for (
      let i = 0;
      i < 200 && (await count('SELECT count(*) AS n FROM judgements WHERE battle_id = $1', [hidden])) === 0;
      i++
    )
      await new Promise((resolve) => setTimeout(resolve, 100));
    const boardBefore = (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body;
    const recent = async (): Promise<string[]> =>
      (await getJson<BattleListItem[]>(`${arena.url}/api/battles?status=recent&limit=100`)).body.map((b) => b.battleId);
    const datasets = async (): Promise<Record<string, string[]>> => ({
      battles: (await jsonLines(arena, 'battles.jsonl')).map((r) => String(r['question_id'])),
      bigcodereward: (await jsonLines(arena, 'bigcodereward.jsonl')).map((r) => String(r['chat_session_id'])),
      judgements: (await jsonLines(arena, 'judgements.jsonl')).map((r) => String(r['battle_id'])),
    });
    const summaries = async (): Promise<Record<string, number>> =>
      Object.fromEntries(
        (await getJson<DatasetSummary[]>(`${arena.url}/api/datasets`)).body.map((s) => [s.name, s.rows]),
      );
    expect(await recent()).toContain(hidden);
    const setsBefore = await datasets();
    for (const name of ['battles', 'bigcodereward', 'judgements']) expect(setsBefore[name]).toContain(hidden);
    const countsBefore = await summaries();
    // A live battle, open for its vote, is in the live list until it is hidden.
    const live = await battle(creator, 'Print the alphabet backwards');
    const liveList = async (): Promise<string[]> =>
      (await getJson<BattleListItem[]>(`${arena.url}/api/battles?status=live&limit=100`)).body.map((b) => b.battleId);
    expect(await liveList()).toContain(live);

    const answer = await call<AdminHideResult>(arena, 'POST', `/api/admin/battles/${hidden}/hide`);
    expect(answer.status).toBe(200);
    expect(answer.body.battleId).toBe(hidden);
    const again = await call<AdminHideResult>(arena, 'POST', `/api/admin/battles/${hidden}/hide`);
    expect(again.body.hiddenAt).toBe(answer.body.hiddenAt);
    expect((await call(arena, 'POST', `/api/admin/battles/${live}/hide`)).status).toBe(200);

    expect(await recent()).not.toContain(hidden);
    expect(await recent()).toContain(kept);
    expect(await liveList()).not.toContain(live);
    for (const id of [hidden, live]) {
      const rest = await getJson<{ error: { code: string } }>(`${arena.url}/api/battles/${id}`);
      expect(rest.status).toBe(404);
      expect(rest.body.error.code).toBe('not_found');
      const watcher = await client();
      const watched = await watcher.socket.emitWithAck('battle:watch', { battleId: id });
      expect(watched.ok ? 'ok' : watched.error.code).toBe('not_found');
    }
    expect((await getJson(`${arena.url}/api/battles/${kept}`)).status).toBe(200);
    const boardAfter = (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body;
    expect(boardAfter.hygiene.input).toBe(boardBefore.hygiene.input - 1);
    const jsonl = await (await fetch(`${arena.url}/api/leaderboard/battles.jsonl`)).text();
    expect(jsonl).not.toContain(hidden);
    const setsAfter = await datasets();
    for (const name of ['battles', 'bigcodereward', 'judgements']) {
      expect(setsAfter[name]).not.toContain(hidden);
      expect(setsAfter[name]!.length).toBe(setsBefore[name]!.filter((id) => id !== hidden).length);
    }
    expect(setsAfter['battles']).toContain(kept);
    const countsAfter = await summaries();
    expect(countsAfter['battles']).toBe(countsBefore['battles']! - 1);
    expect(countsAfter['judgements']).toBe(
      countsBefore['judgements']! - setsBefore['judgements']!.filter((id) => id === hidden).length,
    );
    const csv = await (await fetch(`${arena.url}/api/datasets/battles.csv`)).text();
    expect(csv).not.toContain(hidden);

    expect((await call(arena, 'POST', '/api/admin/battles/7d3b8f0a-3c1e-4c53-9a4e-2f1d5b6c7e8f/hide')).status).toBe(
      404,
    );
    const badId = await call(arena, 'POST', '/api/admin/battles/not-a-uuid/hide');
    expect([badId.status, badId.body.error?.code]).toEqual([400, 'invalid_input']);
    expect(await count('SELECT count(*) AS n FROM hidden_battles')).toBe(2);

    // An operator's mistake is undone: the battle is back everywhere it was.
    const shown = await call<AdminShowResult>(arena, 'DELETE', `/api/admin/battles/${hidden}/hide`);
    expect([shown.status, shown.body]).toEqual([200, { battleId: hidden, hidden: false }]);
    expect((await call(arena, 'DELETE', `/api/admin/battles/${hidden}/hide`)).status).toBe(200);
    expect((await call(arena, 'DELETE', '/api/admin/battles/7d3b8f0a-3c1e-4c53-9a4e-2f1d5b6c7e8f/hide')).status).toBe(
      404,
    );
    expect(await recent()).toContain(hidden);
    expect((await getJson(`${arena.url}/api/battles/${hidden}`)).status).toBe(200);
    const watcher = await client();
    expect((await watcher.socket.emitWithAck('battle:watch', { battleId: hidden })).ok).toBe(true);
    expect((await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body.hygiene.input).toBe(
      boardBefore.hygiene.input,
    );
    expect(await datasets()).toEqual(setsBefore);
    expect(await summaries()).toEqual(countsBefore);
    // A live battle shown again is in the live list again.
    expect((await call(arena, 'DELETE', `/api/admin/battles/${live}/hide`)).status).toBe(200);
    expect(await liveList()).toContain(live);
    expect(await count('SELECT count(*) AS n FROM hidden_battles')).toBe(0);
    // Hidden again (the tests that follow count on both): gone again.
    for (const id of [hidden, live])
      expect((await call(arena, 'POST', `/api/admin/battles/${id}/hide`)).status).toBe(200);
    expect(await recent()).not.toContain(hidden);
    expect(await liveList()).not.toContain(live);
    expect(await count('SELECT count(*) AS n FROM hidden_battles')).toBe(2);
  });

  it('bans a voter by hash: their votes leave the leaderboard and data sets, their new votes and battles are refused', async () => {
    const banned = await client();
    const other = await client();
    const theirs = [
      await battle(banned, 'Print the first ten squares', 'model_a'),
      await battle(banned, 'Print a multiplication table', 'tie'),
    ];
    const pending = await battle(banned, 'Print fizzbuzz to 15');
    const others = await battle(other, 'Print the Fibonacci numbers below 50', 'model_b');
    const rows = await jsonLines(arena, 'battles.jsonl');
    const hashOf = (battleId: string): string => String(rows.find((r) => r['question_id'] === battleId)!['judge']);
    const voterHash = hashOf(theirs[0]!);
    expect(hashOf(theirs[1]!)).toBe(voterHash);
    expect(hashOf(others)).not.toBe(voterHash);
    const boardBefore = (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body;
    const summaryBefore = (await getJson<DatasetSummary[]>(`${arena.url}/api/datasets`)).body;

    for (const bad of ['0123', 'G123456789abcdef0123456789abcdef', `${voterHash}00`, voterHash.toUpperCase()]) {
      const answer = await call(arena, 'POST', `/api/admin/voters/${bad}/ban`);
      expect([answer.status, answer.body.error?.code], bad).toEqual([400, 'invalid_input']);
    }
    const nobody = await call(arena, 'POST', '/api/admin/voters/0123456789abcdef0123456789abcdef/ban');
    expect([nobody.status, nobody.body.error?.code]).toEqual([404, 'not_found']);
    expect(await count('SELECT count(*) AS n FROM voter_bans')).toBe(0);

    const answer = await call<AdminBanResult>(arena, 'POST', `/api/admin/voters/${voterHash}/ban`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ voterHash, votes: 2 });
    const again = await call<AdminBanResult>(arena, 'POST', `/api/admin/voters/${voterHash}/ban`);
    expect(again.body.bannedAt).toBe(answer.body.bannedAt);

    const boardAfter = (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body;
    expect(boardAfter.hygiene.input).toBe(boardBefore.hygiene.input - 2);
    for (const file of ['battles.jsonl', 'bigcodereward.jsonl']) {
      const ids = (await jsonLines(arena, file)).map((r) => String(r['question_id'] ?? r['chat_session_id']));
      for (const id of theirs) expect(ids, file).not.toContain(id);
      expect(ids, file).toContain(others);
    }
    expect((await jsonLines(arena, 'battles.jsonl')).map((r) => r['judge'])).not.toContain(voterHash);
    const summaryAfter = (await getJson<DatasetSummary[]>(`${arena.url}/api/datasets`)).body;
    const rowsOf = (list: DatasetSummary[], name: string): number => list.find((s) => s.name === name)!.rows;
    expect(rowsOf(summaryAfter, 'battles')).toBe(rowsOf(summaryBefore, 'battles') - 2);

    const vote = await banned.socket.emitWithAck('battle:vote', { battleId: pending, winner: 'model_a' });
    expect(vote.ok ? 'ok' : vote.error.code).toBe('not_allowed');
    const create = await banned.socket.emitWithAck('battle:create', { prompt: 'Print one more thing' });
    expect(create.ok ? 'ok' : create.error.code).toBe('not_allowed');
    expect(create.ok ? '' : create.error.message).toContain('banned');
    // The same voter id on a new connection is the same voter.
    const back = await client(banned.voterId);
    const retry = await back.socket.emitWithAck('battle:create', { prompt: 'Print it again' });
    expect(retry.ok ? 'ok' : retry.error.code).toBe('not_allowed');
    expect(await count('SELECT count(*) AS n FROM votes WHERE battle_id = $1', [pending])).toBe(0);
    // Everyone else goes on.
    await battle(other, 'Print the days of the week', 'model_a');

    // The ban is lifted (an appeal): the votes count again, and the voter votes and starts battles.
    const lifted = await call<AdminUnbanResult>(arena, 'DELETE', `/api/admin/voters/${voterHash}/ban`);
    expect([lifted.status, lifted.body]).toEqual([200, { voterHash, banned: false, votes: 2 }]);
    const liftedAgain = await call(arena, 'DELETE', `/api/admin/voters/${voterHash}/ban`);
    expect([liftedAgain.status, liftedAgain.body.error?.code]).toEqual([404, 'not_found']);
    const badLift = await call(arena, 'DELETE', '/api/admin/voters/0123/ban');
    expect([badLift.status, badLift.body.error?.code]).toEqual([400, 'invalid_input']);
    const boardLifted = (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body;
    expect(boardLifted.hygiene.input).toBe(boardAfter.hygiene.input + 3);
    const idsLifted = (await jsonLines(arena, 'battles.jsonl')).map((r) => String(r['question_id']));
    for (const id of theirs) expect(idsLifted).toContain(id);
    const voteNow = await back.socket.emitWithAck('battle:vote', { battleId: pending, winner: 'model_a' });
    expect(voteNow.ok).toBe(true);
    await battle(back, 'Print one more thing', 'tie');
    expect(await count('SELECT count(*) AS n FROM voter_bans')).toBe(0);
    // Banned again (the tests that follow count on it): refused again.
    const rebanned = await call<AdminBanResult>(arena, 'POST', `/api/admin/voters/${voterHash}/ban`);
    expect(rebanned.body).toMatchObject({ voterHash, votes: 4 });
    const refused = await back.socket.emitWithAck('battle:create', { prompt: 'Print once more' });
    expect(refused.ok ? 'ok' : refused.error.code).toBe('not_allowed');
  });

  it('lists voting sessions and ends one: its open vote is closed, nobody joins, starts or votes after', async () => {
    const host = await client();
    const created = await host.socket.emitWithAck('session:create', { title: 'Friday night' });
    if (!created.ok) throw new Error(created.error.message);
    const { sessionId, joinCode, hostKey } = created;
    const guest = await client();
    const joined = await guest.socket.emitWithAck('session:join', { joinCode, nickname: 'Ada' });
    expect(joined.ok).toBe(true);
    const started = await host.socket.emitWithAck('session:battle', { sessionId, hostKey, prompt: 'Print hello' });
    if (!started.ok) throw new Error(started.error.message);
    await waitForFrame(host, statusIs(started.battleId, 'voting'));
    const voted = await guest.socket.emitWithAck('session:vote', {
      sessionId,
      battleId: started.battleId,
      winner: 'model_a',
    });
    expect(voted.ok).toBe(true);

    const listed = await call<AdminSession[]>(arena, 'GET', '/api/admin/sessions');
    expect(listed.status).toBe(200);
    expect(listed.body.find((s) => s.sessionId === sessionId)).toMatchObject({
      title: 'Friday night',
      joinCode,
      endedAt: null,
      participants: 1,
      battles: 1,
      currentBattleId: started.battleId,
    });

    const ended = await call<AdminSessionEndResult>(arena, 'POST', `/api/admin/sessions/${sessionId}/end`);
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ sessionId, closedBattleId: started.battleId });
    const state = await waitForFrame(
      guest,
      (f) => f.event === 'session:state' && (f.payload as SessionSnapshot).endedAt !== undefined,
    );
    expect((state.payload as SessionSnapshot).battles[0]).toMatchObject({ status: 'revealed', winner: 'model_a' });
    const again = await call<AdminSessionEndResult>(arena, 'POST', `/api/admin/sessions/${sessionId}/end`);
    expect(again.body.endedAt).toBe(ended.body.endedAt);
    expect(again.body.closedBattleId).toBeUndefined();

    const late = await client();
    const join = await late.socket.emitWithAck('session:join', { joinCode, nickname: 'Late' });
    expect(join.ok ? 'ok' : join.error.code).toBe('not_allowed');
    const battle2 = await host.socket.emitWithAck('session:battle', { sessionId, hostKey, prompt: 'Print more' });
    expect(battle2.ok ? 'ok' : battle2.error.code).toBe('not_allowed');
    const listedAfter = (await call<AdminSession[]>(arena, 'GET', '/api/admin/sessions?limit=5')).body;
    expect(listedAfter.find((s) => s.sessionId === sessionId)?.endedAt).toBe(ended.body.endedAt);
    expect((await getJson<SessionSnapshot>(`${arena.url}/api/sessions/${sessionId}`)).body.endedAt).toBe(
      ended.body.endedAt,
    );

    const unknown = await call(arena, 'POST', '/api/admin/sessions/7d3b8f0a-3c1e-4c53-9a4e-2f1d5b6c7e8f/end');
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'not_found']);
    const bad = await call(arena, 'POST', '/api/admin/sessions/nope/end');
    expect([bad.status, bad.body.error?.code]).toEqual([400, 'invalid_input']);
    const badQuery = await call(arena, 'GET', '/api/admin/sessions?limit=0');
    expect([badQuery.status, badQuery.body.error?.code]).toEqual([400, 'invalid_input']);
    expect(await count('SELECT count(*) AS n FROM sessions WHERE ended_at IS NOT NULL')).toBe(1);
  });

  it('reports the load: live battles, runs, sockets and watchers of this process, and the last hour', async () => {
    const watcher = await client();
    const creator = await client();
    const battleId = await battle(creator, 'Print the load test');
    const watched = await watcher.socket.emitWithAck('battle:watch', { battleId });
    expect(watched.ok).toBe(true);
    const answer = await call<AdminLoad>(arena, 'GET', '/api/admin/load');
    expect(answer.status).toBe(200);
    const { process: here, arena: recent } = answer.body;
    expect(here.liveBattles.voting).toBeGreaterThanOrEqual(1);
    expect(here.runsInProgress).toBeGreaterThanOrEqual(0);
    expect(here.sockets).toBe(clients.filter((c) => c.socket.connected).length);
    expect(here.watchers).toBeGreaterThanOrEqual(1);
    expect(recent.battlesLastHour).toBe(await count('SELECT count(*) AS n FROM battles'));
    expect(recent.votesLastHour).toBe(await count('SELECT count(*) AS n FROM votes'));
    expect(recent).toMatchObject({ hiddenBattles: 2, bannedVoters: 1, sessionsLastDay: 0 });
  });

  it('audits every admin action in one structured line, without the token', async () => {
    const audit = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['audit'] === 'admin');
    const seen = (action: string, outcome: string, target?: string): boolean =>
      audit.some(
        (l) => l['action'] === action && l['outcome'] === outcome && (target === undefined || l['target'] === target),
      );
    expect(seen('models.list', 'ok')).toBe(true);
    expect(seen('models.update', 'ok', 'demo-cobalt')).toBe(true);
    expect(seen('models.update', 'not_allowed', 'demo-atlas')).toBe(true);
    expect(seen('models.update', 'invalid_input', 'demo-atlas')).toBe(true);
    expect(seen('models.add', 'ok', 'demo-dune')).toBe(true);
    expect(seen('models.add', 'invalid_input', 'leak')).toBe(true);
    expect(seen('battles.hide', 'ok')).toBe(true);
    expect(seen('battles.hide', 'invalid_input', 'not-a-uuid')).toBe(true);
    expect(seen('voters.ban', 'ok')).toBe(true);
    expect(seen('voters.ban', 'not_found', '0123456789abcdef0123456789abcdef')).toBe(true);
    expect(seen('sessions.list', 'ok')).toBe(true);
    expect(seen('sessions.end', 'ok')).toBe(true);
    expect(seen('load.read', 'ok')).toBe(true);
    expect(seen('models.list', 'unauthorized')).toBe(true);
    for (const line of audit) {
      expect(Object.keys(line)).toEqual(expect.arrayContaining(['action', 'outcome', 'address']));
      expect(line['address']).toMatch(/127\.0\.0\.1/);
    }
    expect(lines.filter((line) => line.includes(TOKEN))).toEqual([]);
    expect(lines.filter((line) => line.includes(TOKEN.slice(0, 12)))).toEqual([]);
  });

  it('rate limits admin requests per address, before the token is checked', async () => {
    let limited: Answer<unknown> | undefined;
    for (let i = 0; i < 320 && !limited; i++) {
      const answer = await call(arena, 'GET', '/api/admin/load', undefined, i % 2 ? TOKEN : 'wrong-token');
      if (answer.status === 429) limited = answer;
    }
    expect(limited?.body.error?.code).toBe('rate_limited');
    expect((await call(arena, 'GET', '/api/admin/load')).status).toBe(429);
    expect(lines.some((line) => line.includes('"outcome":"rate_limited"'))).toBe(true);
  });

  it('keeps every change across a restart: added and disabled models, hidden battles, bans', async () => {
    await arena.close();
    arena = await start();
    db = arena.app.get(DataSource);
    const listed = (await call<AdminModel[]>(arena, 'GET', '/api/admin/models')).body;
    expect(listed.map((m) => [m.id, m.source, m.enabled, m.weight])).toEqual([
      ['demo-atlas', 'file', true, 1],
      ['demo-breeze', 'file', true, 1],
      ['demo-cobalt', 'file', false, 10_000],
      ['demo-dune', 'database', true, 1],
    ]);
    expect((await getJson<PublicModel[]>(`${arena.url}/api/models`)).body.map((m) => m.id)).toEqual([
      'demo-atlas',
      'demo-breeze',
      'demo-dune',
    ]);
    const hidden = await db.query<{ id: string }[]>('SELECT battle_id AS id FROM hidden_battles');
    for (const { id } of hidden) expect((await getJson(`${arena.url}/api/battles/${id}`)).status).toBe(404);
    const [ban] = await db.query<{ voter_id: string }[]>('SELECT voter_id FROM voter_bans');
    const banned = await client(ban!.voter_id);
    const create = await banned.socket.emitWithAck('battle:create', { prompt: 'Print after the restart' });
    expect(create.ok ? 'ok' : create.error.code).toBe('not_allowed');
  });
});

describe('administration in a cluster (Redis, one PostgreSQL database)', () => {
  it('reaches every process: model settings, a hidden battle another process runs, the leaderboards', async () => {
    const env = {
      REDIS_URL: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `arena-admin-${process.pid}-${Date.now()}`,
      ARENA_ADMIN_TOKEN: TOKEN,
      ARENA_LEADERBOARD_BOOTSTRAP: '0',
      ARENA_MIN_BATTLES: '0',
      DOCKER_HOSTS: 'none',
      ARENA_PYODIDE: 'off',
    };
    const one = await startTestArena({ database: 'postgres', models: MODELS, env });
    const two = await startTestArena({
      database: 'embedded',
      models: MODELS,
      env: { ...env, DATABASE_URL: one.databaseUrl! },
    });
    const clients: Client[] = [];
    const until = async (check: () => Promise<boolean>): Promise<boolean> => {
      for (let i = 0; i < 100; i++) {
        if (await check()) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return false;
    };
    try {
      const creator = await connectClient(one.url);
      clients.push(creator);
      const voted = await battle(creator, 'Print the first ten primes', 'model_a');
      const open = await battle(creator, 'Print the first ten squares');
      // Two hears one (the bus has learnt of the other process).
      const cluster = two.app.get(ClusterBus);
      expect(await until(async () => (await cluster.watchRemote(open, '')) !== null)).toBe(true);
      const board = async (arena: TestArena): Promise<number> =>
        (await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`)).body.hygiene.input;
      expect(await board(two)).toBe(1);

      expect((await call(one, 'PATCH', '/api/admin/models/demo-cobalt', { enabled: false })).status).toBe(200);
      const publicIds = async (arena: TestArena): Promise<string[]> =>
        (await getJson<PublicModel[]>(`${arena.url}/api/models`)).body.map((m) => m.id);
      expect(await until(async () => !(await publicIds(two)).includes('demo-cobalt'))).toBe(true);
      for (let i = 0; i < 200; i++)
        expect(
          two.app
            .get(ModelsService)
            .pickPair()
            .map((m) => m.ref.id),
        ).not.toContain('demo-cobalt');

      // Hidden through two: one, which runs the open battle, stops showing it; two's leaderboard drops the other.
      expect((await call(two, 'POST', `/api/admin/battles/${open}/hide`)).status).toBe(200);
      expect((await call(one, 'POST', `/api/admin/battles/${voted}/hide`)).status).toBe(200);
      const live = async (): Promise<string[]> =>
        (await getJson<BattleListItem[]>(`${one.url}/api/battles?status=live`)).body.map((b) => b.battleId);
      expect(await until(async () => !(await live()).includes(open))).toBe(true);
      expect((await getJson(`${one.url}/api/battles/${open}`)).status).toBe(404);
      expect((await getJson(`${two.url}/api/battles/${open}`)).status).toBe(404);
      expect(await until(async () => (await board(two)) === 0)).toBe(true);

      // Shown again through two: one shows its open battle again, and two's leaderboard counts the other.
      expect((await call(two, 'DELETE', `/api/admin/battles/${open}/hide`)).status).toBe(200);
      expect((await call(one, 'DELETE', `/api/admin/battles/${voted}/hide`)).status).toBe(200);
      expect(await until(async () => (await live()).includes(open))).toBe(true);
      expect((await getJson(`${two.url}/api/battles/${open}`)).status).toBe(200);
      expect(await until(async () => (await board(two)) === 1)).toBe(true);
    } finally {
      for (const c of clients) c.socket.disconnect();
      await two.stop();
      await one.stop();
    }
  });
});
