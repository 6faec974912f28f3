import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { RunScreenshotsService } from '../screenshots/run-screenshots.service.js';
import { RunFiguresRepository } from './run-figures.repository.js';

/**
 * A run's last figure is its screenshot (a JPEG of at most 1024×768, source `figure`): taken when the run ends,
 * before the turn can finish, so that a vision judge of the turn sees it.
 */
@Injectable()
export class RunFiguresService {
  private readonly logger = createLogger(RunFiguresService.name);

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RunScreenshotsService) private readonly screenshots: RunScreenshotsService,
    @Inject(DomainEvents) events: DomainEvents,
  ) {
    events.on('run.finished', async ({ battleId, runId, side }) => {
      if (!this.screenshots.enabled) return;
      const last = await new RunFiguresRepository(this.dataSource.manager).last(runId);
      if (!last) return;
      const kept = await this.screenshots.capture(
        { battleId, runId, side },
        { kind: 'image', png: last.png, width: last.width, height: last.height },
        'figure',
      );
      if (kept) this.logger.debug({ battleId, runId, index: last.index }, 'the last figure is the run’s screenshot');
    });
  }
}
