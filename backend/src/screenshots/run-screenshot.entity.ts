import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ExecutionEntity } from '../battles/entities/execution.entity.js';

/** What rendered the picture: a web preview, a live app, a virtual display, or the program's own figure. */
export const SCREENSHOT_SOURCES = ['preview', 'app', 'display', 'figure'] as const;
export type ScreenshotSource = (typeof SCREENSHOT_SOURCES)[number];

/**
 * The picture of what a run rendered, taken by the arena's own headless Chromium: a JPEG of at most
 * 1024×768 (BigCodeReward's size), one per run (a later one, such as a run's last figure, replaces it).
 * Kept in a table of its own so that reading runs never drags pictures along.
 */
@Entity('run_screenshots')
export class RunScreenshotEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId: string;

  @OneToOne(() => ExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: Relation<ExecutionEntity>;

  @Column({ type: 'bytea' })
  jpeg: Buffer;

  @Column({ type: 'int' })
  width: number;

  @Column({ type: 'int' })
  height: number;

  @Column({ type: 'varchar', length: 16 })
  source: ScreenshotSource;

  /** All one colour: the run rendered nothing to see (the execution judge takes a non-blank one as output). */
  @Column({ type: 'boolean', default: false })
  blank: boolean;

  @Column({ name: 'taken_at', type: 'timestamptz', default: () => 'now()' })
  takenAt: Date;
}
