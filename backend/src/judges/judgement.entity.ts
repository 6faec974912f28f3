import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import { BattlePart } from '../battles/entities/battle-part.js';

/** One judge's verdict on one battle, in one mode and one order (`ab`: side a shown first). */
@Entity('judgements')
@Index('uq_judgements_battle_judge_mode_order', ['battleId', 'judge', 'mode', 'order'], { unique: true })
@Index('idx_judgements_created', ['createdAt', 'id'])
export class JudgementEntity extends BattlePart {
  @Column({ type: 'varchar', length: 128 })
  judge: string;

  @Column({ type: 'varchar', length: 24 })
  mode: 'with_execution' | 'without_execution';

  @Column({ name: 'judge_order', type: 'varchar', length: 2 })
  order: 'ab' | 'ba';

  /** In the battle's terms: A is side a, whatever order the judge saw. */
  @Column({ type: 'varchar', length: 16 })
  verdict: 'A' | 'B' | 'tie' | 'both_bad';

  /** Arena-Hard's five-way label when the judge gave one (in the order shown). */
  @Column({ type: 'varchar', length: 8, nullable: true })
  label: string | null;

  @Column({ type: 'text' })
  reasoning: string;

  @Column({ name: 'raw_output', type: 'text' })
  rawOutput: string;

  @Column({ name: 'latency_ms', type: 'int', nullable: true })
  latencyMs: number | null;

  @Column({ type: 'int', default: 1 })
  attempts: number;

  /**
   * Screenshots the judge was shown with the battle (a vision judge with execution: one per side that has
   * one); 0 for none; null for a verdict stored before the arena kept count.
   */
  @Column({ type: 'int', nullable: true })
  screenshots: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
