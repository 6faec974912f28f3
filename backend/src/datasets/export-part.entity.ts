import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { BattleEntity } from '../battles/entities/battle.entity.js';

/**
 * What the data sets say of a battle beyond its vote, serialised once: JSON columns as JSON text, the rest
 * as values. Built when the battle's vote is committed (and for any battle an export finds without it);
 * deleted when the battle's runs change (which also bumps its `updated_at`), and kept only if the battle's
 * `updated_at` is still the `source_at` it was read at. An export reads votes and parts alone, with no JSON
 * built per row.
 */
@Entity('export_parts')
export class ExportPartEntity {
  @PrimaryColumn({ name: 'battle_id', type: 'uuid' })
  battleId: string;

  @OneToOne(() => BattleEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'battle_id' })
  battle?: Relation<BattleEntity>;

  /** The battle's `updated_at` when its parts were read. */
  @Column({ name: 'source_at', type: 'timestamptz' })
  sourceAt: Date;

  /** The battle's own columns, as the battle has them (they never change after it starts). */
  @Column({ name: 'model_a_id', type: 'varchar', length: 128 })
  modelAId: string;

  @Column({ name: 'model_b_id', type: 'varchar', length: 128 })
  modelBId: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  category: string | null;

  @Column({ type: 'boolean' })
  anony: boolean;

  @Column({ name: 'conversation_a', type: 'text' })
  conversationA: string;

  @Column({ name: 'conversation_b', type: 'text' })
  conversationB: string;

  @Column({ type: 'int' })
  turns: number;

  @Column({ type: 'text', nullable: true })
  language: string | null;

  @Column({ type: 'text', nullable: true })
  environment: string | null;

  @Column({ name: 'code_a', type: 'text', nullable: true })
  codeA: string | null;

  @Column({ name: 'code_b', type: 'text', nullable: true })
  codeB: string | null;

  @Column({ name: 'executions_a', type: 'text' })
  executionsA: string;

  @Column({ name: 'executions_b', type: 'text' })
  executionsB: string;

  @Column({ type: 'text' })
  instruction: string;

  @Column({ name: 'output_a', type: 'text' })
  outputA: string;

  @Column({ name: 'output_b', type: 'text' })
  outputB: string;

  @Column({ name: 'error_a', type: 'text' })
  errorA: string;

  @Column({ name: 'error_b', type: 'text' })
  errorB: string;

  @Column({ type: 'text' })
  states: string;
}
