import { ConfigError, loadConfig } from './config/config.js';
import { configureLogging, createLogger } from './logging/logger.js';
import { startArena } from './server.js';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `the arena needs Node.js 24 or later (this is ${process.version}); bash scripts/up.sh installs it\n`,
  );
  process.exit(2);
}

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
