import type { EntityManager } from 'typeorm';
import { HiddenBattleEntity } from './hidden-battle.entity.js';

/** The `hidden_battles` table: the only class that writes it. */
export class HiddenBattlesRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Hide a battle; hiding again keeps the first time. Returns when it was hidden, or undefined when there is
   * no such battle.
   */
  async hide(battleId: string): Promise<Date | undefined> {
    const battle = await this.manager.query<unknown[]>('SELECT 1 FROM battles WHERE id = $1', [battleId]);
    if (battle.length === 0) return undefined;
    const repo = this.manager.getRepository(HiddenBattleEntity);
    await repo.createQueryBuilder().insert().values({ battleId }).orIgnore().execute();
    return (await repo.findOneByOrFail({ battleId })).hiddenAt;
  }

  /** Show a hidden battle again (a battle not hidden stays shown). Returns whether there is such a battle. */
  async show(battleId: string): Promise<boolean> {
    const battle = await this.manager.query<unknown[]>('SELECT 1 FROM battles WHERE id = $1', [battleId]);
    if (battle.length === 0) return false;
    await this.manager.getRepository(HiddenBattleEntity).delete({ battleId });
    return true;
  }

  isHidden(battleId: string): Promise<boolean> {
    return this.manager.getRepository(HiddenBattleEntity).existsBy({ battleId });
  }

  count(): Promise<number> {
    return this.manager.getRepository(HiddenBattleEntity).count();
  }
}
