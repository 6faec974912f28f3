import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ModelRef, PublicModel } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { DEMO_MODELS, loadModelsFile, type ModelSpec } from './models-file.js';
import { ModelsRepository } from './models.repository.js';
import { samplePair } from './pair-sampler.js';
import { createProvider } from './provider-factory.js';
import type { ModelProvider } from './providers/provider.js';
import { ReplayIndex } from './providers/replay-index.js';

export interface ArenaModel {
  spec: ModelSpec;
  ref: ModelRef;
  provider: ModelProvider;
  weight: number;
}

export const RANDOM = Symbol('RANDOM');

/** The arena's models: from ARENA_MODELS_FILE or the built-in demo models; recorded in the database. */
@Injectable()
export class ModelsService implements OnModuleInit {
  private readonly logger = createLogger(ModelsService.name);
  private models: ArenaModel[] = [];

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RANDOM) private readonly random: () => number,
  ) {}

  async onModuleInit(): Promise<void> {
    const specs = this.config.modelsFile ? await loadModelsFile(this.config.modelsFile) : DEMO_MODELS;
    const replayIndexes = new Map<string, Promise<ReplayIndex>>();
    this.models = await Promise.all(
      specs.map(async (spec) => ({
        spec,
        ref: { id: spec.id, name: spec.name },
        weight: spec.weight,
        provider: await createProvider(spec, replayIndexes),
      })),
    );
    await new ModelsRepository(this.dataSource.manager).syncActive(
      specs.map((spec) => ({ id: spec.id, name: spec.name, provider: spec.provider, weight: spec.weight })),
    );
    this.logger.info(
      { models: specs.map((s) => s.id), source: this.config.modelsFile ?? 'built-in demo models' },
      'models loaded',
    );
  }

  publicList(): PublicModel[] {
    return this.models.map((m) => m.ref);
  }

  get(id: string): ArenaModel {
    const model = this.models.find((m) => m.ref.id === id);
    if (!model) throw new Error(`unknown model ${id}`);
    return model;
  }

  /** Public references of recorded models (those of revealed battles), by id. */
  refs(ids: readonly string[]): Promise<Map<string, ModelRef>> {
    return new ModelsRepository(this.dataSource.manager).refs(ids);
  }

  /** A battle's two models, as a reveal names them. */
  async modelsOf(battle: { modelAId: string; modelBId: string }): Promise<{ a: ModelRef; b: ModelRef }> {
    const refs = await this.refs([battle.modelAId, battle.modelBId]);
    return { a: refs.get(battle.modelAId)!, b: refs.get(battle.modelBId)! };
  }

  pickPair(): [ArenaModel, ArenaModel] {
    return samplePair(this.models, this.random);
  }
}
