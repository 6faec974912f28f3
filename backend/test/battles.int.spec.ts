import {
  applyBattleEvent,
  newBattleSnapshot,
  type BattleEvent,
  type BattleSnapshot,
  type GenDelta,
} from '@arena/contracts';
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
import {
  DATABASES,
  FAST_DEMO_MODELS,
  connectClient,
  getJson,
  startTestArena,
  statusIs,
  waitForFrame,
  type RecordedFrame,
  type TestArena,
} from './support/test-arena.js';

const MODEL_STRINGS = FAST_DEMO_MODELS.flatMap((m) => [m.id, m.name, 'Atlas', 'Breeze']);

function rebuild(snapshot: BattleSnapshot, frames: RecordedFrame[]): BattleSnapshot {
  const copy = structuredClone(snapshot);
  for (const frame of frames) {
    const result = applyBattleEvent(copy, frame as BattleEvent);
    expect(result, `frame ${frame.event} must not leave a gap`).not.toBe('gap');
  }
  return copy;
}

async function tableCounts(dataSource: DataSource): Promise<Record<string, number>> {
  const entities = { BattleEntity, TurnEntity, SideMessageEntity, CodeExtractionEntity, ExecutionEntity, VoteEntity };
  const out: Record<string, number> = {};
  for (const [name, entity] of Object.entries(entities)) out[name] = await dataSource.getRepository(entity).count();
  return out;
}

