import { Controller, Get, Inject, Param } from '@nestjs/common';
import { EvalTaskSetId, parseInput, type EvalTaskSet, type EvalTaskSetDetail } from '@arena/contracts';
import { EvalService } from './eval.service.js';

/** `/api/eval`: test-based evaluation results (`arena eval --store`), per task set. */
@Controller('eval')
export class EvalController {
  constructor(@Inject(EvalService) private readonly evals: EvalService) {}

  @Get()
  list(): Promise<EvalTaskSet[]> {
    return this.evals.taskSets();
  }

  @Get(':taskSetId')
  one(@Param('taskSetId') taskSetId: string): Promise<EvalTaskSetDetail> {
    return this.evals.taskSet(parseInput(EvalTaskSetId, taskSetId, 'taskSetId'));
  }
}
