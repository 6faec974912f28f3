import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ArenaError, BattleId, parseInput } from '@arena/contracts';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { RunFiguresRepository } from './run-figures.repository.js';

const RunId = z.uuid({ message: 'runId must be a run id (a UUID)' });
const FigureIndex = z
  .string()
  .regex(/^\d{1,4}$/, { message: 'index must be a figure number (0, 1, …)' })
  .transform(Number);

/** `GET /api/battles/:battleId/runs/:runId/figures/:index`: a figure a run's program drew (PNG), 404 when none. */
@Controller('battles')
export class RunFiguresController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  @Get(':battleId/runs/:runId/figures/:index')
  async figure(
    @Param('battleId') battleId: string,
    @Param('runId') runId: string,
    @Param('index') index: string,
    @Res() res: Response,
  ): Promise<void> {
    const battle = parseInput(BattleId, battleId, 'battleId');
    const run = parseInput(RunId, runId, 'runId');
    const at = parseInput(FigureIndex, index, 'index');
    const png = await new RunFiguresRepository(this.dataSource.manager).find(battle, run, at);
    if (!png) throw new ArenaError('not_found', 'that run drew no such figure');
    res.setHeader('content-type', 'image/png');
    res.setHeader('x-content-type-options', 'nosniff');
    // A figure never changes once drawn; hiding the battle is what takes it away.
    res.setHeader('cache-control', 'public, max-age=300');
    res.send(png);
  }
}
