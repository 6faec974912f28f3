import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { BattlesRepository } from '../battles/battles.repository.js';
import { buildExportPartsFor } from './export-parts.js';

/**
 * Keeps the export parts (what the data sets say of each battle, serialised once) in step with battles:
 * built when a battle is revealed, off the vote's path (an export builds them if this fails); dropped when
 * a battle's runs change, before the change is announced.
 */
@Injectable()
export class ExportPartsListener {
  private readonly logger = createLogger(ExportPartsListener.name);

  constructor(@Inject(DataSource) dataSource: DataSource, @Inject(DomainEvents) events: DomainEvents) {
    events.on('battle.revealed', ({ battleId }) => {
      buildExportPartsFor(dataSource, [battleId]).catch((err: unknown) =>
        this.logger.warn({ err, battleId }, 'export parts not built; the next export builds them'),
      );
    });
    events.on('battle.runs-changed', ({ battleId }) => invalidateExportParts(dataSource, battleId));
  }
}

/**
 * A battle's runs changed: its `updated_at` moves on and the export parts kept of it go, in one transaction
 * (the update's row lock orders it with a build, see `buildExportParts`); the next export builds them anew.
 */
async function invalidateExportParts(dataSource: DataSource, battleId: string): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await new BattlesRepository(manager).touch(battleId);
    await manager.query('DELETE FROM export_parts WHERE battle_id = $1', [battleId]);
  });
}
