import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import {
  LeaderboardQuery,
  MatrixQuery,
  parseInput,
  type LeaderboardResponse,
  type MatrixResponse,
} from '@arena/contracts';
import type { Response } from 'express';
import { write } from '../common/stream-write.js';
import { LeaderboardService } from './leaderboard.service.js';

@Controller('leaderboard')
export class LeaderboardController {
  constructor(@Inject(LeaderboardService) private readonly leaderboard: LeaderboardService) {}

  @Get()
  get(@Query() query: unknown): Promise<LeaderboardResponse> {
    return this.leaderboard.leaderboard(parseInput(LeaderboardQuery, query, 'query'));
  }

  @Get('matrix')
  matrix(@Query() query: unknown): Promise<MatrixResponse> {
    return this.leaderboard.matrix(parseInput(MatrixQuery, query, 'query'));
  }

  /** The battles behind a board, after the hygiene rules, as FastChat clean-battle JSON lines. */
  @Get('battles.jsonl')
  async battles(@Query() query: unknown, @Res() res: Response): Promise<void> {
    const rows = await this.leaderboard.rows(parseInput(LeaderboardQuery, query, 'query'));
    res.setHeader('content-type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('content-disposition', 'attachment; filename="battles.jsonl"');
    for (const row of rows) {
      const line = JSON.stringify({
        question_id: row.battleId,
        model_a: row.model_a,
        model_b: row.model_b,
        winner: row.winner,
        anony: row.anony,
        tstamp: row.tstamp / 1000,
        category: row.category,
        language: row.languages[0] ?? null,
        environment: row.environments[0] ?? null,
        both_ran: row.bothRan,
      });
      await write(res, `${line}\n`);
    }
    res.end();
  }
}
