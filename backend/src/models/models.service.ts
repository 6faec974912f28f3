import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ModelRef, PublicModel } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { ModelEntity } from '../battles/entities/model.entity.js';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { DEMO_MODELS, loadModelsFile, type ModelSpec } from './models-file.js';
import { samplePair } from './pair-sampler.js';
import { AnthropicProvider } from './providers/anthropic.provider.js';
import { DemoProvider } from './providers/demo.provider.js';
import { OpenAiProvider } from './providers/openai.provider.js';
import type { ModelProvider } from './providers/provider.js';
import { ReplayIndex } from './providers/replay-index.js';
import { ReplayProvider } from './providers/replay.provider.js';

export interface ArenaModel {
  spec: ModelSpec;
  ref: ModelRef;
  provider: ModelProvider;
  weight: number;
}

export const RANDOM = Symbol('RANDOM');

/** The key named by `apiKeyEnv`, read from the environment at start-up (never stored, never sent to clients). */
function apiKeyOf(spec: ModelSpec): string | undefined {
  if (!spec.apiKeyEnv) return undefined;
  const key = process.env[spec.apiKeyEnv];
  if (!key) throw new Error(`model ${spec.id}: environment variable ${spec.apiKeyEnv} is not set`);
  return key;
}

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
        provider: await this.createProvider(spec, replayIndexes),
      })),
    );
    const repo = this.dataSource.getRepository(ModelEntity);
    await repo.update({ active: true }, { active: false });
    await repo.upsert(
      specs.map((spec) => ({
        id: spec.id,
        name: spec.name,
        provider: spec.provider,
        weight: spec.weight,
        active: true,
      })),
      ['id'],
    );
    this.logger.info(
      { models: specs.map((s) => s.id), source: this.config.modelsFile ?? 'built-in demo models' },
      'models loaded',
    );
  }

  private async createProvider(
    spec: ModelSpec,
    replayIndexes: Map<string, Promise<ReplayIndex>>,
  ): Promise<ModelProvider> {
    switch (spec.provider) {
      case 'demo':
        return new DemoProvider(spec.style ?? 'javascript', spec.tokensPerSecond ?? 100);
      case 'replay': {
        const key = `${spec.answersFile}\n${spec.questionsFile}`;
        let index = replayIndexes.get(key);
        if (!index) {
          index = ReplayIndex.load(spec.answersFile!, spec.questionsFile!);
          replayIndexes.set(key, index);
        }
        return new ReplayProvider(await index, spec.tokensPerSecond ?? 60);
      }
      case 'openai': {
        const apiKey = spec.apiKeyEnv ? process.env[spec.apiKeyEnv] : undefined;
        if (spec.apiKeyEnv && !apiKey)
          throw new Error(`model ${spec.id}: environment variable ${spec.apiKeyEnv} is not set`);
        return new OpenAiProvider({ baseUrl: spec.baseUrl!, model: spec.model!, ...(apiKey ? { apiKey } : {}) });
      }
      case 'anthropic': {
        const apiKey = apiKeyOf(spec);
        return new AnthropicProvider({
          baseUrl: spec.baseUrl ?? 'https://api.anthropic.com',
          model: spec.model!,
          ...(apiKey ? { apiKey } : {}),
        });
      }
    }
  }

  publicList(): PublicModel[] {
    return this.models.map((m) => m.ref);
  }

  get(id: string): ArenaModel {
    const model = this.models.find((m) => m.ref.id === id);
    if (!model) throw new Error(`unknown model ${id}`);
    return model;
  }

  pickPair(): [ArenaModel, ArenaModel] {
    return samplePair(this.models, this.random);
  }
}
