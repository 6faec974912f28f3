import type { EntityManager } from 'typeorm';
import { battleShown } from '../moderation/visibility.js';
import { RunScreenshotEntity, type ScreenshotSource } from './run-screenshot.entity.js';
import type { Shot } from './screenshot-browser.js';

/** The one writer of `run_screenshots`, and its readers. */
export class RunScreenshotsRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Keeps a run's picture, replacing the one it had. */
  async save(runId: string, shot: Shot, source: ScreenshotSource): Promise<void> {
    await this.manager
      .createQueryBuilder()
      .insert()
      .into(RunScreenshotEntity)
      .values({
        runId,
        jpeg: shot.jpeg,
        width: shot.width,
        height: shot.height,
        source,
        blank: shot.blank,
        takenAt: new Date(),
      })
      .orUpdate(['jpeg', 'width', 'height', 'source', 'blank', 'taken_at'], ['run_id'])
      .execute();
  }

  /** A run's picture, if the run belongs to that battle and the battle is not hidden. */
  async find(battleId: string, runId: string): Promise<Buffer | null> {
    const rows = await this.manager.query<{ jpeg: Buffer }[]>(
      `SELECT s.jpeg FROM run_screenshots s JOIN executions e ON e.id = s.run_id
       WHERE s.run_id = $1 AND e.battle_id = $2 AND ${battleShown('e.battle_id')}`,
      [runId, battleId],
    );
    return rows[0]?.jpeg ?? null;
  }
}
