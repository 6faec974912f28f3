import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ArenaError } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { ClusterBus } from '../realtime/cluster-bus.js';
import { VoterBansRepository } from './voter-bans.repository.js';
import { hashVoter, voterSalt } from './voter-hash.js';

/**
 * Banned voters. Operators name a voter by the hash the data sets show (never by voter id, which nobody but
 * the voter's browser holds); the ban resolves it to the voter id once, so refusing a vote and filtering
 * votes out are plain lookups.
 */
@Injectable()
export class VoterBansService implements OnModuleInit {
  private readonly logger = createLogger(VoterBansService.name);
  private salt: Promise<string> | undefined;

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(DomainEvents) private readonly events: DomainEvents,
    @Inject(ClusterBus) private readonly cluster: ClusterBus,
  ) {}

  onModuleInit(): void {
    // A ban made on another process: this one's caches (the leaderboard's votes) drop the voter's votes too.
    this.cluster.on('arena:voter-banned', ({ voterHash }) => void this.events.emit('voter.banned', { voterHash }));
    this.cluster.on('arena:voter-unbanned', ({ voterHash }) => void this.events.emit('voter.unbanned', { voterHash }));
  }

  private get repository(): VoterBansRepository {
    return new VoterBansRepository(this.dataSource.manager);
  }

  /** The data sets' salt: configured, or made once and kept in the database (it never changes after). */
  private voterSalt(): Promise<string> {
    this.salt ??= voterSalt(this.dataSource, this.config.voterSalt).catch((error: unknown) => {
      this.salt = undefined;
      throw error;
    });
    return this.salt;
  }

  /**
   * Ban the voter with this hash: their votes leave the leaderboard and the data sets, and their new battles
   * and votes are refused. `not_found` when no voter the arena has seen has this hash. Banning again
   * answers the first ban.
   */
  async ban(voterHash: string): Promise<{ voterHash: string; bannedAt: Date; votes: number }> {
    const salt = await this.voterSalt();
    const ids = await this.repository.knownVoterIds();
    const voterId = ids.find((id) => hashVoter(salt, id) === voterHash);
    if (!voterId) throw new ArenaError('not_found', `no voter has the hash ${voterHash}`);
    const ban = await this.repository.ban(voterHash, voterId);
    const votes = await this.repository.votesOf(voterId);
    this.cluster.tell('arena:voter-banned', { voterHash });
    await this.events.emit('voter.banned', { voterHash });
    return { voterHash, bannedAt: ban.bannedAt, votes };
  }

  /**
   * Lift the ban with this hash (an operator's mistake, or an appeal): the voter's votes count again on every
   * leaderboard and data set, and they may start battles and vote. `not_found` when no ban has this hash.
   */
  async unban(voterHash: string): Promise<{ voterHash: string; votes: number }> {
    const voterId = await this.repository.unban(voterHash);
    if (!voterId) throw new ArenaError('not_found', `no ban for the voter hash ${voterHash}`);
    const votes = await this.repository.votesOf(voterId);
    this.cluster.tell('arena:voter-unbanned', { voterHash });
    await this.events.emit('voter.unbanned', { voterHash });
    return { voterHash, votes };
  }

  /** Refuse a banned voter's new battle or vote with `not_allowed`. */
  async assertAllowed(voterId: string): Promise<void> {
    if (await this.repository.isBanned(voterId)) {
      this.logger.info({ event: 'banned-voter-refused' }, 'a banned voter was refused');
      throw new ArenaError('not_allowed', 'this voter has been banned from the arena');
    }
  }

  count(): Promise<number> {
    return this.repository.count();
  }
}
