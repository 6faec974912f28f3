import type { LeaderboardResponse, SessionSnapshot, SessionSummary, SessionTallyEvent } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoteEntity } from '../src/battles/entities/index.js';
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

type Client = Awaited<ReturnType<typeof connectClient>>;
const MODEL_STRINGS = FAST_DEMO_MODELS.flatMap((m) => [m.id, m.name]);

function tallyWith(battleId: string, voters: number) {
  return (f: RecordedFrame): boolean =>
    f.event === 'session:tally' &&
    (f.payload as SessionTallyEvent).battleId === battleId &&
    (f.payload as SessionTallyEvent).voters === voters;
}

describe.each(DATABASES)('voting sessions on %s', (database) => {
  let arena: TestArena;
  let dataSource: DataSource;

  beforeAll(async () => {
    arena = await startTestArena({
      database,
      env: { ARENA_SESSION_MAX_PARTICIPANTS: '4', ARENA_RATE_LIMITS: 'session=3/100' },
    });
    dataSource = arena.app.get(DataSource);
  });
  afterAll(async () => {
    await arena.stop();
  });

  it('runs a session battle from start to reveal: shared stream, one vote each, live tally, host closes', async () => {
    const host = await connectClient(arena.url);
    const created = await host.socket.emitWithAck('session:create', { title: 'Friday meetup' });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const { sessionId, joinCode, hostKey } = created;
    expect(joinCode).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);

    // Bad input changes nothing and says which field is wrong.
    const bad = await host.socket.emitWithAck('session:join', { joinCode: 'X', nickname: 'a' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    if (!bad.ok) expect(bad.error.message).toContain('joinCode');
    const unknown = await host.socket.emitWithAck('session:join', { joinCode: 'ZZZZZZ', nickname: 'a' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });

    const people: Client[] = [];
    for (const nickname of ['ada', 'brian', 'chen']) {
      const person = await connectClient(arena.url);
      const joined = await person.socket.emitWithAck('session:join', { joinCode: joinCode.toLowerCase(), nickname });
      expect(joined.ok).toBe(true);
      if (joined.ok) expect(joined.snapshot).toMatchObject({ sessionId, title: 'Friday meetup', battles: [] });
      people.push(person);
    }

    // Only the host key starts battles.
    const forged = await people[0]!.socket.emitWithAck('session:battle', {
      sessionId,
      hostKey: 'x'.repeat(32),
      prompt: 'Print hello',
    });
    expect(forged).toMatchObject({ ok: false, error: { code: 'not_allowed' } });

    const started = await host.socket.emitWithAck('session:battle', {
      sessionId,
      hostKey,
      prompt: 'Print the first 20 Fibonacci numbers',
    });
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    const { battleId } = started;

    // Every participant is in the battle's room without asking: they receive the stream.
    for (const person of people) {
      await waitForFrame(
        person,
        (f) => f.event === 'session:state' && (f.payload as SessionSnapshot).currentBattleId === battleId,
      );
      await waitForFrame(person, (f) => f.event === 'gen:delta');
    }
    const early = await people[0]!.socket.emitWithAck('session:vote', { sessionId, battleId, winner: 'model_a' });
    if (!early.ok) expect(early.error.code).toBe('not_allowed');

    // A second battle cannot start while this one is open.
    const second = await host.socket.emitWithAck('session:battle', { sessionId, hostKey, prompt: 'Another' });
    expect(second).toMatchObject({ ok: false, error: { code: 'not_allowed' } });

    for (const person of people) await waitForFrame(person, statusIs(battleId, 'voting'));

    // A session battle is not voted on alone, and only participants vote.
    const solo = await host.socket.emitWithAck('battle:vote', { battleId, winner: 'model_a' });
    expect(solo).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    const stranger = await connectClient(arena.url);
    const strangerVote = await stranger.socket.emitWithAck('session:vote', { sessionId, battleId, winner: 'model_a' });
    expect(strangerVote).toMatchObject({ ok: false, error: { code: 'not_allowed' } });

    const choices = ['model_a', 'model_a', 'model_b'] as const;
    const votes = await Promise.all(
      people.map((person, i) =>
        person.socket.emitWithAck('session:vote', { sessionId, battleId, winner: choices[i]! }),
      ),
    );
    for (const vote of votes) expect(vote.ok).toBe(true);
    const again = await people[0]!.socket.emitWithAck('session:vote', { sessionId, battleId, winner: 'model_b' });
    expect(again).toMatchObject({ ok: false, error: { code: 'already_voted' } });

    // The live tally reaches everyone: counts only.
    for (const client of [host, ...people]) {
      const tally = await waitForFrame(client, tallyWith(battleId, 3));
      expect(tally.payload).toMatchObject({ counts: { model_a: 2, model_b: 1, tie: 0, 'tie (bothbad)': 0 } });
    }

    // Nothing sent before the close names a model.
    for (const client of [host, ...people]) {
      const text = JSON.stringify(client.frames);
      for (const name of MODEL_STRINGS) expect(text).not.toContain(name);
    }

    // Until the host closes the vote, the leaderboard counts none of its votes: here it reads a standalone
    // vote cast after them, and after the close it still takes them in (it reads by reveal, not vote, time).
    const standalone = await connectClient(arena.url);
    const soloBattle = await standalone.socket.emitWithAck('battle:create', { prompt: 'Print the date' });
    if (!soloBattle.ok) throw new Error(soloBattle.error.message);
    await waitForFrame(standalone, statusIs(soloBattle.battleId, 'voting'));
    expect(
      (await standalone.socket.emitWithAck('battle:vote', { battleId: soloBattle.battleId, winner: 'tie' })).ok,
    ).toBe(true);
    standalone.socket.disconnect();
    const open = await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard`);
    expect(open.body.battles).toBe(1);

    const closed = await host.socket.emitWithAck('session:close', { sessionId, hostKey, battleId });
    expect(closed.ok).toBe(true);
    if (!closed.ok) return;
    expect(closed.tally).toEqual({ counts: { model_a: 2, model_b: 1, tie: 0, 'tie (bothbad)': 0 }, voters: 3 });
    for (const person of people) {
      const revealed = await waitForFrame(person, (f) => f.event === 'battle:revealed');
      expect(revealed.payload).toMatchObject({ battleId, models: closed.models, winner: 'model_a', sessionId });
    }
    // A retry of a counted vote hears it was counted, even after the close.
    const retried = await people[2]!.socket.emitWithAck('session:vote', { sessionId, battleId, winner: 'tie' });
    expect(retried).toMatchObject({ ok: false, error: { code: 'already_voted' } });
    const closedAgain = await host.socket.emitWithAck('session:close', { sessionId, hostKey, battleId });
    expect(closedAgain).toMatchObject({ ok: true, tally: closed.tally });

    // One vote row per participant, marked as a session vote.
    const rows = await dataSource.getRepository(VoteEntity).findBy({ battleId });
    expect(rows.map((r) => r.winner).sort()).toEqual(['model_a', 'model_a', 'model_b']);
    expect(new Set(rows.map((r) => r.sessionId))).toEqual(new Set([sessionId]));

    // A late joiner (and the REST snapshot) get the whole state, the reveal included.
    const lateJoiner = await connectClient(arena.url);
    const joined = await lateJoiner.socket.emitWithAck('session:join', { joinCode, nickname: 'dee' });
    expect(joined.ok).toBe(true);
    if (!joined.ok) return;
    expect(joined.snapshot.participants).toBe(4);
    const late = await lateJoiner.socket.emitWithAck('session:vote', { sessionId, battleId, winner: 'tie' });
    expect(late).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    expect(joined.snapshot.currentBattleId).toBe(battleId);
    expect(joined.snapshot.battles[0]).toMatchObject({
      battleId,
      status: 'revealed',
      tally: closed.tally,
      models: closed.models,
      winner: 'model_a',
    });
    // A reconnecting participant (same voter id) is the same participant and sees its own vote.
    const back = await connectClient(arena.url, people[1]!.voterId);
    const rejoined = await back.socket.emitWithAck('session:join', { joinCode, nickname: 'brian' });
    expect(rejoined.ok && rejoined.snapshot.participants).toBe(4);
    expect(rejoined.ok && rejoined.snapshot.myVotes).toEqual({ [battleId]: 'model_a' });

    // The session is full at four.
    const fifth = await connectClient(arena.url);
    const full = await fifth.socket.emitWithAck('session:join', { joinCode, nickname: 'eve' });
    expect(full).toMatchObject({ ok: false, error: { code: 'not_allowed' } });

    // The host (from another device, with the key) sees who is there and removes someone.
    const hostAgain = await connectClient(arena.url);
    const view = await hostAgain.socket.emitWithAck('session:host', { sessionId, hostKey });
    expect(view.ok).toBe(true);
    if (!view.ok) return;
    expect(view.snapshot.roster.map((p) => p.nickname)).toEqual(['ada', 'brian', 'chen', 'dee']);
    const dee = view.snapshot.roster.find((p) => p.nickname === 'dee')!;
    const removed = await hostAgain.socket.emitWithAck('session:remove', {
      sessionId,
      hostKey,
      participantId: dee.participantId,
    });
    expect(removed.ok).toBe(true);
    await waitForFrame(lateJoiner, (f) => f.event === 'session:removed');
    const rejoin = await lateJoiner.socket.emitWithAck('session:join', { joinCode, nickname: 'dee' });
    expect(rejoin).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    const nowFits = await fifth.socket.emitWithAck('session:join', { joinCode, nickname: 'eve' });
    expect(nowFits.ok).toBe(true);

    // The summary ranks the models by the session's votes.
    const summary = await getJson<SessionSummary>(`${arena.url}/api/sessions/${sessionId}/summary`);
    expect(summary.status).toBe(200);
    const winnerId = closed.models.a.id;
    expect(summary.body.leaderboard[0]).toMatchObject({ model: { id: winnerId }, wins: 2, losses: 1, votes: 3 });
    expect(summary.body.battles).toHaveLength(1);

    // The leaderboard can include or leave out session votes.
    const only = await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard?sessions=only`);
    const without = await getJson<LeaderboardResponse>(`${arena.url}/api/leaderboard?sessions=exclude`);
    expect(only.body.battles).toBe(3);
    expect(without.body.battles).toBe(1);

    // In the data sets each participant's vote is a row, marked as a session vote.
    const exported = (await (await fetch(`${arena.url}/api/datasets/battles.jsonl`)).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { question_id: string; winner: string; session_vote: boolean });
    const sessionRows = exported.filter((r) => r.question_id === battleId);
    expect(sessionRows.map((r) => r.winner).sort()).toEqual(['model_a', 'model_a', 'model_b']);
    expect(sessionRows.every((r) => r.session_vote)).toBe(true);

    for (const client of [host, hostAgain, stranger, lateJoiner, back, fifth, ...people]) client.socket.disconnect();
  });

  it('rate-limits session creation per voter, and refuses a wrong host key for every host action', async () => {
    const host = await connectClient(arena.url);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await host.socket.emitWithAck('session:create', { title: `s${i}` }));
    expect(results.slice(0, 3).every((r) => r.ok)).toBe(true);
    expect(results[3]).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    const first = results[0]!;
    if (!first.ok) return;
    const wrong = 'y'.repeat(32);
    const attempts = await Promise.all([
      host.socket.emitWithAck('session:host', { sessionId: first.sessionId, hostKey: wrong }),
      host.socket.emitWithAck('session:close', {
        sessionId: first.sessionId,
        hostKey: wrong,
        battleId: '00000000-0000-4000-8000-000000000000',
      }),
    ]);
    for (const attempt of attempts) expect(attempt).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    host.socket.disconnect();
  });
});
