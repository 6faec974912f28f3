import { Inject, Injectable } from '@nestjs/common';
import { ArenaError, type EvalTaskSet, type EvalTaskSetDetail } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { ModelsRepository } from '../models/models.repository.js';
import { evalTaskSetSummary, evalTaskSetTable } from './eval-tables.js';
import { EvalRepository } from './eval.repository.js';

/** The results `arena eval --store` kept, as per-task-set tables of the models evaluated on each set. */
@Injectable()
export class EvalService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Every task set, the most recently evaluated first, each with its models' table. */
  async taskSets(): Promise<EvalTaskSet[]> {
    const repo = new EvalRepository(this.dataSource.manager);
    const [runs, results] = await Promise.all([repo.runs(), repo.results()]);
    const names = await this.names([...runs.map((r) => r.model)]);
    const sets = [...new Set(runs.map((r) => r.taskSetId))];
    return sets
      .map((id) =>
        evalTaskSetSummary(
          evalTaskSetTable(
            runs.filter((r) => r.taskSetId === id),
            results.filter((r) => r.taskSetId === id),
            names,
          ),
        ),
      )
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** One task set's table and its per-task rows. */
  async taskSet(id: string): Promise<EvalTaskSetDetail> {
    const repo = new EvalRepository(this.dataSource.manager);
    const runs = await repo.runs(id);
    if (runs.length === 0) throw new ArenaError('not_found', `no task set ${id} has been evaluated here`);
    const results = await repo.results(id);
    return evalTaskSetTable(runs, results, await this.names(runs.map((r) => r.model)));
  }

  private async names(ids: readonly string[]): Promise<Map<string, string>> {
    const refs = await new ModelsRepository(this.dataSource.manager).refs(ids);
    return new Map([...refs].map(([id, ref]) => [id, ref.name]));
  }
}
