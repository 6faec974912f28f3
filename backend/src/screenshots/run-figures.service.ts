import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';
import { RunScreenshotsService } from './run-screenshots.service.js';
import { RunFiguresRepository } from '../battles/run-figures.repository.js';

/**
 * A run's last figure is its screenshot (a JPEG of at most 1024×768, source `figure`): taken once the run ended,
 * off its path (its `run:end` does not wait), tracked with the battle's shots so that a vision judge of the turn
 * waits for it and sees it.
 */
@Injectable()
export class RunFiguresService {
  private readonly logger = createLogger(RunFiguresService.name);

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RunScreenshotsService) private readonly screenshots: RunScreenshotsService,
    @Inject(DomainEvents) events: DomainEvents,
  ) {
    events.on('run.finished', ({ battleId, runId, side }) => {
      this.screenshots.captureInBackground({ battleId, runId, side }, async () => {
        const last = await new RunFiguresRepository(this.dataSource.manager).last(runId);
        if (!last) return undefined;
        this.logger.debug({ battleId, runId, index: last.index }, 'the last figure is the run’s screenshot');
        return {
          subject: { kind: 'image', png: last.png, width: last.width, height: last.height },
          source: 'figure',
        };
      });
    });
  }
}
