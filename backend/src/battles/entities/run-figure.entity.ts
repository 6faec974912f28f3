import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ExecutionEntity } from './execution.entity.js';

/**
 * A figure a run's program drew (Python's Matplotlib), as the sandbox sent it: a PNG of at most 2048 pixels a
 * side and 1 MiB, at most 20 per run (`FIGURE_CAPS`). `at` is where it sits in the run's output (a character
 * offset). In a table of its own so that reading runs never drags pictures along.
 */
@Entity('run_figures')
export class RunFigureEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId: string;

  @PrimaryColumn({ type: 'int' })
  index: number;

  @ManyToOne(() => ExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: Relation<ExecutionEntity>;

  @Column({ type: 'bytea' })
  png: Buffer;

  @Column({ type: 'int' })
  width: number;

  @Column({ type: 'int' })
  height: number;

  @Column({ type: 'int' })
  at: number;

  @Column({ name: 'drawn_at', type: 'timestamptz', default: () => 'now()' })
  drawnAt: Date;
}
