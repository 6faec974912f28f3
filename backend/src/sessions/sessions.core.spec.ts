import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { BattleRunnerService } from '../battles/battle-runner.service.js';
import { VoteEntity } from '../battles/entities/index.js';
import { battleRoom, sessionRoom, voterRoom } from '../realtime/arena-emitter.js';
import { startCore, type Core } from '../testing/core-harness.js';
import { SessionParticipantsService } from './session-participants.service.js';
import { SessionViewsService } from './session-views.service.js';
import { SessionVotesService } from './session-votes.service.js';
import { SessionsService } from './sessions.service.js';

/** A voting session driven through its services: no socket, no sleep, a manual clock (fast deterministic tier). */
describe('voting sessions, without sockets', () => {
  let core: Core;

  beforeAll(async () => {
    core = await startCore();
  }, 60_000);
  afterAll(() => core?.close());

  it('runs a battle for everyone, counts one vote each live, closes with the final tally and reveals once', async () => {
    const sessions = core.app.get(SessionsService);
    const participants = core.app.get(SessionParticipantsService);
    const votes = core.app.get(SessionVotesService);
    const { sessionId, joinCode, hostKey } = await sessions.create('host-core-voter', 'Core night');
    await expect(sessions.asHost(sessionId, 'not-the-key')).rejects.toMatchObject({ code: 'not_allowed' });
    const session = await sessions.asHost(sessionId, hostKey);
    const people = ['core-ann-voter', 'core-bob-voter', 'core-cat-voter'];
    for (const voterId of people) await participants.join(voterId, joinCode, voterId.slice(5, 8));
    // Rejoining is the same participant, not a fourth one.
    await participants.join('core-ann-voter', joinCode, 'annie');

    const { battleId } = await sessions.startBattle(session, { sessionId, hostKey, prompt: 'FizzBuzz to 15' });
    await expect(votes.vote('core-ann-voter', sessionId, battleId, 'model_a')).rejects.toMatchObject({
      code: 'not_allowed',
    });
    await core.app.get(BattleRunnerService).idle();

    await votes.vote('core-ann-voter', sessionId, battleId, 'model_a');
    await votes.vote('core-bob-voter', sessionId, battleId, 'model_a');
    await votes.vote('core-cat-voter', sessionId, battleId, 'model_b');
    await expect(votes.vote('core-bob-voter', sessionId, battleId, 'model_b')).rejects.toMatchObject({
      code: 'already_voted',
    });
    await expect(votes.vote('core-stranger', sessionId, battleId, 'model_b')).rejects.toMatchObject({
      code: 'not_allowed',
    });

    const closed = await votes.close(await sessions.asHost(sessionId, hostKey), battleId);
    expect(closed.tally).toEqual({ counts: { model_a: 2, model_b: 1, tie: 0, 'tie (bothbad)': 0 }, voters: 3 });
    expect(closed.winner).toBe('model_a');
    // A host retrying the close hears the same again; the reveal happened once.
    expect(await votes.close(session, battleId)).toEqual(closed);
    await expect(votes.vote('core-cat-voter', sessionId, battleId, 'model_a')).rejects.toMatchObject({
      code: 'already_voted',
    });

    // A participant in the session's room saw the battle (joined into it), its reveal, and the final tally.
    const seen = core.emitter.received([sessionRoom(sessionId), voterRoom('core-ann-voter')]);
    expect(core.emitter.of('gen:delta', seen).length).toBeGreaterThan(0);
    expect(core.emitter.of('battle:revealed', seen)).toEqual([
      { battleId, models: closed.models, sessionId, winner: 'model_a' },
    ]);
    expect(core.emitter.of('session:tally', seen).at(-1)).toEqual({ sessionId, battleId, ...closed.tally });
    expect(core.emitter.received([battleRoom(battleId)]).length).toBeLessThan(seen.length);

    const view = await core.app.get(SessionViewsService).snapshot(sessionId, 'core-cat-voter');
    expect(view.participants).toBe(3);
    expect(view.myVotes).toEqual({ [battleId]: 'model_b' });
    expect(view.battles[0]).toMatchObject({ battleId, status: 'revealed', winner: 'model_a', models: closed.models });
    const rows = await core.app.get(DataSource).getRepository(VoteEntity).findBy({ battleId });
    expect(rows.map((r) => r.voterId).sort()).toEqual([...people].sort());
    const revealed = core.events.filter((e) => e.event === 'battle.revealed' && e.payload.battleId === battleId);
    expect(revealed).toHaveLength(1);
    const summary = await core.app.get(SessionViewsService).summary(sessionId);
    expect(summary.leaderboard[0]).toMatchObject({ model: closed.models.a, wins: 2, losses: 1 });
  });

  it('coalesces tallies and participant counts by the clock, and forgets them once quiet', async () => {
    const sessions = core.app.get(SessionsService);
    const participants = core.app.get(SessionParticipantsService);
    const votes = core.app.get(SessionVotesService);
    const { sessionId, joinCode, hostKey } = await sessions.create('host-quiet-voter', 'Quiet night');
    const session = await sessions.asHost(sessionId, hostKey);
    const crowd = Array.from({ length: 6 }, (_, i) => `quiet-voter-${i}`);
    for (const voterId of crowd) await participants.join(voterId, joinCode, voterId.slice(-1));
    const { battleId } = await sessions.startBattle(session, { sessionId, hostKey, prompt: 'Hello world' });
    await core.app.get(BattleRunnerService).idle();
    for (const voterId of crowd) await votes.vote(voterId, sessionId, battleId, 'tie');
    const tallies = (): number =>
      core.emitter.of('session:tally').filter((t) => t.sessionId === sessionId && t.battleId === battleId).length;
    const counts = (): number => core.emitter.of('session:update').filter((u) => u.sessionId === sessionId).length;
    // Six joins and six votes at one moment: the first of each goes out at once, the rest wait for the clock.
    expect(counts()).toBe(1);
    await votes.tallies();
    expect(tallies()).toBe(1);
    expect(votes.coalescing).toBe(1);
    // Tallies go out every 200 ms, participant counts every 250 ms.
    core.clock.advance(250);
    await Promise.all([votes.tallies(), participants.announcements.settled()]);
    // One frame each for the five held back, carrying the latest count.
    expect(counts()).toBe(2);
    expect(tallies()).toBe(2);
    expect(core.emitter.of('session:update').at(-1)).toEqual({ sessionId, participants: 6 });
    expect(core.emitter.of('session:tally').at(-1)).toMatchObject({ sessionId, battleId, voters: 6 });
    // Quiet for two intervals: the per-battle and per-session coalescers are gone.
    core.clock.advance(500);
    expect(participants.announcements.size).toBe(0);
    expect(votes.coalescing).toBe(0);
  });
});
