import { Column, CreateDateColumn, Entity, Index } from 'typeorm';
import type { Environment, RunnerKind, RunStatus } from '@arena/contracts';
import { BattleSidePart } from './battle-part.js';

/** One run of one side's code; `status` is null while it runs. */
@Entity('executions')
@Index('idx_executions_battle', ['battleId', 'turn', 'side'])
export class ExecutionEntity extends BattleSidePart {
  @Column({ type: 'varchar', length: 32 })
  environment: Environment;

  @Column({ type: 'varchar', length: 16 })
  runner: RunnerKind;

  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'text', nullable: true })
  stdin: string | null;

  /** `answer`: the model's code, run as the battle ran it; `rerun`: run again from the UI (possibly edited). */
  @Column({ type: 'varchar', length: 8, default: 'answer' })
  origin: 'answer' | 'rerun';

  @Column({ type: 'varchar', length: 16, nullable: true })
  status: RunStatus | null;

  @Column({ name: 'exit_code', type: 'int', nullable: true })
  exitCode: number | null;

  /** stdout and stderr interleaved as they were produced, for replaying the run. */
  @Column({ type: 'text', default: '' })
  output: string;

  @Column({ type: 'text', default: '' })
  stdout: string;

  @Column({ type: 'text', default: '' })
  stderr: string;

  /**
   * Where stderr's parts sit in `output`, as [start, end) character offsets (`RunState.stderr`), so that a late
   * viewer draws the streams apart as a live one did; null when no stderr came (and in runs stored before it).
   */
  @Column({ name: 'stderr_ranges', type: 'jsonb', nullable: true })
  stderrRanges: [number, number][] | null;

  /** A web environment's preview page (HTML the browser renders in a sandboxed iframe). */
  @Column({ type: 'text', nullable: true })
  preview: string | null;

  /** What the run rendered (`RunPreviewState.kind`): `html` (the page is `preview`), a live `app` or a `display`. */
  @Column({ name: 'preview_kind', type: 'text', nullable: true })
  previewKind: 'html' | 'app' | 'display' | null;

  /** A live app's or display's address on the arena (`/api/apps/<token>/`); it answers 410 once removed. */
  @Column({ name: 'preview_url', type: 'text', nullable: true })
  previewUrl: string | null;

  /** Why the run ended when it did not end on its own. */
  @Column({ type: 'text', nullable: true })
  message: string | null;

  @Column({ name: 'duration_ms', type: 'int', nullable: true })
  durationMs: number | null;

  @Column({ name: 'cpu_ms', type: 'int', nullable: true })
  cpuMs: number | null;

  @Column({ name: 'peak_memory_bytes', type: 'bigint', nullable: true })
  peakMemoryBytes: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
