import { DataSource, type DataSourceOptions } from 'typeorm';
import { BATTLE_ENTITIES } from '../battles/entities/index.js';
import { ModelEntity } from '../models/model.entity.js';
import { ParticipantEntity } from '../sessions/entities/participant.entity.js';
import { SessionEntity } from '../sessions/entities/session.entity.js';
import { ExportPartEntity } from '../datasets/export-part.entity.js';
import { EvalResultEntity } from '../eval/eval-result.entity.js';
import { EvalRunEntity } from '../eval/eval-run.entity.js';
import { JudgementEntity } from '../judges/judgement.entity.js';
import { HiddenBattleEntity } from '../moderation/hidden-battle.entity.js';
import { VoterBanEntity } from '../moderation/voter-ban.entity.js';
import { MIGRATIONS } from './migrations/index.js';
import { SettingEntity } from './setting.entity.js';
import { RunScreenshotEntity } from '../screenshots/run-screenshot.entity.js';
import { RunFigureEntity } from '../battles/entities/run-figure.entity.js';
import { RunInteractionEntity } from '../battles/entities/run-interaction.entity.js';

export interface DatabaseTarget {
  url: string;
  embedded: boolean;
}

/** One set of entities and migrations for PostgreSQL and embedded PGlite alike; never `synchronize`. */
export function dataSourceOptions(target: DatabaseTarget): DataSourceOptions {
  return {
    type: 'postgres',
    url: target.url,
    entities: [
      ModelEntity,
      ...BATTLE_ENTITIES,
      JudgementEntity,
      SettingEntity,
      SessionEntity,
      ParticipantEntity,
      ExportPartEntity,
      VoterBanEntity,
      HiddenBattleEntity,
      EvalRunEntity,
      EvalResultEntity,
      RunScreenshotEntity,
      RunFigureEntity,
      RunInteractionEntity,
    ],
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    // PGlite is one session: a single connection keeps transactions from interleaving.
    extra: { max: target.embedded ? 1 : 10 },
  };
}

export function createDataSource(target: DatabaseTarget): DataSource {
  return new DataSource(dataSourceOptions(target));
}
