import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { BattleRecord } from '@arena/ranking';
import { BattlesRepository } from '../../battles/battles.repository.js';
import { VotesRepository } from '../../battles/votes.repository.js';
import type { ArenaConfig } from '../../config/config.js';
import { ModelsRepository } from '../../models/models.repository.js';
import { withDatabase } from '../database.js';
import { importedTurns, readBattleRecords } from '../fastchat-battles.js';
import { progress } from '../progress.js';
import { UsageError } from '../usage.js';

/**
 * `arena import --battles FILE`: FastChat clean-battle rows into the arena's database, in one transaction and
 * through the tables' repositories: models not yet known (inactive, provider `imported`), then 500 records at a
 * time a revealed battle with every user turn of its conversation and both sides' answers, and its vote (cast by FastChat's `judge`, at the
 * record's `tstamp`).
 */
export async function importBattles(args: string[], config: ArenaConfig): Promise<void> {
  const { values } = parseArgs({ args, options: { battles: { type: 'string' } }, strict: true });
  if (!values.battles) throw new UsageError('--battles FILE is required');
  const records: BattleRecord[] = [];
  await readBattleRecords(values.battles, (record) => records.push(record));
  const imported = await withDatabase(config, async (dataSource) => {
    const models = [...new Set(records.flatMap((r) => [r.model_a, r.model_b]))];
    for (const m of models) {
      if (m.length > 128) throw new UsageError(`model id longer than 128 characters: ${m.slice(0, 40)}…`);
    }
    await dataSource.transaction(async (tx) => {
      await new ModelsRepository(tx).addImported(models);
      const battles = new BattlesRepository(tx);
      const votes = new VotesRepository(tx);
      for (let i = 0; i < records.length; i += 500) {
        const batch = records.slice(i, i + 500).map((r, k) => {
          const tstamp = typeof r.extra['tstamp'] === 'number' ? new Date(r.extra['tstamp'] * 1000) : new Date();
          return {
            id: randomUUID(),
            tstamp,
            record: r,
            turns: importedTurns(r.extra),
            // FastChat's `judge` is the (hashed) voter; without it each row is its own voter.
            voter: typeof r.extra['judge'] === 'string' ? r.extra['judge'].slice(0, 64) : `import-${i + k}`,
          };
        });
        await battles.importRevealed(
          batch.map((b) => ({
            id: b.id,
            category: typeof b.record.extra['category'] === 'string' ? b.record.extra['category'].slice(0, 64) : null,
            modelAId: b.record.model_a,
            modelBId: b.record.model_b,
            creatorVoterId: b.voter,
            anony: b.record.extra['anony'] !== false,
            winner: b.record.winner,
            at: b.tstamp,
            turns: b.turns,
          })),
        );
        await votes.insert(
          batch.map((b) => ({ battleId: b.id, voterId: b.voter, winner: b.record.winner, createdAt: b.tstamp })),
        );
        progress('imported', i + batch.length);
      }
    });
    return records.length;
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  process.stdout.write(`imported ${imported} battles from ${values.battles}\n`);
}
