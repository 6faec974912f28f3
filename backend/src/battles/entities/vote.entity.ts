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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
