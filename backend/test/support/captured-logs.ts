import { Writable } from 'node:stream';
import { configureLogging } from '../../src/logging/logger.js';

/**
 * Every line the server logs from now on, at every level, kept for the test to read (start the arena with
 * `LOG_LEVEL: 'debug'`); `restore()` sends logs back to stdout.
 */
export function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  configureLogging(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  return { lines, restore: () => configureLogging(process.env['LOG_LEVEL'] ?? 'warn', process.stdout) };
}
