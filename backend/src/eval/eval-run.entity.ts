import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One model's `arena eval --store` on one task set: how many samples per task, which k were asked, when it
 * started and finished (null while it runs, or when it was stopped: running the command again resumes it).
 */
@Entity('eval_runs')
@Index('idx_eval_runs_task_set', ['taskSetId', 'model'])
export class EvalRunEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** `name@hash12` (see `evalTaskSet`). */
  @Column({ name: 'task_set_id', type: 'varchar', length: 200 })
  taskSetId: string;

  @Column({ name: 'task_set_name', type: 'varchar', length: 200 })
  taskSetName: string;

  /** SHA-256 of the set's tasks. */
  @Column({ name: 'task_set_hash', type: 'char', length: 64 })
  taskSetHash: string;

  @Column({ type: 'varchar', length: 128 })
  model: string;

  /** The model's display name when it ran (its entry in the models file or the admin API). */
  @Column({ name: 'model_name', type: 'varchar', length: 200 })
  modelName: string;

  @Column({ type: 'int' })
  samples: number;

  /** The k of pass@k asked for. */
  @Column({ type: 'jsonb' })
  ks: number[];

  /** Tasks in the set, by language. */
  @Column({ type: 'jsonb' })
  languages: Record<string, number>;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
