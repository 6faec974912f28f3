import path from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ArenaError, type AdminModel, type ModelRef, type ModelSource, type PublicModel } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { ClusterBus } from '../realtime/cluster-bus.js';
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
  /** The weight the pair sampler draws by: an operator's, else the entry's. */
  weight: number;
  /** Drawn for new battles only when enabled (a battle already running keeps its model). */
  enabled: boolean;
  source: ModelSource;
}

export const RANDOM = Symbol('RANDOM');

/** A battle needs two models: operators may not disable models below this. */
const MIN_ENABLED = 2;

/** An API key an operator's model may name: one the models file already uses, or a `…_API_KEY` variable. */
const API_KEY_VARIABLE = /_API_KEY$/;

/**
 * The arena's models. The models file (ARENA_MODELS_FILE, else the built-in demo models) is read at boot;
 * the database adds what operators did through the admin API, and wins: models they added (kept with their
 * entry, so a restart keeps them; an id the file defines is the file's), and each model's `enabled` switch
 * and weight. Every process reads the database again when an operator changes something.
 */
@Injectable()
export class ModelsService implements OnModuleInit {
  private readonly logger = createLogger(ModelsService.name);
  private fileSpecs: ModelSpec[] = [];
  private models: ArenaModel[] = [];
  /** Providers by model id, with the entry they were made from: kept while the entry stays the same. */
  private readonly providers = new Map<string, { entry: string; provider: Promise<ModelProvider> }>();
  private readonly replayIndexes = new Map<string, Promise<ReplayIndex>>();
  private reloads = 0;

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RANDOM) private readonly random: () => number,
    @Inject(ClusterBus) private readonly cluster: ClusterBus,
  ) {}

  private get repository(): ModelsRepository {
    return new ModelsRepository(this.dataSource.manager);
  }

  async onModuleInit(): Promise<void> {
    this.fileSpecs = this.config.modelsFile ? await loadModelsFile(this.config.modelsFile) : DEMO_MODELS;
    // The file's providers are made before anything else: a file model that cannot start stops the boot.
    await Promise.all(this.fileSpecs.map((spec) => this.providerFor(spec)));
    await this.repository.syncActive(
      this.fileSpecs.map((spec) => ({ id: spec.id, name: spec.name, provider: spec.provider, weight: spec.weight })),
    );
    await this.reload();
    this.cluster.on('arena:models-changed', () => {
      this.reload().catch((err: unknown) => this.logger.error({ err }, 'reading the models again failed'));
    });
    this.logger.info(
      {
        models: this.models.map((m) => ({ id: m.ref.id, source: m.source, enabled: m.enabled })),
        source: this.config.modelsFile ?? 'built-in demo models',
      },
      'models loaded',
    );
  }

  private providerFor(spec: ModelSpec): Promise<ModelProvider> {
    const entry = JSON.stringify(spec);
    const known = this.providers.get(spec.id);
    if (known?.entry === entry) return known.provider;
    const provider = createProvider(spec, this.replayIndexes);
    this.providers.set(spec.id, { entry, provider });
    provider.catch(() => {
      if (this.providers.get(spec.id)?.provider === provider) this.providers.delete(spec.id);
    });
    return provider;
  }

  /** The models as the file and the database now say (see the class comment). */
  private async reload(): Promise<void> {
    const reload = ++this.reloads;
    const rows = new Map((await this.repository.all()).map((row) => [row.id, row]));
    const inFile = new Set(this.fileSpecs.map((s) => s.id));
    const added = [...rows.values()].filter((row) => row.active && row.spec && !inFile.has(row.id));
    const entries: { spec: ModelSpec; source: ModelSource }[] = [
      ...this.fileSpecs.map((spec) => ({ spec, source: 'file' as const })),
      ...added.map((row) => ({ spec: row.spec!, source: 'database' as const })),
    ];
    const models = await Promise.all(
      entries.map(async ({ spec, source }): Promise<ArenaModel | undefined> => {
        let provider: ModelProvider;
        try {
          provider = await this.providerFor(spec);
        } catch (err) {
          // An operator's model whose provider cannot start now (a key no longer set): left out, not fatal.
          this.logger.error({ err, model: spec.id }, 'a model added by an operator cannot start; it is left out');
          return undefined;
        }
        const row = rows.get(spec.id);
        return {
          spec,
          ref: { id: spec.id, name: spec.name },
          provider,
          weight: row?.weightOverride ?? spec.weight,
          enabled: row?.enabled ?? true,
          source,
        };
      }),
    );
    // A slower, older read never replaces a newer one.
    if (reload === this.reloads) this.models = models.filter((m): m is ArenaModel => m !== undefined);
  }

  /** The other processes read the models again. */
  private changed(): void {
    this.cluster.tell('arena:models-changed', { by: 'admin' });
  }

  publicList(): PublicModel[] {
    return this.models.filter((m) => m.enabled).map((m) => m.ref);
  }

  adminList(): AdminModel[] {
    return this.models.map((m) => ({
      id: m.ref.id,
      name: m.ref.name,
      provider: m.spec.provider,
      enabled: m.enabled,
      weight: m.weight,
      source: m.source,
    }));
  }

  get(id: string): ArenaModel {
    const model = this.models.find((m) => m.ref.id === id);
    if (!model) throw new Error(`unknown model ${id}`);
    return model;
  }

  /**
   * An operator adds a model (a models-file entry, already validated): it can start (its key is set, its
   * replay files load) or it is refused with `invalid_input` and nothing is kept; it is kept in the database
   * and drawn for new battles at once. An id the models file defines is refused (`not_allowed`); an id an
   * operator added before takes the new entry.
   */
  async add(entry: ModelSpec): Promise<AdminModel> {
    if (this.fileSpecs.some((s) => s.id === entry.id))
      throw new ArenaError('not_allowed', `model ${entry.id} is defined in the models file; change it there`);
    const fileKeys = new Set(this.fileSpecs.map((s) => s.apiKeyEnv).filter(Boolean));
    if (entry.apiKeyEnv && !fileKeys.has(entry.apiKeyEnv) && !API_KEY_VARIABLE.test(entry.apiKeyEnv))
      throw new ArenaError(
        'invalid_input',
        'apiKeyEnv: a model added here may only name a variable ending in _API_KEY or one the models file uses',
      );
    const spec: ModelSpec = {
      ...entry,
      ...(entry.answersFile ? { answersFile: path.resolve(entry.answersFile) } : {}),
      ...(entry.questionsFile ? { questionsFile: path.resolve(entry.questionsFile) } : {}),
    };
    try {
      await this.providerFor(spec);
    } catch (error) {
      throw new ArenaError('invalid_input', error instanceof Error ? error.message : 'the model cannot start');
    }
    await this.repository.saveAdded(spec);
    await this.reload();
    this.changed();
    return this.adminList().find((m) => m.id === spec.id)!;
  }

  /**
   * An operator's `enabled` and weight for a model: new battles draw by them at once. Disabling below two
   * enabled models is refused (`not_allowed`); `not_found` for a model that is not one of the arena's.
   */
  async update(id: string, settings: { enabled?: boolean; weight?: number }): Promise<AdminModel> {
    if (!this.models.some((m) => m.ref.id === id)) throw new ArenaError('not_found', `no model ${id}`);
    const outcome = await this.repository.updateSettings(id, settings, MIN_ENABLED);
    if (outcome === 'not_found') throw new ArenaError('not_found', `no model ${id}`);
    if (outcome === 'too_few') throw new ArenaError('not_allowed', 'at least two models must stay enabled for battles');
    await this.reload();
    this.changed();
    return this.adminList().find((m) => m.id === id)!;
  }

  /** Public references of recorded models (those of revealed battles), by id. */
  refs(ids: readonly string[]): Promise<Map<string, ModelRef>> {
    return this.repository.refs(ids);
  }

  /** A battle's two models, as a reveal names them. */
  async modelsOf(battle: { modelAId: string; modelBId: string }): Promise<{ a: ModelRef; b: ModelRef }> {
    const refs = await this.refs([battle.modelAId, battle.modelBId]);
    return { a: refs.get(battle.modelAId)!, b: refs.get(battle.modelBId)! };
  }

  /** Two enabled models for a new battle, drawn by weight. */
  pickPair(): [ArenaModel, ArenaModel] {
    const enabled = this.models.filter((m) => m.enabled);
    if (enabled.length < MIN_ENABLED) throw new ArenaError('unavailable', 'fewer than two models are enabled');
    return samplePair(enabled, this.random);
  }
}
