import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  AdminBattleRef,
  AdminModelPatch,
  AdminModelRef,
  AdminSessionRef,
  AdminSessionsQuery,
  AdminVoterRef,
  ModelSpec,
  parseInput,
  type AdminBanResult,
  type AdminHideResult,
  type AdminLoad,
  type AdminModel,
  type AdminSession,
  type AdminSessionEndResult,
  type AdminShowResult,
  type AdminUnbanResult,
} from '@arena/contracts';
import { BattlesService } from '../battles/battles.service.js';
import { ModelsService } from '../models/models.service.js';
import { VoterBansService } from '../moderation/voter-bans.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { AdminAction, AdminAuditInterceptor } from './admin-audit.js';
import { AdminLoadService } from './admin-load.service.js';
import { AdminTokenGuard } from './admin-token.guard.js';

/**
 * `/api/admin/*`: an arena operated in public. Behind `AdminTokenGuard` (404 without ARENA_ADMIN_TOKEN, 401
 * without the token, rate limited per address), every request audited. Validates, calls a service, answers.
 */
@Controller('admin')
@UseGuards(AdminTokenGuard)
@UseInterceptors(AdminAuditInterceptor)
export class AdminController {
  constructor(
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(BattlesService) private readonly battles: BattlesService,
    @Inject(VoterBansService) private readonly bans: VoterBansService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(AdminLoadService) private readonly loads: AdminLoadService,
  ) {}

  @Get('models')
  @AdminAction('models.list')
  listModels(): AdminModel[] {
    return this.models.adminList();
  }

  @Post('models')
  @HttpCode(201)
  @AdminAction('models.add', { body: 'id' })
  addModel(@Body() body: unknown): Promise<AdminModel> {
    return this.models.add(parseInput(ModelSpec, body, 'body'));
  }

  @Patch('models/:id')
  @AdminAction('models.update', { param: 'id' })
  updateModel(@Param('id') id: string, @Body() body: unknown): Promise<AdminModel> {
    const ref = parseInput(AdminModelRef, { id });
    return this.models.update(ref.id, parseInput(AdminModelPatch, body, 'body'));
  }

  @Post('battles/:battleId/hide')
  @HttpCode(200)
  @AdminAction('battles.hide', { param: 'battleId' })
  async hideBattle(@Param('battleId') battleId: string): Promise<AdminHideResult> {
    const hidden = await this.battles.hide(parseInput(AdminBattleRef, { battleId }).battleId);
    return { battleId: hidden.battleId, hiddenAt: hidden.hiddenAt.toISOString() };
  }

  @Delete('battles/:battleId/hide')
  @AdminAction('battles.show', { param: 'battleId' })
  showBattle(@Param('battleId') battleId: string): Promise<AdminShowResult> {
    return this.battles.show(parseInput(AdminBattleRef, { battleId }).battleId);
  }

  @Post('voters/:voterHash/ban')
  @HttpCode(200)
  @AdminAction('voters.ban', { param: 'voterHash' })
  async banVoter(@Param('voterHash') voterHash: string): Promise<AdminBanResult> {
    const ban = await this.bans.ban(parseInput(AdminVoterRef, { voterHash }).voterHash);
    return { voterHash: ban.voterHash, bannedAt: ban.bannedAt.toISOString(), votes: ban.votes };
  }

  @Delete('voters/:voterHash/ban')
  @AdminAction('voters.unban', { param: 'voterHash' })
  async unbanVoter(@Param('voterHash') voterHash: string): Promise<AdminUnbanResult> {
    const lifted = await this.bans.unban(parseInput(AdminVoterRef, { voterHash }).voterHash);
    return { ...lifted, banned: false };
  }

  @Get('sessions')
  @AdminAction('sessions.list')
  async listSessions(@Query() query: unknown): Promise<AdminSession[]> {
    const { limit } = parseInput(AdminSessionsQuery, query, 'query');
    return (await this.sessions.list(limit)).map((s) => ({
      sessionId: s.id,
      title: s.title,
      joinCode: s.joinCode,
      createdAt: s.createdAt.toISOString(),
      endedAt: s.endedAt?.toISOString() ?? null,
      participants: s.participants,
      battles: s.battles,
      currentBattleId: s.currentBattleId,
    }));
  }

  @Post('sessions/:sessionId/end')
  @HttpCode(200)
  @AdminAction('sessions.end', { param: 'sessionId' })
  async endSession(@Param('sessionId') sessionId: string): Promise<AdminSessionEndResult> {
    const ended = await this.sessions.end(parseInput(AdminSessionRef, { sessionId }).sessionId);
    return {
      sessionId: ended.sessionId,
      endedAt: ended.endedAt.toISOString(),
      ...(ended.closedBattleId ? { closedBattleId: ended.closedBattleId } : {}),
    };
  }

  @Get('load')
  @AdminAction('load.read')
  load(): Promise<AdminLoad> {
    return this.loads.load();
  }
}
