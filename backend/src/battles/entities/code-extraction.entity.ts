import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique, type Relation } from 'typeorm';
import type { Environment, Side } from '@arena/contracts';
import { BattleEntity } from './battle.entity.js';

@Entity('code_extractions')
@Unique('uq_code_extractions_battle_turn_side', ['battleId', 'turn', 'side'])
export class CodeExtractionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'battle_id', type: 'uuid' })
  battleId: string;

  @ManyToOne(() => BattleEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'battle_id' })
  battle?: Relation<BattleEntity>;

  @Column({ type: 'int' })
  turn: number;

  @Column({ type: 'char', length: 1 })
  side: Side;

  @Column({ type: 'varchar', length: 32 })
  environment: Environment;

  @Column({ type: 'varchar', length: 32 })
  language: string;

  @Column({ type: 'text' })
  code: string;

  @Column({ name: 'install_command', type: 'text', nullable: true })
  installCommand: string | null;

  @Column({ name: 'block_count', type: 'int' })
  blockCount: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
