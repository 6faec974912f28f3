import type { ClientEventName } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from './support/captured-logs.js';
import { connectClient, startTestArena, type TestArena } from './support/test-arena.js';

/**
 * Every client event and every REST route, sent malformed input: NUL characters, huge and deeply nested
 * values, wrong types, unknown keys. Each answer is a typed error (never `internal`, never a 5xx), nothing
 * is stored, no log line carries a value from a request, and the server stays healthy.
 */
const MARK = 'suite-probe-9b2c';
const NUL = `${MARK}\u0000`;

const EVENTS = [
  'battle:create',
  'battle:watch',
  'battle:unwatch',
  'battle:followup',
  'battle:vote',
  'run:request',
  'preview:log',
  'preview:interaction',
  'run:control',
  'session:create',
  'session:join',
  'session:host',
  'session:battle',
  'session:followup',
  'session:vote',
  'session:close',
  'session:remove',
  'session:admit',
  'session:leave',
] as const satisfies readonly ClientEventName[];
// Fails to compile when the protocol gains a client event this suite does not send.
const everyEvent: [Exclude<ClientEventName, (typeof EVENTS)[number]>] extends [never] ? true : false = true;

const FIELDS = [
  'battleId',
  'sessionId',
  'hostKey',
  'runId',
  'participantId',
  'participantIds',
  'joinPolicy',
  'prompt',
  'category',
  'winner',
  'side',
  'code',
  'stdin',
  'entries',
  'events',
  'joinCode',
  'nickname',
  'title',
];

function nested(depth: number): unknown {
  let value: unknown = MARK;
  for (let i = 0; i < depth; i++) value = { [MARK]: value };
  return value;
}

/** Bad values for one field: none of them is valid for any field of the protocol. */
const BAD_VALUES: unknown[] = [
  NUL,
  `${MARK}${'x'.repeat(250_000)}`,
  12345,
  -1,
  true,
  null,
  [NUL],
  Array.from({ length: 5_000 }, () => MARK),
  { [MARK]: NUL },
  nested(200),
];

function payloads(): unknown[] {
  const out: unknown[] = [undefined, null, 0, MARK, NUL, [MARK], {}, nested(1_000), { [NUL]: MARK }];
  for (const field of FIELDS) for (const value of BAD_VALUES) out.push({ [field]: value });
  // Every field at once with a bad but small value, and a prototype key.
  out.push(Object.fromEntries(FIELDS.map((f) => [f, NUL])));
  out.push(JSON.parse(`{"__proto__": {"polluted": "${MARK}"}, "prompt": ${JSON.stringify(NUL)}}`));
  return out;
}

describe('the hostile suite: every client event and REST route, malformed', () => {
  let arena: TestArena;
  let lines: string[] = [];
  let restoreLogs = (): void => undefined;

  beforeAll(async () => {
    ({ lines, restore: restoreLogs } = captureLogs());
    arena = await startTestArena({
      database: 'embedded',
      env: {
        LOG_LEVEL: 'debug',
        ARENA_RATE_LIMITS:
          'create=100000/100000,session=100000/100000,join=100000/100000,vote=100000/100000,run=100000/100000',
      },
    });
  });
  afterAll(async () => {
    await arena?.stop();
    restoreLogs();
  });

  const counts = async (): Promise<Record<string, number>> => {
    const db = arena.app.get(DataSource);
    const tables = ['battles', 'turns', 'executions', 'sessions', 'session_participants', 'votes', 'judgements'];
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = Number((await db.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${t}`))[0]!.n);
    return out;
  };

  it('answers every malformed client event with a typed error and stores nothing', async () => {
    expect(everyEvent).toBe(true);
    const before = await counts();
    const client = await connectClient(arena.url);
    const socket = client.socket as unknown as {
      timeout(ms: number): { emitWithAck(event: string, payload: unknown): Promise<unknown> };
      connected: boolean;
    };
    const codes = new Map<string, number>();
    for (const event of EVENTS) {
      for (const payload of payloads()) {
        const ack = (await socket.timeout(10_000).emitWithAck(event, payload)) as {
          ok: boolean;
          error?: { code: string; message: string };
        };
        const where = `${event} ${JSON.stringify(payload)?.slice(0, 80)}`;
        expect(ack.ok, where).toBe(false);
        expect(ack.error?.code, where).not.toBe('internal');
        expect(ack.error?.message.length ?? 0, where).toBeLessThanOrEqual(400);
        codes.set(ack.error!.code, (codes.get(ack.error!.code) ?? 0) + 1);
      }
    }
    expect(socket.connected).toBe(true);
    expect([...codes.keys()].sort()).toEqual(expect.arrayContaining(['invalid_input']));
    expect(await counts()).toEqual(before);
    client.socket.disconnect();
  });

  it('answers every REST route with hostile ids and queries with a typed 4xx, never a 5xx', async () => {
    const before = await counts();
    // Every GET route the server registered, its parameters filled with hostile values.
    const express = arena.app.getHttpAdapter().getInstance() as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    };
    const routes = express.router.stack
      .map((layer) => layer.route)
      .filter((route): route is { path: string; methods: Record<string, boolean> } => !!route?.methods['get']);
    expect(routes.length).toBeGreaterThan(10);
    const values = [
      NUL,
      `${MARK}${'y'.repeat(5_000)}`,
      '..%2F..%2Fetc%2Fpasswd',
      '%00',
      '-1',
      "'; DROP TABLE votes; --",
    ];
    const queries = [
      '',
      `?since=0000-01-01T00:00:00Z&until=${encodeURIComponent(NUL)}`,
      `?category=${encodeURIComponent(NUL)}&language=${encodeURIComponent(NUL)}&environment=%00`,
      `?limit=${'9'.repeat(400)}&status=${encodeURIComponent(MARK)}&kind=%00`,
      `?${MARK}[a][b][c][d][e][f]=1&${MARK}=${encodeURIComponent('x'.repeat(4_000))}`,
    ];
    let probes = 0;
    for (const route of routes) {
      for (const value of values) {
        const path = route.path.replace(/:[A-Za-z]+/g, encodeURIComponent(value));
        for (const query of queries) {
          const response = await fetch(`${arena.url}${path}${query}`);
          const body = await response.text();
          probes += 1;
          const where = `${route.path} → ${path.slice(0, 60)}${query.slice(0, 40)}: ${response.status}`;
          expect(response.status, where).toBeLessThan(500);
          if (response.status >= 400 && response.headers.get('content-type')?.includes('json')) {
            const error = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
            expect(error?.code, where).toMatch(/^(invalid_input|not_found|not_allowed|rate_limited)$/);
            expect(error?.message?.length ?? 0, where).toBeLessThanOrEqual(400);
          }
        }
      }
    }
    expect(probes).toBeGreaterThan(200);
    expect(await counts()).toEqual(before);
  });

  it('logs no request value, and stays healthy', async () => {
    const health = await fetch(`${arena.url}/api/health`);
    expect(health.status).toBe(200);
    const leaked = lines.filter((line) => line.includes(MARK));
    expect(leaked.map((line) => line.slice(0, 300))).toEqual([]);
    expect(lines.filter((line) => /"level":50/.test(line)).map((line) => line.slice(0, 300))).toEqual([]);
  });
});