describe.each(DATABASES)('battles on %s', (database) => {
  let arena: TestArena;
  let dataSource: DataSource;

  beforeAll(async () => {
    arena = await startTestArena({ database });
    dataSource = arena.app.get(DataSource);
  });
  afterAll(async () => {
    await arena.stop();
  });

  it('runs a battle end to end: streams, extracts and runs code, spectates mid-stream, votes, reveals, persists', async () => {
    const voter = await connectClient(arena.url);
    const created = await voter.socket.emitWithAck('battle:create', { prompt: 'Print the first 20 Fibonacci numbers' });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const { battleId } = created;

    // A spectator joins once the stream has started.
    await waitForFrame(voter, (f) => f.event === 'gen:delta');
    const spectator = await connectClient(arena.url);
    const watched = await spectator.socket.emitWithAck('battle:watch', { battleId });
    expect(watched.ok).toBe(true);
    if (!watched.ok) return;
    expect(watched.snapshot.models).toBeUndefined();
    expect(watched.snapshot.spectators).toBe(1);
    // Only its creator is told the battle is theirs (to vote on, continue and run).
    expect(watched.yours).toBe(false);
    expect(await voter.socket.emitWithAck('battle:watch', { battleId })).toMatchObject({ ok: true, yours: true });
    await waitForFrame(
      voter,
      (f) => f.event === 'battle:presence' && (f.payload as { spectators: number }).spectators === 1,
    );

    await waitForFrame(voter, statusIs(battleId, 'voting'));
    await waitForFrame(spectator, statusIs(battleId, 'voting'));

    // Deltas: first at once, then coalesced; sequence numbers increase by one per side.
    const deltas = voter.frames.filter((f) => f.event === 'gen:delta').map((f) => f.payload as GenDelta);
    for (const side of ['a', 'b'] as const) {
      const seqs = deltas.filter((d) => d.side === side).map((d) => d.seq);
      expect(seqs.length).toBeGreaterThan(1);
      expect(seqs).toEqual(seqs.map((_, i) => i));
    }

    // Both clients rebuild the same battle from what they received; it matches the server's snapshot.
    const fromCreator = rebuild(newBattleSnapshot(battleId, 'Print the first 20 Fibonacci numbers'), voter.frames);
    const fromSpectator = rebuild(watched.snapshot, spectator.frames);
    const server = await getJson<BattleSnapshot>(`${arena.url}/api/battles/${battleId}`);
    expect(server.status).toBe(200);
    for (const side of ['a', 'b'] as const) {
      const expected = server.body.turns[0]!.sides[side];
      expect(fromCreator.turns[0]!.sides[side].text).toBe(expected.text);
      expect(fromSpectator.turns[0]!.sides[side].text).toBe(expected.text);
      expect(fromSpectator.turns[0]!.sides[side].runs.map((r) => r.output)).toEqual(expected.runs.map((r) => r.output));
      expect(expected.code?.environment).toMatch(/^(javascript|typescript)$/);
      expect(expected.runs[0]?.status).toBe('ok');
      expect(expected.runs[0]?.output).toContain('0, 1, 1, 2, 3, 5, 8');
    }

    const vote = await voter.socket.emitWithAck('battle:vote', { battleId, winner: 'model_b' });
    expect(vote.ok).toBe(true);
    if (!vote.ok) return;
    expect([vote.models.a.id, vote.models.b.id].sort()).toEqual(['demo-atlas', 'demo-breeze']);
    const revealed = await waitForFrame(spectator, (f) => f.event === 'battle:revealed');
    expect(revealed.payload).toMatchObject({ battleId, models: vote.models, winner: 'model_b' });

    // Everything was persisted.
    const battle = await dataSource.getRepository(BattleEntity).findOneByOrFail({ id: battleId });
    expect(battle).toMatchObject({ status: 'revealed', winner: 'model_b', modelAId: vote.models.a.id });
    const votes = await dataSource.getRepository(VoteEntity).findBy({ battleId });
    expect(votes).toHaveLength(1);
    expect(votes[0]).toMatchObject({ voterId: voter.voterId, winner: 'model_b' });
    const messages = await dataSource.getRepository(SideMessageEntity).findBy({ battleId });
    expect(messages.map((m) => m.finishReason)).toEqual(['stop', 'stop']);
    for (const m of messages) expect(m.text).toBe(server.body.turns[0]!.sides[m.side].text);
    const executions = await dataSource.getRepository(ExecutionEntity).findBy({ battleId });
    expect(executions.map((e) => e.status)).toEqual(['ok', 'ok']);
    expect(executions.every((e) => e.stdout.includes('0, 1, 1, 2'))).toBe(true);
    expect(await dataSource.getRepository(CodeExtractionEntity).countBy({ battleId })).toBe(2);

    const after = await getJson<BattleSnapshot>(`${arena.url}/api/battles/${battleId}`);
    expect(after.body.models).toEqual(vote.models);
    voter.socket.disconnect();
    spectator.socket.disconnect();
  });

  it('never names a model to a voter or a spectator before the vote', async () => {
    const voter = await connectClient(arena.url);
    const created = await voter.socket.emitWithAck('battle:create', { prompt: 'Write FizzBuzz for 1 to 15' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    const spectator = await connectClient(arena.url);
    const watched = await spectator.socket.emitWithAck('battle:watch', { battleId });
    const live = await getJson<unknown>(`${arena.url}/api/battles?status=live`);
    const snapshotMid = await getJson<unknown>(`${arena.url}/api/battles/${battleId}`);
    await waitForFrame(voter, statusIs(battleId, 'voting'));
    await waitForFrame(spectator, statusIs(battleId, 'voting'));
    const badVote = await spectator.socket.emitWithAck('battle:vote', { battleId, winner: 'model_a' });
    const snapshotVoting = await getJson<unknown>(`${arena.url}/api/battles/${battleId}`);

    const beforeReveal = JSON.stringify([
      voter.frames,
      spectator.frames,
      watched,
      live.body,
      snapshotMid.body,
      snapshotVoting.body,
      badVote,
    ]);
    expect(voter.frames.length).toBeGreaterThan(5);
    for (const text of MODEL_STRINGS) expect(beforeReveal).not.toContain(text);
    for (const frame of [...voter.frames, ...spectator.frames]) expect(frame.event).not.toBe('battle:revealed');

    const vote = await voter.socket.emitWithAck('battle:vote', { battleId, winner: 'tie' });
    expect(vote.ok).toBe(true);
    const revealed = await waitForFrame(spectator, (f) => f.event === 'battle:revealed');
    expect(JSON.stringify(revealed.payload)).toContain('demo-');
    voter.socket.disconnect();
    spectator.socket.disconnect();
  });

  it('answers bad input with the right error code and changes nothing', async () => {
    const voter = await connectClient(arena.url);
    const other = await connectClient(arena.url);
    const created = await voter.socket.emitWithAck('battle:create', { prompt: 'Check palindromes' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    const early = await voter.socket.emitWithAck('battle:vote', { battleId, winner: 'model_a' });
    expect(early).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    await waitForFrame(voter, statusIs(battleId, 'voting'));
    const before = await tableCounts(dataSource);

    const emit = (event: string, payload: unknown): Promise<unknown> =>
      (voter.socket.emitWithAck as (e: string, p: unknown) => Promise<unknown>)(event, payload);
    const cases: [string, unknown, string, RegExp?][] = [
      ['battle:create', { prompt: 42 }, 'invalid_input', /prompt/],
      ['battle:create', {}, 'invalid_input', /prompt/],
      ['battle:create', 'a string', 'invalid_input'],
      ['battle:create', null, 'invalid_input'],
      ['battle:create', { prompt: '   ' }, 'invalid_input', /empty/],
      ['battle:create', { prompt: 'x'.repeat(16_001) }, 'invalid_input', /at most 16000/],
      ['battle:create', { prompt: 'ok', extra: true }, 'invalid_input'],
      ['battle:watch', { battleId: 'nope' }, 'invalid_input', /battleId/],
      ['battle:watch', { battleId: '00000000-0000-4000-8000-000000000000' }, 'not_found'],
      ['battle:unwatch', {}, 'invalid_input', /battleId/],
      ['battle:vote', { battleId }, 'invalid_input', /winner/],
      ['battle:vote', { battleId, winner: 'model_c' }, 'invalid_input', /winner/],
      ['battle:vote', { battleId: '00000000-0000-4000-8000-000000000000', winner: 'tie' }, 'not_found'],
    ];
    for (const [event, payload, code, message] of cases) {
      const ack = (await emit(event, payload)) as { ok: boolean; error?: { code: string; message: string } };
      expect(ack.ok, `${event} ${JSON.stringify(payload).slice(0, 60)}`).toBe(false);
      expect(ack.error?.code, `${event} ${JSON.stringify(payload).slice(0, 60)}`).toBe(code);
      if (message) expect(ack.error?.message).toMatch(message);
    }
    const stranger = await other.socket.emitWithAck('battle:vote', { battleId, winner: 'model_a' });
    expect(stranger).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    expect(await tableCounts(dataSource)).toEqual(before);

    const first = await voter.socket.emitWithAck('battle:vote', { battleId, winner: 'model_a' });
    expect(first.ok).toBe(true);
    const second = await voter.socket.emitWithAck('battle:vote', { battleId, winner: 'model_b' });
    expect(second).toMatchObject({ ok: false, error: { code: 'already_voted' } });
    const votes = await dataSource.getRepository(VoteEntity).findBy({ battleId });
    expect(votes.map((v) => v.winner)).toEqual(['model_a']);
    expect(voter.socket.connected).toBe(true);
    voter.socket.disconnect();
    other.socket.disconnect();
  });

  it('rejects a socket that speaks another protocol version', async () => {
    await expect(async () => {
      const { io } = await import('socket.io-client');
      const socket = io(`${arena.url}/arena`, {
        transports: ['websocket'],
        auth: { protocol: 2 },
        forceNew: true,
        reconnection: false,
      });
      await new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket.disconnect()));
        socket.once('connect_error', (error) => {
          socket.disconnect();
          reject(error);
        });
      });
    }).rejects.toThrow(/protocol 2 is not supported/);
  });

  it('re-runs a side with edited code and stdin (run:request): streamed to the room, stored with the turn', async () => {
    const voter = await connectClient(arena.url);
    const created = await voter.socket.emitWithAck('battle:create', { prompt: 'Sum numbers from stdin' });
    if (!created.ok) throw new Error(created.error.message);
    const { battleId } = created;
    await waitForFrame(voter, statusIs(battleId, 'voting'));
    const spectator = await connectClient(arena.url);
    expect((await spectator.socket.emitWithAck('battle:watch', { battleId })).ok).toBe(true);

    const code =
      'let total = 0;\nlet line;\nwhile ((line = prompt()) !== null) total += Number(line);\nconsole.log("edited", total);';
    const ack = await voter.socket.emitWithAck('run:request', { battleId, side: 'a', code, stdin: '40\n2\n' });
    if (!ack.ok) throw new Error(ack.error.message);
    const isRun = (event: string) => (f: RecordedFrame) =>
      f.event === event && (f.payload as { runId: string }).runId === ack.runId;
    const end = await waitForFrame(spectator, isRun('run:end'));
    expect(end.payload).toMatchObject({ battleId, side: 'a', status: 'ok' });
    // Everyone sees that it is a re-run, with edited code and stdin.
    expect((await waitForFrame(spectator, isRun('run:start'))).payload).toMatchObject({
      rerun: { edited: true, stdin: true },
    });
    const snapshot = (await getJson<BattleSnapshot>(`${arena.url}/api/battles/${battleId}`)).body;
    expect(snapshot.turns[0]!.sides.a.runs.map((r) => r.rerun)).toEqual([
      undefined,
      { edited: true, stdin: true, code },
    ]);
    const output = spectator.frames.filter(isRun('run:output')).map((f) => (f.payload as { data: string }).data);
    expect(output.join('')).toBe('edited 42\n');
    const stored = await dataSource.getRepository(ExecutionEntity).findOneByOrFail({ id: ack.runId });
    expect(stored).toMatchObject({ battleId, turn: 0, side: 'a', code, stdin: '40\n2\n', status: 'ok' });
    expect(stored.stdout).toBe('edited 42\n');

    // Bad requests change nothing; nobody but the battle's creator runs its code, before the vote or after.
    const before = await dataSource.getRepository(ExecutionEntity).count();
    const stranger = await spectator.socket.emitWithAck('run:request', { battleId, side: 'b', code: 'console.log(1)' });
    expect(stranger.ok ? 'ok' : stranger.error.code).toBe('not_allowed');
    expect((await voter.socket.emitWithAck('battle:vote', { battleId, winner: 'tie' })).ok).toBe(true);
    const after = await spectator.socket.emitWithAck('run:request', { battleId, side: 'b' });
    expect(after.ok ? 'ok' : after.error.code).toBe('not_allowed');
    const unknown = await voter.socket.emitWithAck('run:request', {
      battleId: '00000000-0000-4000-8000-000000000000',
      side: 'a',
    });
    expect(unknown.ok ? 'ok' : unknown.error.code).toBe('not_found');
    const badSide = await voter.socket.emitWithAck('run:request', { battleId, side: 'c' as 'a' });
    expect(badSide.ok ? 'ok' : badSide.error.code).toBe('invalid_input');
    const hugeStdin = await voter.socket.emitWithAck('run:request', { battleId, side: 'b', stdin: 'x'.repeat(70_000) });
    expect(hugeStdin.ok ? 'ok' : hugeStdin.error.code).toBe('invalid_input');
    expect(await dataSource.getRepository(ExecutionEntity).count()).toBe(before);
    voter.socket.disconnect();
    spectator.socket.disconnect();
  });

  it('lists live and recent battles and serves health', async () => {
    const health = await getJson<{
      status: string;
      database: { kind: string; ok: boolean };
      sandboxes: Record<string, string>;
      isolation: Record<string, string>;
      dockerHosts: { name: string; available: boolean }[];
    }>(`${arena.url}/api/health`);
    expect(health.body).toMatchObject({ status: 'ok', database: { kind: database, ok: true } });
    expect(health.body.sandboxes['javascript']).toBe('isolated-vm');
    expect(health.body.isolation['javascript']).toBe('v8-isolate');
    // The test machine runs a Docker engine with the sandbox image (scripts/docker.sh).
    expect(health.body.dockerHosts.some((host) => host.available)).toBe(true);
    for (const language of ['python', 'c', 'cpp', 'java', 'go', 'rust', 'bash']) {
      expect(health.body.sandboxes[language]).toBe('docker');
      expect(health.body.isolation[language]).toBe('container');
    }
    // Live apps and displays (issue 16): every environment has a runner now.
    for (const environment of ['streamlit', 'gradio', 'pygame']) {
      expect(health.body.sandboxes[environment]).toBe('docker');
      expect(health.body.isolation[environment]).toBe('container');
    }
    expect(Object.values(health.body.sandboxes)).not.toContain('unavailable');
    const recent = await getJson<{ battleId: string; promptPreview: string }[]>(
      `${arena.url}/api/battles?status=recent&limit=50`,
    );
    expect(recent.body.length).toBeGreaterThanOrEqual(3);
    expect(recent.body.map((b) => b.promptPreview)).toContain('Check palindromes');
    const bad = await getJson<{ error: { code: string } }>(`${arena.url}/api/battles?limit=1000`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    const missing = await getJson<{ error: { code: string } }>(
      `${arena.url}/api/battles/00000000-0000-4000-8000-000000000000`,
    );
    expect(missing.status).toBe(404);
    const models = await getJson<{ id: string; name: string }[]>(`${arena.url}/api/models`);
    expect(models.body).toEqual(FAST_DEMO_MODELS.map((m) => ({ id: m.id, name: m.name })));

    const metrics = await fetch(`${arena.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toMatch(/^arena_battles_created_total 4$/m);
    expect(text).toMatch(/^arena_votes_total\{winner="model_b"\} 1$/m);
    expect(text).toMatch(
      /^arena_sandbox_runs_total\{environment="(javascript|typescript)",runner="isolated-vm",status="ok"\} \d+$/m,
    );
    // Three battles voted in the tests above, and the re-run test's battle (voted to show runs stay the creator's).
    expect(text).toMatch(/^arena_live_battles\{status="revealed"\} 4$/m);
    expect(text).toMatch(/^arena_socket_connections \d+$/m);
    for (const name of MODEL_STRINGS) expect(text).not.toContain(name);
  });
});
