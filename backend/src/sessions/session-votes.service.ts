import { Inject, Injectable } from '@nestjs/common';
import { ArenaError, type ModelRef, type Tally, type Winner } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { BattleRevealService } from '../battles/battle-reveal.service.js';
import { BattlesRepository } from '../battles/battles.repository.js';
import { VotesRepository } from '../battles/votes.repository.js';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { ModelsService } from '../models/models.service.js';
import { VoterBansService } from '../moderation/voter-bans.service.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import type { SocketData } from '../realtime/arena-socket.js';
import { RateLimits } from '../realtime/rate-limits.js';
import { CLOCK, CoalescerMap, type Clock } from '../realtime/frame-coalescer.js';
import type { SessionEntity } from './entities/session.entity.js';
import { networkHash } from './host-keys.js';
import { pluralityWinner } from './session-results.js';
import { SessionViewsService } from './session-views.service.js';
import { SessionsRepository } from './sessions.repository.js';

/** Tallies go out at most this often per battle and process; a burst of votes shares one count. */
const TALLY_INTERVAL_MS = 200;

/**
 * A session's votes: one per participant and battle, counted live (counts only), and the host's close,
 * which reveals the battle with its final tally.
 */
@Injectable()
export class SessionVotesService {
  private readonly logger = createLogger(SessionVotesService.name);
  private readonly tallyFrames: CoalescerMap<string, string>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(BattleRevealService) private readonly reveal: BattleRevealService,
    @Inject(SessionViewsService) private readonly views: SessionViewsService,
    @Inject(DomainEvents) private readonly events: DomainEvents,
    @Inject(VoterBansService) private readonly bans: VoterBansService,
    @Inject(RateLimits) private readonly limits: RateLimits,
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.tallyFrames = new CoalescerMap<string, string>(
      TALLY_INTERVAL_MS,
      (battleId, sessionIds) => {
        const sessionId = sessionIds[sessionIds.length - 1]!;
        return new VotesRepository(this.dataSource.manager)
          .tallies([battleId])
          .then((t) => this.emitter.toSession(sessionId, 'session:tally', { sessionId, battleId, ...t.get(battleId)! }))
          .catch((err: unknown) => this.logger.warn({ err, battleId }, 'tally failed'));
      },
      clock,
    );
  }

  /**
   * One vote per participant and battle, committed before it is acknowledged, and only while the battle is
   * open for votes (`VotesRepository.insert` tests and locks the battle in the insert itself, so a vote and
   * the host's close are ordered, and the close's final tally holds every vote acknowledged before it).
   */
  async vote(
    client: Pick<SocketData, 'voterId' | 'address'>,
    sessionId: string,
    battleId: string,
    winner: Winner,
  ): Promise<void> {
    const { voterId } = client;
    await this.bans.assertAllowed(voterId);
    const sessions = new SessionsRepository(this.dataSource.manager);
    const [participant, session] = await Promise.all([
      sessions.participant(sessionId, voterId),
      sessions.findById(sessionId),
    ]);
    if (session?.endedAt) throw new ArenaError('not_allowed', 'this session has ended');
    if (!session || !participant) throw new ArenaError('not_allowed', 'join the session before voting');
    if (participant.removedAt) throw new ArenaError('not_allowed', 'the host removed you from this session');
    if (participant.waiting) throw new ArenaError('not_allowed', 'the host has not let you in yet');
    // One network casts as many votes on a battle as it has people in: the arena's allowance, or more if the
    // host let more of its people in (a classroom behind one address).
    const network = networkHash(session.hostKeyHash, client.address);
    const networkKey = `${battleId}:${network}`;
    // The allowance first, with no query; only a network past it asks how many of its people the host let in.
    const { perNetwork } = this.config.sessions;
    if (!(await this.limits.countNetworkVote(networkKey, perNetwork))) {
      const admitted = (await sessions.network(sessionId, network)).admitted;
      if (admitted <= perNetwork || !(await this.limits.countNetworkVote(networkKey, admitted))) {
        const cap = Math.max(perNetwork, admitted);
        throw new ArenaError('not_allowed', `${cap} votes from your network are counted on this battle already`);
      }
    }
    const votes = new VotesRepository(this.dataSource.manager);
    const counted = await votes
      .insert([{ battleId, voterId, winner, sessionId }], sessionId)
      .catch(async (error: unknown) => {
        await this.limits.uncountNetworkVote(networkKey);
        throw error;
      });
    if (counted.length === 0) {
      await this.limits.uncountNetworkVote(networkKey);
      const battle = await new BattlesRepository(this.dataSource.manager).findById(battleId);
      if (!battle || battle.sessionId !== sessionId)
        throw new ArenaError('not_found', `no battle ${battleId} in this session`);
      // A retry of a vote that was counted (its acknowledgement lost with a connection) hears so, open or closed.
      if (await votes.hasVoted(battleId, voterId))
        throw new ArenaError('already_voted', 'you have already voted on this battle');
      if (battle.status === 'revealed')
        throw new ArenaError('not_allowed', 'the host has closed the vote on this battle');
      if (battle.status === 'failed')
        throw new ArenaError('not_allowed', 'this battle failed; there is nothing to vote on');
      throw new ArenaError('not_allowed', 'the vote opens when both answers have finished generating and running');
    }
    await this.events.emit('vote.committed', { battleId, winner, sessionId });
    this.tallyFrames.push(battleId, sessionId);
  }

  /** Resolves once every tally frame started so far has gone out (tests). */
  tallies(): Promise<void> {
    return this.tallyFrames.settled();
  }

  /** How many battles' tallies are being coalesced now. */
  get coalescing(): number {
    return this.tallyFrames.size;
  }

  /** The battle's live tally changed (a vote, a withdrawn vote): the session hears the new counts, coalesced. */
  tallyChanged(sessionId: string, battleId: string): void {
    this.tallyFrames.push(battleId, sessionId);
  }

  /**
   * Close the vote: the battle is revealed with its final tally, to the session and to anyone watching.
   * Closing a battle that is already closed answers the same again (a host retrying after a reconnect).
   */
  async close(
    session: SessionEntity,
    battleId: string,
  ): Promise<{ tally: Tally; models: { a: ModelRef; b: ModelRef }; winner: Winner | null }> {
    const outcome = await this.dataSource.transaction(async (tx) => {
      const battles = new BattlesRepository(tx);
      const battle = await battles.lockInSession(battleId, session.id);
      if (!battle) throw new ArenaError('not_found', `no battle ${battleId} in this session`);
      if (battle.status === 'failed')
        throw new ArenaError('not_allowed', 'this battle failed; there is no vote to close');
      if (battle.status !== 'voting' && battle.status !== 'revealed') {
        throw new ArenaError('not_allowed', 'the vote opens when both answers have finished generating and running');
      }
      const tally = (await new VotesRepository(tx).tallies([battleId])).get(battleId)!;
      if (battle.status === 'revealed') return { battle, tally, winner: battle.winner, fresh: false };
      const winner = pluralityWinner(tally);
      await battles.reveal(battleId, winner);
      return { battle, tally, winner, fresh: true };
    });
    const { battle, tally, winner } = outcome;
    const models = await this.models.modelsOf(battle);
    if (outcome.fresh) {
      this.tallyFrames.flush(battleId);
      await this.reveal.announce({ battleId, models, winner, sessionId: session.id });
      this.emitter.toSession(session.id, 'session:tally', { sessionId: session.id, battleId, ...tally });
      await this.views.broadcast(session.id);
      this.logger.info({ sessionId: session.id, battleId, voters: tally.voters }, 'session vote closed');
    }
    return { tally, models, winner };
  }
}
