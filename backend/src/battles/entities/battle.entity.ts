import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import type { BattleStatus, Winner } from '@arena/contracts';
import { ModelEntity } from '../../models/model.entity.js';

@Entity('battles')
@Index('idx_battles_status_created', ['status', 'createdAt'])
// The leaderboard reads the votes revealed after its cursor.
@Index('idx_battles_revealed', ['revealedAt'])
export class BattleEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  status: BattleStatus;

  @Column({ type: 'varchar', length: 64, nullable: true })
  category: string | null;

  @Column({ name: 'model_a_id', type: 'varchar', length: 128 })
  modelAId: string;

  @ManyToOne(() => ModelEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_a_id' })
  modelA?: Relation<ModelEntity>;

  @Column({ name: 'model_b_id', type: 'varchar', length: 128 })
  modelBId: string;

  @ManyToOne(() => ModelEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'model_b_id' })
  modelB?: Relation<ModelEntity>;

  /** The voter who started the battle; the only one who may cast its vote. */
  @Column({ name: 'creator_voter_id', type: 'varchar', length: 64 })
  creatorVoterId: string;

  @Column({ type: 'boolean', default: true })
  anony: boolean;

  /** The voting session the battle belongs to; its vote is the session's participants', closed by the host. */
  @Index('idx_battles_session')
  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  winner: Winner | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'revealed_at', type: 'timestamptz', nullable: true })
  revealedAt: Date | null;
}
