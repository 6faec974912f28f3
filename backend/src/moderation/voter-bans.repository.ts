import type { EntityManager } from 'typeorm';
import { VoterBanEntity } from './voter-ban.entity.js';

/** The `voter_bans` table: the only class that writes it. */
export class VoterBansRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Record a ban (once: banning again keeps the first). Returns the ban as stored. */
  async ban(voterHash: string, voterId: string): Promise<VoterBanEntity> {
    const repo = this.manager.getRepository(VoterBanEntity);
    await repo.createQueryBuilder().insert().values({ voterHash, voterId }).orIgnore().execute();
    return repo.findOneByOrFail({ voterHash });
  }

  /** Lift a ban; returns the voter id it named, or undefined when no ban has this hash. */
  async unban(voterHash: string): Promise<string | undefined> {
    const repo = this.manager.getRepository(VoterBanEntity);
    const ban = await repo.findOneBy({ voterHash });
    if (!ban) return undefined;
    await repo.delete({ voterHash });
    return ban.voterId;
  }

  async isBanned(voterId: string): Promise<boolean> {
    return this.manager.getRepository(VoterBanEntity).existsBy({ voterId });
  }

  count(): Promise<number> {
    return this.manager.getRepository(VoterBanEntity).count();
  }

  /**
   * Every voter id the arena has seen: voters, battle creators, session participants and hosts. A hash is
   * found among them (HMAC cannot be reversed).
   */
  async knownVoterIds(): Promise<string[]> {
    const rows = await this.manager.query<{ id: string }[]>(
      `SELECT voter_id AS id FROM votes
       UNION SELECT creator_voter_id FROM battles
       UNION SELECT voter_id FROM session_participants
       UNION SELECT host_voter_id FROM sessions`,
    );
    return rows.map((r) => r.id);
  }

  /** How many votes this voter cast. */
  async votesOf(voterId: string): Promise<number> {
    const [row] = await this.manager.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM votes WHERE voter_id = $1',
      [voterId],
    );
    return row?.n ?? 0;
  }
}
