import { Inject, Injectable } from '@nestjs/common';
import type { AdminLoad } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { BattleRegistry } from '../battles/battle-registry.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { HiddenBattlesRepository } from '../moderation/hidden-battles.repository.js';
import { VoterBansService } from '../moderation/voter-bans.service.js';

/** `GET /api/admin/load`: what this process holds now, and the arena's last hour from the database. */
@Injectable()
export class AdminLoadService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRegistry) private readonly registry: BattleRegistry,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(VoterBansService) private readonly bans: VoterBansService,
  ) {}

  async load(): Promise<AdminLoad> {
    const liveBattles = { generating: 0, running: 0, voting: 0 };
    let runsInProgress = 0;
    let watchers = 0;
    for (const battle of this.registry.all()) {
      if (battle.status === 'generating' || battle.status === 'running' || battle.status === 'voting')
        liveBattles[battle.status] += 1;
      runsInProgress += Object.values(battle.phases).filter((phase) => phase.running).length;
      watchers += battle.spectators.size;
    }
    const sockets = (await this.metrics.sockets.get()).values[0]?.value ?? 0;
    const [[recent], hiddenBattles, bannedVoters] = await Promise.all([
      this.dataSource.query<{ battles: number; votes: number; sessions: number }[]>(
        `SELECT (SELECT count(*)::int FROM battles WHERE created_at > now() - interval '1 hour') AS battles,
                (SELECT count(*)::int FROM votes WHERE created_at > now() - interval '1 hour') AS votes,
                (SELECT count(*)::int FROM sessions WHERE created_at > now() - interval '1 day' AND ended_at IS NULL) AS sessions`,
      ),
      new HiddenBattlesRepository(this.dataSource.manager).count(),
      this.bans.count(),
    ]);
    return {
      at: new Date().toISOString(),
      process: { liveBattles, runsInProgress, sockets, watchers },
      arena: {
        battlesLastHour: recent?.battles ?? 0,
        votesLastHour: recent?.votes ?? 0,
        sessionsLastDay: recent?.sessions ?? 0,
        hiddenBattles,
        bannedVoters,
      },
    };
  }
}
