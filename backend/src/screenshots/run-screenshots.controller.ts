import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ArenaError, BattleId, parseInput } from '@arena/contracts';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { RunScreenshotsRepository } from './run-screenshots.repository.js';

const RunId = z.uuid({ message: 'runId must be a run id (a UUID)' });

/** `GET /api/battles/:battleId/runs/:runId/screenshot`: the picture of what a run rendered, 404 when none. */
@Controller('battles')
export class RunScreenshotsController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  @Get(':battleId/runs/:runId/screenshot')
  async screenshot(
    @Param('battleId') battleId: string,
    @Param('runId') runId: string,
    @Res() res: Response,
  ): Promise<void> {
    const battle = parseInput(BattleId, battleId, 'battleId');
    const run = parseInput(RunId, runId, 'runId');
    const jpeg = await new RunScreenshotsRepository(this.dataSource.manager).find(battle, run);
    if (!jpeg) throw new ArenaError('not_found', 'that run rendered nothing the arena has a picture of');
    res.setHeader('content-type', 'image/jpeg');
    res.setHeader('x-content-type-options', 'nosniff');
    // A later picture (a run's last figure) may replace it: revalidate, but briefly cache.
    res.setHeader('cache-control', 'public, max-age=60');
    res.send(jpeg);
  }
}
