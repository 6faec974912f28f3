import { runFigurePath, type RunFigureState } from '@arena/contracts';
import type { EntityManager } from 'typeorm';
import { battleShown } from '../moderation/visibility.js';
import { RunFigureEntity } from './entities/run-figure.entity.js';

export interface StoredFigure {
  index: number;
  png: Buffer;
  width: number;
  height: number;
  at: number;
}

/** The one writer of `run_figures`, and its readers. */
export class RunFiguresRepository {
  constructor(private readonly manager: EntityManager) {}

  async save(runId: string, figure: StoredFigure): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .insert()
      .into(RunFigureEntity)
      .values({ runId, ...figure, drawnAt: new Date() })
      .orIgnore()
      .execute();
  }

  /** A run's figure, if the run belongs to that battle and the battle is not hidden. */
  async find(battleId: string, runId: string, index: number): Promise<Buffer | null> {
    const rows = await this.manager.query<{ png: Buffer }[]>(
      `SELECT f.png FROM run_figures f JOIN executions e ON e.id = f.run_id
       WHERE f.run_id = $1 AND f.index = $2 AND e.battle_id = $3 AND ${battleShown('e.battle_id')}`,
      [runId, index, battleId],
    );
    return rows[0]?.png ?? null;
  }

  /** The last figure a run drew, or null. */
  async last(runId: string): Promise<StoredFigure | null> {
    const row = await this.manager
      .getRepository(RunFigureEntity)
      .findOne({ where: { runId }, order: { index: 'DESC' } });
    return row ? { index: row.index, png: row.png, width: row.width, height: row.height, at: row.at } : null;
  }

  /** Every figure of a battle's runs, without their pictures, by run, in order (stored snapshots). */
  async ofBattle(battleId: string): Promise<Map<string, RunFigureState[]>> {
    const rows = await this.manager.query<
      { run_id: string; index: number; width: number; height: number; at: number }[]
    >(
      `SELECT f.run_id, f.index, f.width, f.height, f.at FROM run_figures f JOIN executions e ON e.id = f.run_id
       WHERE e.battle_id = $1 ORDER BY f.run_id, f.index`,
      [battleId],
    );
    const out = new Map<string, RunFigureState[]>();
    for (const row of rows) {
      const list = out.get(row.run_id) ?? [];
      list.push({
        index: row.index,
        url: runFigurePath(battleId, row.run_id, row.index),
        width: row.width,
        height: row.height,
        at: row.at,
      });
      out.set(row.run_id, list);
    }
    return out;
  }
}
