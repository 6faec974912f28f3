import type { ArenaConfig } from '../../config/config.js';
import { configureLogging } from '../../logging/logger.js';

/** `arena serve`: the arena (UI + API), as `npm start` runs it, on the configured or embedded services. */
export async function serve(config: ArenaConfig): Promise<void> {
  configureLogging(config.logLevel);
  const { startArena } = await import('../../server.js');
  const arena = await startArena(config);
  process.stdout.write(`\n  The arena is running at ${arena.url}\n\n`);
}
