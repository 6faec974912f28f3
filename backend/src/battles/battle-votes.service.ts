import { Inject, Injectable } from '@nestjs/common';
import { ArenaError, type BattleStatus, type ModelRef, type Winner } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { ModelsService } from '../models/models.service.js';
import { VoterBansService } from '../moderation/voter-bans.service.js';
import { BattleRegistry } from './battle-registry.js';
import { BattleRevealService } from './battle-reveal.service.js';
import { BattlesRepository } from './battles.repository.js';
import type { BattleEntity } from './entities/index.js';
import type { LiveBattle } from './live-battle.js';
import { VotesRepository } from './votes.repository.js';

/** Who may vote on a battle, and whether it is open: from memory or from its row. */
interface VoteView {
  live: LiveBattle | undefined;
  battle: BattleEntity | undefined;
  creator: string;
  status: BattleStatus;
  sessionId: string | null;
}

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

  /**
   * The battle as a vote sees it: held in memory when this process runs it; otherwise (another process runs
   * it, or it finished before a restart) the stored row decides. Undefined when there is no such battle.
   */
  private async voteView(battleId: string): Promise<VoteView | undefined> {
    const live = this.registry.get(battleId);
    if (live)
      return { live, battle: undefined, creator: live.creatorVoterId, status: live.status, sessionId: live.sessionId };
    const battle = await new BattlesRepository(this.dataSource.manager).findById(battleId);
    if (!battle) return undefined;
    return { live, battle, creator: battle.creatorVoterId, status: battle.status, sessionId: battle.sessionId };
  }

  /** Whether `voterId` votes on this battle (once it opens): its creator, when it is not a session's. */
  async isVoter(voterId: string, battleId: string): Promise<boolean> {
    const view = await this.voteView(battleId);
    return view?.creator === voterId && view.sessionId === null;
  }

  async vote(voterId: string, battleId: string, winner: Winner): Promise<{ models: { a: ModelRef; b: ModelRef } }> {
    await this.bans.assertAllowed(voterId);
    const view = await this.voteView(battleId);
    if (!view) throw new ArenaError('not_found', `no battle ${battleId}`);
    const { live, battle, creator, status } = view;
    if (view.sessionId) {
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
