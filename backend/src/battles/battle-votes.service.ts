import { Inject, Injectable } from '@nestjs/common';
import { ArenaError, type ModelRef, type Winner } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { ModelsService } from '../models/models.service.js';
import { VoterBansService } from '../moderation/voter-bans.service.js';
import { BattleRegistry } from './battle-registry.js';
import { BattleRevealService } from './battle-reveal.service.js';
import { BattlesRepository } from './battles.repository.js';
import { VotesRepository } from './votes.repository.js';

/** `battle:vote`: the creator's vote on a standalone battle, committed before it is acknowledged, then the reveal. */
@Injectable()
export class BattleVotesService {
  private readonly logger = createLogger(BattleVotesService.name);

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRegistry) private readonly registry: BattleRegistry,
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(BattleRevealService) private readonly reveal: BattleRevealService,
    @Inject(DomainEvents) private readonly events: DomainEvents,
    @Inject(VoterBansService) private readonly bans: VoterBansService,
  ) {}

  /** Whether `voterId` votes on this battle (once it opens): its creator, when it is not a session's. */
  async isVoter(voterId: string, battleId: string): Promise<boolean> {
    const live = this.registry.get(battleId);
    const battle = live ? undefined : await new BattlesRepository(this.dataSource.manager).findById(battleId);
    const creator = live?.creatorVoterId ?? battle?.creatorVoterId;
    const sessionId = live ? live.sessionId : (battle?.sessionId ?? null);
    return creator === voterId && sessionId === null;
  }

  async vote(voterId: string, battleId: string, winner: Winner): Promise<{ models: { a: ModelRef; b: ModelRef } }> {
    await this.bans.assertAllowed(voterId);
    // Held in memory when this process runs it; otherwise (another process runs it, or it finished before a
    // restart) the stored row decides.
    const live = this.registry.get(battleId);
    const battle = live ? undefined : await new BattlesRepository(this.dataSource.manager).findById(battleId);
    if (!live && !battle) throw new ArenaError('not_found', `no battle ${battleId}`);
    const creator = live?.creatorVoterId ?? battle!.creatorVoterId;
    const status = live?.status ?? battle!.status;
    if (live?.sessionId ?? battle?.sessionId) {
      throw new ArenaError(
        'not_allowed',
        'this battle belongs to a voting session: vote with session:vote; the host reveals it',
      );
    }
    if (creator !== voterId) {
      throw new ArenaError('not_allowed', 'only the person who started this battle can vote on it');
    }
    if (status === 'revealed' || live?.voteInFlight)
      throw new ArenaError('already_voted', 'you have already voted on this battle');
    if (status !== 'voting' || live?.followupInFlight) {
      throw new ArenaError('not_allowed', 'the vote opens when both answers have finished generating and running');
    }
    // Until the reveal below, a second vote from another socket of the same voter is already_voted at once.
    if (live) live.voteInFlight = true;
    let revealed: boolean;
    try {
      // Only while the row says it is open: that also covers a vote racing the runner's write of `voting`.
      revealed = await this.dataSource.transaction(async (tx) => {
        if (!(await new BattlesRepository(tx).reveal(battleId, winner))) return false;
        await new VotesRepository(tx).insert([{ battleId, voterId, winner }]);
        return true;
      });
    } catch (error) {
      if (live) live.voteInFlight = false;
      throw error;
    }
    if (!revealed) {
      if (live) live.voteInFlight = false;
      const now = await new BattlesRepository(this.dataSource.manager).statusOf(battleId);
      if (now === 'revealed') throw new ArenaError('already_voted', 'you have already voted on this battle');
      throw new ArenaError('not_allowed', 'the vote opens when both answers have finished generating and running');
    }
    const models = live?.models ?? (await this.models.modelsOf(battle!));
    await this.events.emit('vote.committed', { battleId, winner, sessionId: null });
    this.logger.info({ battleId, winner }, 'vote recorded');
    await this.reveal.announce({ battleId, models, winner, sessionId: null });
    return { models };
  }
}
