import { randomUUID } from 'node:crypto';
import type { EvalStatus } from '@arena/contracts';
import type { EntityManager } from 'typeorm';
import { EvalResultEntity } from './eval-result.entity.js';
import { EvalRunEntity } from './eval-run.entity.js';

/** One sample run as `arena eval --store` keeps it. */
export interface StoredEvalSample {
  model: string;
  taskId: string;
  language: string;
  sample: number;
  status: EvalStatus;
  cpuMs?: number | undefined;
  peakMemoryBytes?: number | undefined;
  durationMs?: number | undefined;
  code?: string | undefined;
}

/** A stored sample run as the tables read it back (no code). */
export interface EvalResultRow {
  taskSetId: string;
  model: string;
  taskId: string;
  language: string;
  sample: number;
  status: EvalStatus;
  cpuMs: number | null;
  peakMemoryBytes: number | null;
}

/** Rows upserted per statement: well under PostgreSQL's 65,535 parameters. */
const BATCH = 500;

/** The `eval_runs` and `eval_results` tables: the only class that writes them. */
export class EvalRepository {
  constructor(private readonly manager: EntityManager) {}

  /** A model's run on a task set begins (`finished_at` stays null until `finishRun`). */
  async startRun(run: Omit<EvalRunEntity, 'id' | 'startedAt' | 'finishedAt'>): Promise<string> {
    const id = randomUUID();
    await this.manager
      .getRepository(EvalRunEntity)
      .insert({ ...run, id, ks: [...run.ks], startedAt: new Date(), finishedAt: null });
    return id;
  }

  async finishRun(id: string): Promise<void> {
    await this.manager.getRepository(EvalRunEntity).update({ id }, { finishedAt: new Date() });
  }

  /**
   * A run's sample results, in one transaction: a sample already stored for the same set, model, task and
   * sample (an earlier or interrupted run) is replaced, so storing again never duplicates.
   */
  async storeResults(runId: string, taskSetId: string, samples: readonly StoredEvalSample[]): Promise<void> {
    await this.manager.transaction(async (tx) => {
      for (let i = 0; i < samples.length; i += BATCH)
        await tx
          .createQueryBuilder()
          .insert()
          .into(EvalResultEntity)
          .values(
            samples.slice(i, i + BATCH).map((s) => ({
              id: randomUUID(),
              runId,
              taskSetId,
              model: s.model,
              taskId: s.taskId,
              language: s.language,
              sample: s.sample,
              status: s.status,
              cpuMs: s.cpuMs !== undefined ? Math.round(s.cpuMs) : null,
              peakMemoryBytes: s.peakMemoryBytes !== undefined ? String(Math.round(s.peakMemoryBytes)) : null,
              durationMs: s.durationMs !== undefined ? Math.round(s.durationMs) : null,
              code: s.code ?? null,
            })),
          )
          .orUpdate(
            ['run_id', 'status', 'cpu_ms', 'peak_memory_bytes', 'duration_ms', 'code', 'created_at'],
            ['task_set_id', 'model', 'language', 'task_id', 'sample'],
          )
          .updateEntity(false)
          .execute();
    });
  }

  /** Every run, or a set's, newest first. */
  runs(taskSetId?: string): Promise<EvalRunEntity[]> {
    return this.manager
      .getRepository(EvalRunEntity)
      .find({ where: taskSetId !== undefined ? { taskSetId } : {}, order: { startedAt: 'DESC' } });
  }

  /** The stored sample runs of one set (or of every set), without their code. */
  async results(taskSetId?: string): Promise<EvalResultRow[]> {
    const rows = await this.manager.query<
      {
        task_set_id: string;
        model: string;
        task_id: string;
        language: string;
        sample: number;
        status: EvalStatus;
        cpu_ms: number | null;
        peak_memory_bytes: string | null;
      }[]
    >(
      `SELECT task_set_id, model, task_id, language, sample, status, cpu_ms, peak_memory_bytes
         FROM eval_results ${taskSetId !== undefined ? 'WHERE task_set_id = $1' : ''}
        ORDER BY task_set_id, model, language, task_id, sample`,
      taskSetId !== undefined ? [taskSetId] : [],
    );
    return rows.map((r) => ({
      taskSetId: r.task_set_id,
      model: r.model,
      taskId: r.task_id,
      language: r.language,
      sample: r.sample,
      status: r.status,
      cpuMs: r.cpu_ms,
      peakMemoryBytes: r.peak_memory_bytes === null ? null : Number(r.peak_memory_bytes),
    }));
  }
}
