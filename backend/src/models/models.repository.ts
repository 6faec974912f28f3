import type { ModelRef, ModelSpec } from '@arena/contracts';
import { In, IsNull, type EntityManager } from 'typeorm';
import { ModelEntity } from './model.entity.js';

/** The `models` table: the only class that writes it. */
export class ModelsRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * The models file's models become the active ones, alongside those an operator added (rows with a `spec`);
   * every other recorded model stays, inactive. An operator's `enabled` and `weight_override` are kept.
   */
  async syncActive(models: Pick<ModelEntity, 'id' | 'name' | 'provider' | 'weight'>[]): Promise<void> {
    const repo = this.manager.getRepository(ModelEntity);
    await repo.update({ active: true, spec: IsNull() }, { active: false });
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

  /**
   * A model an operator added (or added again with a new entry): active, enabled, at the entry's weight.
   * A recorded model of the same id (an imported or former one) becomes it; its votes stay its own.
   */
  async saveAdded(spec: ModelSpec): Promise<void> {
    await this.manager.getRepository(ModelEntity).upsert(
      {
        id: spec.id,
        name: spec.name,
        provider: spec.provider,
        weight: spec.weight,
        active: true,
        enabled: true,
        weightOverride: null,
        spec,
      },
      ['id'],
    );
  }

  /**
   * An operator's settings for active models, in one transaction with every active row locked: a change that
   * would leave fewer than `minEnabled` models enabled is not made (of two operators disabling at once, the
   * second sees the first's). Returns 'ok', 'not_found' (no such active model) or 'too_few'.
   */
  async updateSettings(
    id: string,
    settings: { enabled?: boolean; weight?: number },
    minEnabled: number,
  ): Promise<'ok' | 'not_found' | 'too_few'> {
    return this.manager.transaction(async (tx) => {
      const repo = tx.getRepository(ModelEntity);
      const active = await repo
        .createQueryBuilder('m')
        .setLock('pessimistic_write')
        .select(['m.id', 'm.enabled'])
        .where('m.active')
        .getMany();
      const row = active.find((m) => m.id === id);
      if (!row) return 'not_found';
      const enabled = active.filter((m) => (m.id === id ? (settings.enabled ?? m.enabled) : m.enabled)).length;
      if (settings.enabled === false && enabled < minEnabled) return 'too_few';
      await repo.update(
        { id },
        {
          ...(settings.enabled !== undefined ? { enabled: settings.enabled } : {}),
          ...(settings.weight !== undefined ? { weightOverride: settings.weight } : {}),
        },
      );
      return 'ok';
    });
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
