import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { BattleId, BattleListQuery, parseInput, type BattleListItem, type BattleSnapshot } from '@arena/contracts';
import { BattlesService } from './battles.service.js';

@Controller('battles')
export class BattlesController {
  constructor(@Inject(BattlesService) private readonly battles: BattlesService) {}

  @Get()
  list(@Query() query: unknown): Promise<BattleListItem[]> {
    return this.battles.list(parseInput(BattleListQuery, query, 'query'));
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<BattleSnapshot> {
    return this.battles.snapshot(parseInput(BattleId, id, 'id'));
  }
}
