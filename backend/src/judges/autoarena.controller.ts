import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Controller, Get, Inject } from '@nestjs/common';
import type { AutoArenaRun } from '@arena/contracts';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';

/** AutoCodeArena runs kept in `ARENA_AUTOARENA_DIR` (one folder per `arena autoarena --out`), newest first. */
@Controller('autoarena')
export class AutoArenaController {
  private readonly logger = createLogger(AutoArenaController.name);

  constructor(@Inject(ARENA_CONFIG) private readonly config: ArenaConfig) {}

  @Get()
  async runs(): Promise<AutoArenaRun[]> {
    let names: string[];
    try {
      names = (await readdir(this.config.autoarenaDir, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const runs = await Promise.all(
      names.map(async (name): Promise<AutoArenaRun | undefined> => {
        const file = path.join(this.config.autoarenaDir, name, 'results.json');
        try {
          const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
          const results = JSON.parse(text) as Omit<AutoArenaRun, 'name' | 'updatedAt'>;
          return { name, updatedAt: info.mtime.toISOString(), ...results };
        } catch (error) {
          // A run still going (no results yet) or a folder that is not a run.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
            this.logger.warn({ file, err: String(error) }, 'unreadable AutoCodeArena results');
          return undefined;
        }
      }),
    );
    return runs
      .filter((r): r is AutoArenaRun => r !== undefined)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }
}
