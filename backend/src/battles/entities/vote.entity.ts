import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique, type Relation } from 'typeorm';
import type { Winner } from '@arena/contracts';
import { BattleEntity } from './battle.entity.js';

@Entity('votes')
@Unique('uq_votes_battle_voter', ['battleId', 'voterId'])
export class VoteEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'battle_id', type: 'uuid' })
  battleId: string;

  @ManyToOne(() => BattleEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'battle_id' })
  battle?: Relation<BattleEntity>;

  @Column({ name: 'voter_id', type: 'varchar', length: 64 })
  voterId: string;

  @Column({ type: 'varchar', length: 16 })
  winner: Winner;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
