import { Column, CreateDateColumn, Entity, Index, Unique } from 'typeorm';
import type { Winner } from '@arena/contracts';
import { BattlePart } from './battle-part.js';

@Entity('votes')
@Unique('uq_votes_battle_voter', ['battleId', 'voterId'])
@Index('idx_votes_created', ['createdAt', 'id'])
export class VoteEntity extends BattlePart {
  @Column({ name: 'voter_id', type: 'varchar', length: 64 })
  voterId: string;

  @Column({ type: 'varchar', length: 16 })
  winner: Winner;

  /** Set on a participant's vote in a voting session, so the leaderboard can include or exclude them. */
  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
