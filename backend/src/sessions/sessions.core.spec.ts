import { randomUUID } from 'node:crypto';
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

/** Everyone in these tests joins from one household's address unless the test says otherwise. */
const HOME = '203.0.113.7';
const at = (voterId: string, address = HOME): { voterId: string; address: string } => ({ voterId, address });

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
    for (const voterId of people) await participants.join(voterId, HOME, joinCode, voterId.slice(5, 8));
    // Rejoining is the same participant, not a fourth one.
    await participants.join('core-ann-voter', HOME, joinCode, 'annie');

    const { battleId } = await sessions.startBattle(session, { sessionId, hostKey, prompt: 'FizzBuzz to 15' });
    await expect(votes.vote(at('core-ann-voter'), sessionId, battleId, 'model_a')).rejects.toMatchObject({
      code: 'not_allowed',
    });
    await core.app.get(BattleRunnerService).idle();

    await votes.vote(at('core-ann-voter'), sessionId, battleId, 'model_a');
    await votes.vote(at('core-bob-voter'), sessionId, battleId, 'model_a');
    await votes.vote(at('core-cat-voter'), sessionId, battleId, 'model_b');
    await expect(votes.vote(at('core-bob-voter'), sessionId, battleId, 'model_b')).rejects.toMatchObject({
      code: 'already_voted',
    });
    await expect(votes.vote(at('core-stranger'), sessionId, battleId, 'model_b')).rejects.toMatchObject({
      code: 'not_allowed',
    });

    const closed = await votes.close(await sessions.asHost(sessionId, hostKey), battleId);
    expect(closed.tally).toEqual({ counts: { model_a: 2, model_b: 1, tie: 0, 'tie (bothbad)': 0 }, voters: 3 });
    expect(closed.winner).toBe('model_a');
    // A host retrying the close hears the same again; the reveal happened once.
    expect(await votes.close(session, battleId)).toEqual(closed);
    await expect(votes.vote(at('core-cat-voter'), sessionId, battleId, 'model_a')).rejects.toMatchObject({
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
    for (const voterId of crowd) await participants.join(voterId, HOME, joinCode, voterId.slice(-1));
    const { battleId } = await sessions.startBattle(session, { sessionId, hostKey, prompt: 'Hello world' });
    await core.app.get(BattleRunnerService).idle();
    for (const voterId of crowd) await votes.vote(at(voterId), sessionId, battleId, 'tie');
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
    expect(core.emitter.of('session:update').at(-1)).toEqual({ sessionId, participants: 6, waiting: 0 });
    expect(core.emitter.of('session:tally').at(-1)).toMatchObject({ sessionId, battleId, voters: 6 });
    // Quiet for two intervals: the per-battle and per-session coalescers are gone.
    core.clock.advance(500);
    expect(participants.announcements.size).toBe(0);
    expect(votes.coalescing).toBe(0);
  });

  it('lets ten people of one network straight in; the rest wait, cannot vote, and vote once the host admits them', async () => {
    const sessions = core.app.get(SessionsService);
    const participants = core.app.get(SessionParticipantsService);
    const votes = core.app.get(SessionVotesService);
    const views = core.app.get(SessionViewsService);
    const { sessionId, joinCode, hostKey } = await sessions.create('host-sybil-voter', 'Sybil night');
    const session = await sessions.asHost(sessionId, hostKey);
    // One client minting 25 voter ids (the hostile review's finding: all 25 votes counted).
    const ids = Array.from({ length: 25 }, (_, i) => `sybil-${String(i).padStart(2, '0')}-voter`);
    for (const voterId of ids) await participants.join(voterId, HOME, joinCode, voterId.slice(6, 8));
    expect((await views.snapshot(sessionId, ids[9])).waiting).toBeUndefined();
    expect((await views.snapshot(sessionId, ids[10])).waiting).toBe(true);
    const host = await views.hostView(sessionId);
    expect(host.participants).toBe(10);
    expect(host.roster).toHaveLength(25);
    expect(host.roster.filter((p) => p.waiting)).toHaveLength(15);
    expect(new Set(host.roster.map((p) => p.sameNetwork))).toEqual(new Set([24]));

    const { battleId } = await sessions.startBattle(session, { sessionId, hostKey, prompt: 'Hello world' });
    await core.app.get(BattleRunnerService).idle();
    const outcomes = await Promise.allSettled(ids.map((id) => votes.vote(at(id), sessionId, battleId, 'model_a')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    for (const refused of outcomes.filter((o) => o.status === 'rejected')) {
      expect(refused.reason).toMatchObject({ code: 'not_allowed', message: 'the host has not let you in yet' });
    }

    // The host lets two of them in: each hears so, and votes (the network's allowance grows with them).
    const waiting = host.roster.filter((p) => p.waiting).slice(0, 2);
    expect(await participants.admit(session, [...waiting.map((p) => p.participantId), randomUUID()])).toBe(2);
    expect(await participants.admit(session, [waiting[0]!.participantId])).toBe(0);
    const admittedVoters = [ids[10]!, ids[11]!];
    for (const voterId of admittedVoters) {
      expect(core.emitter.of('session:admitted', core.emitter.received([voterRoom(voterId)]))).toEqual([{ sessionId }]);
      await votes.vote(at(voterId), sessionId, battleId, 'model_b');
    }
    await expect(votes.vote(at(ids[12]!), sessionId, battleId, 'model_b')).rejects.toMatchObject({
      code: 'not_allowed',
    });
    const { tally } = await votes.close(session, battleId);
    expect(tally).toMatchObject({ voters: 12, counts: { model_a: 10, model_b: 2 } });
  });

  it('puts a removed participant who comes back under a new voter id in the waiting list', async () => {
    const sessions = core.app.get(SessionsService);
    const participants = core.app.get(SessionParticipantsService);
    const views = core.app.get(SessionViewsService);
    const { sessionId, joinCode, hostKey } = await sessions.create('host-return-voter', 'Return night');
    const session = await sessions.asHost(sessionId, hostKey);
    const { participantId } = await participants.join('troll-voter', '198.51.100.5', joinCode, 'troll');
    await participants.join('bystander-voter', '198.51.100.6', joinCode, 'bystander');
    await participants.remove(session, participantId);
    await expect(participants.join('troll-voter', '198.51.100.5', joinCode, 'troll')).rejects.toMatchObject({
      code: 'not_allowed',
    });
    // A fresh voter id from the same network waits; someone from another network still comes straight in.
    await participants.join('troll-again-voter', '198.51.100.5', joinCode, 'nice person');
    await participants.join('newcomer-voter', '198.51.100.7', joinCode, 'newcomer');
    expect((await views.snapshot(sessionId, 'troll-again-voter')).waiting).toBe(true);
    expect((await views.snapshot(sessionId, 'newcomer-voter')).waiting).toBeUndefined();
    const host = await views.hostView(sessionId);
    expect(host.roster.map((p) => [p.nickname, p.waiting ?? false, p.sameNetwork])).toEqual([
      ['bystander', false, 0],
      ['nice person', true, 0],
      ['newcomer', false, 0],
    ]);
    expect(
      core.emitter
        .of('session:update')
        .filter((u) => u.sessionId === sessionId)
        .at(0),
    ).toMatchObject({
      participants: 1,
      waiting: 0,
    });
  });

  it('caps the votes one network casts on a battle, whoever joined from where', async () => {
    const sessions = core.app.get(SessionsService);
    const participants = core.app.get(SessionParticipantsService);
    const votes = core.app.get(SessionVotesService);
    const { sessionId, joinCode, hostKey } = await sessions.create('host-cap-voter', 'Cap night');
    const session = await sessions.asHost(sessionId, hostKey);
    // Twelve ids joined from twelve addresses (all let in), then all vote from one.
    const ids = Array.from({ length: 12 }, (_, i) => `cap-${i}-voter`);
    for (const [i, voterId] of ids.entries())
      await participants.join(voterId, `192.0.2.${i + 1}`, joinCode, `cap ${i}`);
    const { battleId } = await sessions.startBattle(session, { sessionId, hostKey, prompt: 'Hello world' });
    await core.app.get(BattleRunnerService).idle();
    const outcomes = await Promise.allSettled(
      ids.map((id) => votes.vote(at(id, '192.0.2.200'), sessionId, battleId, 'tie')),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({
      reason: { code: 'not_allowed', message: '10 votes from your network are counted on this battle already' },
    });
    // A refused vote costs the network nothing: the same voters vote from their own networks.
    const late = ids.filter((_, i) => outcomes[i]!.status === 'rejected');
    for (const voterId of late)
      await votes.vote(at(voterId, `192.0.2.${ids.indexOf(voterId) + 1}`), sessionId, battleId, 'tie');
    expect((await votes.close(session, battleId)).tally.voters).toBe(12);
  });

  it('lets nobody in by themselves when the host approves each join', async () => {
    const sessions = core.app.get(SessionsService);
    const participants = core.app.get(SessionParticipantsService);
    const votes = core.app.get(SessionVotesService);
    const views = core.app.get(SessionViewsService);
    const { sessionId, joinCode, hostKey } = await sessions.create('host-approve-voter', 'Approve night', 'approve');
    const session = await sessions.asHost(sessionId, hostKey);
    const { participantId } = await participants.join('alone-voter', '192.0.2.50', joinCode, 'alone');
    const snapshot = await views.snapshot(sessionId, 'alone-voter');
    expect(snapshot).toMatchObject({ joinPolicy: 'approve', waiting: true, participants: 0 });
    const { battleId } = await sessions.startBattle(session, { sessionId, hostKey, prompt: 'Hello world' });
    await core.app.get(BattleRunnerService).idle();
    await expect(votes.vote(at('alone-voter', '192.0.2.50'), sessionId, battleId, 'tie')).rejects.toMatchObject({
      code: 'not_allowed',
    });
    expect(await participants.admit(session, [participantId])).toBe(1);
    await votes.vote(at('alone-voter', '192.0.2.50'), sessionId, battleId, 'tie');
    expect((await views.snapshot(sessionId)).participants).toBe(1);
  });
});
