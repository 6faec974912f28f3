import { createReadStream } from 'node:fs';
import { UsageError } from './usage.js';

/** Feed a file to a parser chunk by chunk; a file that cannot be read is a usage error. */
export async function parseFile(file: string, parser: { push(chunk: string): void; end(): void }): Promise<void> {
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }))
      parser.push(chunk as string);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  parser.end();
}
