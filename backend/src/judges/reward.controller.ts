import { Controller, Get, Inject, Query } from '@nestjs/common';
import { parseInput, type AgreementResponse } from '@arena/contracts';
import { z } from 'zod';
import { RewardService } from './reward.service.js';

const AgreementQuery = z.strictObject({
  judge: z.string().min(1).max(128).optional(),
  mode: z.enum(['with_execution', 'without_execution']).optional(),
});

@Controller('reward')
export class RewardController {
  constructor(@Inject(RewardService) private readonly reward: RewardService) {}

  /** BigCodeReward agreement of each judge (and mode) with the human votes. */
  @Get('agreement')
  agreement(@Query() query: unknown): Promise<AgreementResponse> {
    const { judge, mode } = parseInput(AgreementQuery, query, 'query');
    return this.reward.agreement({ ...(judge ? { judge } : {}), ...(mode ? { mode } : {}) });
  }
}
