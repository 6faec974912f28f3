import type { LiveApps } from '@arena/sandboxes';
import type { BattleRegistry } from '../battles/battle-registry.js';
import type { DomainEvents } from '../events/domain-events.js';
import { createLogger } from '../logging/logger.js';

/**
 * How long a battle's apps live. A battle is open while the arena holds it live (`BattleRegistry`: while it
 * generates and runs, waits for its vote, and for a while after its reveal, when spectators still look);
 * when it leaves, its apps live `ttlMs` more and are then removed (`LiveApps.closeBattle`). A hidden battle's
 * apps are removed at once. Every app is also removed when idle or past its lifetime (`LiveApps.sweep`).
 */
export function bindAppLifecycle(
  apps: () => LiveApps | undefined,
  registry: BattleRegistry,
  events: DomainEvents,
  ttlMs: number,
): void {
  const logger = createLogger('AppLifecycle');
  registry.onEvict((battleId) => {
    const tokens = apps()?.closeBattle(battleId, ttlMs) ?? [];
    if (tokens.length > 0) logger.info({ battleId, apps: tokens.length, ttlMs }, 'battle closed: its apps expire');
  });
  events.on('battle.hidden', async ({ battleId }) => {
    await apps()?.removeBattle(battleId);
  });
}
