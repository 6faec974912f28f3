import { ArenaError, SIDES } from '@arena/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../events/domain-events.js';
import { battleRoom } from '../realtime/arena-emitter.js';
import { startCore, type Core } from '../testing/core-harness.js';
import { BattleRunnerService } from './battle-runner.service.js';
import { BattleVotesService } from './battle-votes.service.js';
import { BattlesService, LIVE_LIST_VOTING_MS } from './battles.service.js';
import { ExecutionEntity, SideMessageEntity, VoteEntity } from './entities/index.js';

/** The battle runner and the standalone vote, driven directly: no socket, no sleep (fast deterministic tier). */
describe('battles, without sockets', () => {
  let core: Core;
  let runner: BattleRunnerService;

  beforeAll(async () => {
    core = await startCore();
    runner = core.app.get(BattleRunnerService);
  }, 60_000);
  afterAll(() => core?.close());

  it('streams, extracts, runs and stores both sides, and tells the rest of the arena through events', async () => {
    const live = await runner.create('voter-core-one', { prompt: 'Print the first 10 primes' });
    await runner.start(live);
    expect(live.status).toBe('voting');

    const frames = core.emitter.received([battleRoom(live.id)]);
    const statuses = core.emitter.of('battle:status', frames).map((f) => f.status);
    expect(statuses[0]).toBe('generating');
    expect(statuses.at(-1)).toBe('voting');
    const stored = await core.app.get(DataSource).getRepository(SideMessageEntity).findBy({ battleId: live.id });
    for (const side of SIDES) {
      const deltas = core.emitter.of('gen:delta', frames).filter((d) => d.side === side);
      // Sequence numbers without a gap, and the text they add up to is what was stored.
      expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => i));
      const text = deltas.map((d) => d.text).join('');
      expect(text.length).toBeGreaterThan(20);
      expect(stored.find((m) => m.side === side)?.text).toBe(text);
      const ends = core.emitter.of('run:end', frames).filter((e) => e.side === side);
      expect(ends).toHaveLength(1);
      expect(ends[0]!.status).toBe('ok');
    }
    // Per side: the answer ends before its code is ready, which comes before its run.
    for (const side of SIDES) {
      const order = frames
        .filter((f) => 'side' in f.payload && f.payload.side === side)
        .map((f) => f.event)
        .filter((e, i, all) => e !== all[i - 1]);
      expect(order).toEqual(['gen:delta', 'gen:end', 'code:ready', 'run:start', 'run:output', 'run:end']);
    }
    const mine = core.events
      .filter((e) => 'battleId' in e.payload && e.payload.battleId === live.id)
      .map((e) => e.event);
    expect(mine.filter((e) => e === 'battle.created')).toHaveLength(1);
    expect(mine.filter((e) => e === 'generation.finished')).toHaveLength(2);
    expect(mine.filter((e) => e === 'run.finished')).toHaveLength(2);
    expect(mine.filter((e) => e === 'battle.runs-changed')).toHaveLength(2);
    expect(mine.at(-1)).toBe('turn.finished');
    expect(core.events.find((e) => e.event === 'turn.finished' && e.payload.battleId === live.id)?.payload).toEqual({
      battleId: live.id,
      turn: 0,
      status: 'voting',
    });
  });

  it('takes the creator’s vote once, reveals the models to the room, and refuses everyone else', async () => {
    const live = await runner.create('voter-core-two', { prompt: 'Reverse a string' });
    await runner.start(live);
    const votes = core.app.get(BattleVotesService);
    await expect(votes.vote('someone-else', live.id, 'model_a')).rejects.toMatchObject({ code: 'not_allowed' });
    const { models } = await votes.vote('voter-core-two', live.id, 'model_b');
    expect(models).toEqual(live.models);
    await expect(votes.vote('voter-core-two', live.id, 'model_a')).rejects.toBeInstanceOf(ArenaError);
    await expect(votes.vote('voter-core-two', live.id, 'model_a')).rejects.toMatchObject({ code: 'already_voted' });

    const frames = core.emitter.received([battleRoom(live.id)]);
    expect(core.emitter.of('battle:revealed', frames)).toEqual([{ battleId: live.id, models, winner: 'model_b' }]);
    expect(core.emitter.of('battle:status', frames).at(-1)?.status).toBe('revealed');
    const snapshot = await core.app.get(BattlesService).snapshot(live.id);
    expect(snapshot).toMatchObject({ status: 'revealed', models, winner: 'model_b' });
    const rows = await core.app.get(DataSource).getRepository(VoteEntity).findBy({ battleId: live.id });
    expect(rows.map((r) => [r.voterId, r.winner, r.sessionId])).toEqual([['voter-core-two', 'model_b', null]]);
    const mine = core.events
      .filter((e) => 'battleId' in e.payload && e.payload.battleId === live.id)
      .map((e) => e.event);
    expect(mine.slice(-2)).toEqual(['vote.committed', 'battle.revealed']);
  });

  it('re-runs a side with edited code and stdin on the latest turn, stored as a re-run', async () => {
    const live = await runner.create('voter-core-three', { prompt: 'Echo the input' });
    await runner.start(live);
    const code = 'process.stdout.write("edited:" + require("fs").readFileSync(0, "utf8"))';
    expect(() => runner.rerun('voter-core-stranger', { battleId: live.id, side: 'a', code })).toThrow(
      /only the person who started this battle/,
    );
    const { runId } = runner.rerun('voter-core-three', { battleId: live.id, side: 'a', code, stdin: 'hi' });
    expect(() => runner.rerun('voter-core-three', { battleId: live.id, side: 'a' })).toThrow(/already running/);
    await runner.idle();
    const run = live.side(0, 'a').runs.find((r) => r.runId === runId);
    expect(run?.status).toBeDefined();
    expect(run?.rerun).toEqual({ edited: true, stdin: true, code });
    const stored = await core.app.get(DataSource).getRepository(ExecutionEntity).findOneByOrFail({ id: runId });
    expect(stored).toMatchObject({ origin: 'rerun', code, stdin: 'hi', status: run!.status, output: run!.output });
    const end = core.emitter.of('run:end', core.emitter.received([battleRoom(live.id)])).at(-1);
    expect(end?.runId).toBe(runId);
  });

  it('keeps a battle going when a subscriber to its events fails', async () => {
    const off = core.app.get(DomainEvents).on('run.finished', () => {
      throw new Error('a broken subscriber');
    });
    try {
      const live = await runner.create('voter-core-four', { prompt: 'Sum a list' });
      await runner.start(live);
      expect(live.status).toBe('voting');
      expect(core.emitter.of('run:end', core.emitter.received([battleRoom(live.id)]))).toHaveLength(2);
    } finally {
      off();
    }
  });

  it('lists a battle waiting for its vote as live only for a while: one nobody votes on leaves the list', async () => {
    const live = await runner.create('voter-core-five', { prompt: 'Print a greeting' });
    await runner.start(live);
    expect(live.status).toBe('voting');
    const listed = async (): Promise<boolean> =>
      (await core.app.get(BattlesService).list({ status: 'live', limit: 100 })).some((b) => b.battleId === live.id);
    expect(await listed()).toBe(true);
    // Its creator walked away long ago: off the live list, still at its address.
    live.votingSince = Date.now() - LIVE_LIST_VOTING_MS - 1;
    expect(await listed()).toBe(false);
    expect((await core.app.get(BattlesService).snapshot(live.id)).status).toBe('voting');
  });
});
