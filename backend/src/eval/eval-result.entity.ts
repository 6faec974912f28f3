import type { EvalStatus } from '@arena/contracts';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { EvalRunEntity } from './eval-run.entity.js';

/**
 * One sample of one model on one task of a set, run against the task's tests. One row per (set, model, task,
 * sample): a resumed or repeated run replaces it rather than adding a second.
 */
@Entity('eval_results')
@Index('uq_eval_results_sample', ['taskSetId', 'model', 'language', 'taskId', 'sample'], { unique: true })
@Index('idx_eval_results_created', ['createdAt', 'id'])
export class EvalResultEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** The run that stored it last. */
  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @ManyToOne(() => EvalRunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: Relation<EvalRunEntity>;

  @Column({ name: 'task_set_id', type: 'varchar', length: 200 })
  taskSetId: string;

  @Column({ type: 'varchar', length: 128 })
  model: string;

  @Column({ name: 'task_id', type: 'varchar', length: 200 })
  taskId: string;

  @Column({ type: 'varchar', length: 16 })
  language: string;

  @Column({ type: 'int' })
  sample: number;

  @Column({ type: 'varchar', length: 24 })
  status: EvalStatus;

  @Column({ name: 'cpu_ms', type: 'int', nullable: true })
  cpuMs: number | null;

  @Column({ name: 'peak_memory_bytes', type: 'bigint', nullable: true })
  peakMemoryBytes: string | null;

  @Column({ name: 'duration_ms', type: 'int', nullable: true })
  durationMs: number | null;

  /** The code taken from the model's answer (null when it held none). */
  @Column({ type: 'text', nullable: true })
  code: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
