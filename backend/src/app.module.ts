import { Module, type DynamicModule, type OnApplicationShutdown, Inject } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { SandboxRegistry } from '@arena/sandboxes';
import { AdminAuditInterceptor, AdminAuditLog } from './admin/admin-audit.js';
import { AdminController } from './admin/admin.controller.js';
import { AdminLoadService } from './admin/admin-load.service.js';
import { AdminTokenGuard } from './admin/admin-token.guard.js';
import { AbandonedBattles } from './battles/abandoned-battles.js';
import { AnswerGeneration } from './battles/answer-generation.js';
import { BattleRegistry } from './battles/battle-registry.js';
import { BattleRevealService } from './battles/battle-reveal.service.js';
import { BattleRunnerService } from './battles/battle-runner.service.js';
import { BattleVotesService } from './battles/battle-votes.service.js';
import { BattlesController } from './battles/battles.controller.js';
import { BattlesGateway } from './battles/battles.gateway.js';
import { BattlesService } from './battles/battles.service.js';
import { PreviewInteractionsService } from './battles/preview-interactions.service.js';
import { PreviewLogsService } from './battles/preview-logs.service.js';
import { RunExecution } from './battles/run-execution.js';
import { ExportPartsListener } from './datasets/export-parts.listener.js';
import { DomainEvents } from './events/domain-events.js';
import { ArenaEmitter } from './realtime/arena-emitter.js';
import { CLOCK, systemClock, type Clock } from './realtime/frame-coalescer.js';
import { SocketEmitter } from './realtime/socket-emitter.js';
import { ArenaErrorFilter } from './common/arena-error.filter.js';
import { ARENA_CONFIG, type ArenaConfig } from './config/config.js';
import { DatabaseModule, EMBEDDED_TEMPLATE } from './database/database.module.js';
import { createLogger } from './logging/logger.js';
import { DatasetsController } from './datasets/datasets.controller.js';
import { DatasetsService } from './datasets/datasets.service.js';
import { EvalController } from './eval/eval.controller.js';
import { EvalService } from './eval/eval.service.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { LIVE_BATTLE_STATUSES, MetricsService } from './metrics/metrics.service.js';
import { LeaderboardController } from './leaderboard/leaderboard.controller.js';
import { LeaderboardService } from './leaderboard/leaderboard.service.js';
import { AutoArenaController } from './judges/autoarena.controller.js';
import { JudgeService } from './judges/judge.service.js';
import { RewardController } from './judges/reward.controller.js';
import { RewardService } from './judges/reward.service.js';
import { OpaqueOriginGuard } from './common/opaque-origins.js';
import { RunPreviewsController } from './battles/run-previews.controller.js';
import { RunScreenshotsController } from './screenshots/run-screenshots.controller.js';
import { RunScreenshotsService } from './screenshots/run-screenshots.service.js';
import { RunFiguresController } from './battles/run-figures.controller.js';
import { RunFiguresService } from './screenshots/run-figures.service.js';
import { SandboxAssetsController } from './sandboxes/sandbox-assets.controller.js';
import { createSandboxRegistry } from './sandboxes/sandbox-registry.factory.js';
import { ModelsController } from './models/models.controller.js';
import { ModelsService, RANDOM } from './models/models.service.js';
import { VoterBansService } from './moderation/voter-bans.service.js';
import { SamplePromptsService } from './models/sample-prompts.service.js';
import { ClusterBus } from './realtime/cluster-bus.js';
import { RateLimits } from './realtime/rate-limits.js';
import { connectRedis, REDIS } from './realtime/redis.js';
import { SessionParticipantsService } from './sessions/session-participants.service.js';
import { SessionViewsService } from './sessions/session-views.service.js';
import { SessionVotesService } from './sessions/session-votes.service.js';
import { SessionsController } from './sessions/sessions.controller.js';
import { SessionsGateway } from './sessions/sessions.gateway.js';
import { SessionsService } from './sessions/sessions.service.js';
import type { Redis } from 'ioredis';

class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | undefined) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

class SandboxLifecycle implements OnApplicationShutdown {
  constructor(@Inject(SandboxRegistry) private readonly sandboxes: SandboxRegistry) {}
  async onApplicationShutdown(): Promise<void> {
    await this.sandboxes.close();
  }
}

@Module({})
export class AppModule {
  /**
   * `random`, `emitter` and `clock` replace the real ones in tests: a seeded draw of models, an in-memory
   * emitter instead of socket.io, a manual clock for coalesced frames; `embeddedTemplate` starts the
   * embedded database from a dump.
   */
  static forRoot(
    config: ArenaConfig,
    options: { random?: () => number; emitter?: ArenaEmitter; clock?: Clock; embeddedTemplate?: Blob } = {},
  ): DynamicModule {
    const configModule: DynamicModule = {
      module: class ConfigModule {},
      global: true,
      providers: [
        { provide: ARENA_CONFIG, useValue: config },
        { provide: EMBEDDED_TEMPLATE, useValue: options.embeddedTemplate ?? null },
      ],
      exports: [ARENA_CONFIG, EMBEDDED_TEMPLATE],
    };
    return {
      module: AppModule,
      imports: [configModule, DatabaseModule],
      controllers: [
        HealthController,
        ModelsController,
        BattlesController,
        LeaderboardController,
        MetricsController,
        DatasetsController,
        SandboxAssetsController,
        RunPreviewsController,
        RunScreenshotsController,
        RunFiguresController,
        RewardController,
        AutoArenaController,
        SessionsController,
        AdminController,
        EvalController,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ArenaErrorFilter },
        { provide: APP_GUARD, useClass: OpaqueOriginGuard },
        { provide: RANDOM, useValue: options.random ?? Math.random },
        {
          provide: SandboxRegistry,
          useFactory: async (): Promise<SandboxRegistry> => {
            const registry = createSandboxRegistry(config);
            await registry.warm();
            createLogger('Sandboxes').info(
              { sandboxes: registry.describe(), docker: registry.dockerHosts() },
              'sandboxes ready',
            );
            return registry;
          },
        },
        SandboxLifecycle,
        { provide: REDIS, useFactory: () => connectRedis(config.redisUrl) },
        RedisLifecycle,
        DomainEvents,
        ClusterBus,
        RateLimits,
        SocketEmitter,
        options.emitter
          ? { provide: ArenaEmitter, useValue: options.emitter }
          : { provide: ArenaEmitter, useExisting: SocketEmitter },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        BattleRegistry,
        {
          provide: LIVE_BATTLE_STATUSES,
          useFactory: (registry: BattleRegistry) => () => registry.all().map((battle) => battle.status),
          inject: [BattleRegistry],
        },
        MetricsService,
        ModelsService,
        SamplePromptsService,
        JudgeService,
        RewardService,
        AnswerGeneration,
        RunExecution,
        BattleRunnerService,
        AbandonedBattles,
        BattleRevealService,
        BattleVotesService,
        PreviewLogsService,
        PreviewInteractionsService,
        BattlesService,
        SessionViewsService,
        SessionVotesService,
        SessionParticipantsService,
        SessionsService,
        LeaderboardService,
        DatasetsService,
        EvalService,
        ExportPartsListener,
        RunScreenshotsService,
        RunFiguresService,
        VoterBansService,
        AdminAuditLog,
        AdminTokenGuard,
        AdminAuditInterceptor,
        AdminLoadService,
        BattlesGateway,
        SessionsGateway,
      ],
    };
  }
}
