import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { buildExportPartsFor, invalidateExportParts } from './export-parts.js';

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
