import { ConfigError, loadConfig } from './config/config.js';
import { configureLogging, createLogger } from './logging/logger.js';
import { startArena } from './server.js';

try {
  const config = loadConfig();
  configureLogging(config.logLevel);
  const arena = await startArena(config);
  process.stdout.write(`\n  The arena is running at ${arena.url}\n\n`);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  createLogger('main').fatal({ err: error }, 'the arena could not start');
  process.exit(1);
}
