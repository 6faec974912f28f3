import type { ModelRef } from '@arena/contracts';
import { In, type EntityManager } from 'typeorm';
import { ModelEntity } from './model.entity.js';

/** The `models` table: the only class that writes it. */
export class ModelsRepository {
  constructor(private readonly manager: EntityManager) {}

  /** The models file's models become the active ones; every other recorded model stays, inactive. */
  async syncActive(models: Pick<ModelEntity, 'id' | 'name' | 'provider' | 'weight'>[]): Promise<void> {
    const repo = this.manager.getRepository(ModelEntity);
    await repo.update({ active: true }, { active: false });
    await repo.upsert(
      models.map((m) => ({ ...m, active: true })),
      ['id'],
    );
  }

  /** Record models seen only in imported votes (inactive, weight 0, named by their id). */
  async addImported(ids: readonly string[]): Promise<void> {
    const repo = this.manager.getRepository(ModelEntity);
    const known = new Set((await repo.find({ select: { id: true } })).map((m) => m.id));
    const fresh = ids.filter((id) => !known.has(id));
    for (let i = 0; i < fresh.length; i += 500) {
      await repo.insert(
        fresh.slice(i, i + 500).map((id) => ({ id, name: id, provider: 'imported', weight: 0, active: false })),
      );
    }
  }

  /** Public references of these models, by id (an id never recorded is named by itself). */
  async refs(ids: readonly string[]): Promise<Map<string, ModelRef>> {
    const unique = [...new Set(ids)];
    const rows = unique.length ? await this.manager.getRepository(ModelEntity).findBy({ id: In(unique) }) : [];
    const names = new Map(rows.map((r) => [r.id, r.name]));
    return new Map(unique.map((id) => [id, { id, name: names.get(id) ?? id }]));
  }

  all(): Promise<ModelEntity[]> {
    return this.manager.getRepository(ModelEntity).find();
  }
}
