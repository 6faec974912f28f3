import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DATASET_FORMATS, type DatasetFormat, type DatasetName, type DatasetSummary } from '@arena/contracts';
import { DuckDBInstance } from '@duckdb/node-api';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JudgeService } from '../src/judges/judge.service.js';
import { JudgementEntity } from '../src/judges/judgement.entity.js';
import {
  DATABASES,
  connectClient,
  getJson,
  startTestArena,
  statusIs,
  waitForFrame,
  type TestArena,
} from './support/test-arena.js';

/** The column that names the battle, per data set of battles (`eval` holds none). */
type BattleDataset = Exclude<DatasetName, 'eval'>;
const BATTLE_COLUMN: Record<BattleDataset, string> = {
  battles: 'question_id',
  bigcodereward: 'chat_session_id',
  judgements: 'battle_id',
};

for (const database of DATABASES) {
  describe(`data sets hold revealed battles only (${database})`, () => {
    let arena: TestArena;
    let dataSource: DataSource;

    beforeAll(async () => {
      arena = await startTestArena({ database, env: { ARENA_LEADERBOARD_BOOTSTRAP: '0' } });
      dataSource = arena.app.get(DataSource);
    });

    afterAll(async () => {
      await arena?.stop();
    });

    /** The battles a data set's rows name, read back from one format (Parquet by DuckDB). */
    async function battlesIn(name: BattleDataset, format: DatasetFormat): Promise<string[]> {
      const response = await fetch(`${arena.url}/api/datasets/${name}.${format}`);
      expect(response.status).toBe(200);
      const bytes = Buffer.from(await response.arrayBuffer());
      const column = BATTLE_COLUMN[name];
      switch (format) {
        case 'jsonl':
          return bytes
            .toString('utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => (JSON.parse(line) as Record<string, string>)[column]!);
        case 'csv': {
          // Battle ids are UUIDs: wherever one appears, its row is there.
          const text = bytes.toString('utf8');
          return [...new Set(text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [])];
        }
        case 'parquet': {
          const file = path.join(arena.dir, `${name}-${Date.now()}.parquet`);
          await writeFile(file, bytes);
          const instance = await DuckDBInstance.create(':memory:');
          const connection = await instance.connect();
          const reader = await connection.runAndReadAll(`SELECT "${column}" AS id FROM read_parquet('${file}')`);
          const ids = (reader.getRowObjectsJS() as { id: string }[]).map((r) => r.id);
          connection.closeSync();
          instance.closeSync();
          return ids;
        }
      }
    }

    async function exported(name: BattleDataset, battleId: string): Promise<boolean[]> {
      return Promise.all(DATASET_FORMATS.map(async (format) => (await battlesIn(name, format)).includes(battleId)));
    }

    async function summaryRows(name: DatasetName): Promise<number> {
      const { body } = await getJson<DatasetSummary[]>(`${arena.url}/api/datasets`);
      return body.find((s) => s.name === name)!.rows;
    }

    it('a judge’s verdict of a battle still open for its vote is not exported; it is once the battle is voted', async () => {
      const voter = await connectClient(arena.url);
      const created = await voter.socket.emitWithAck('battle:create', { prompt: 'Print the first 10 primes' });
      if (!created.ok) throw new Error(created.error.message);
      const { battleId } = created;
      await waitForFrame(voter, statusIs(battleId, 'voting'));
      // The execution judge (the default) judges the battle as soon as it can be voted on.
      await arena.app.get(JudgeService).idle();
      const verdicts = await dataSource.getRepository(JudgementEntity).countBy({ battleId });
      expect(verdicts).toBeGreaterThan(0);

      expect(await exported('judgements', battleId)).toEqual([false, false, false]);
      expect(await summaryRows('judgements')).toBe(0);
      const card = await (await fetch(`${arena.url}/api/datasets/judgements/README.md`)).text();
      expect(card).toContain('Rows in the arena: 0');

      const vote = await voter.socket.emitWithAck('battle:vote', { battleId, winner: 'model_a' });
      if (!vote.ok) throw new Error(vote.error.message);
      voter.socket.disconnect();
      expect(await exported('judgements', battleId)).toEqual([true, true, true]);
      expect(await summaryRows('judgements')).toBe(verdicts);
    });

    it('a voting session’s battle: neither its participants’ votes nor its verdicts are exported before the host closes the vote', async () => {
      const host = await connectClient(arena.url);
      const session = await host.socket.emitWithAck('session:create', { title: 'export check' });
      if (!session.ok) throw new Error(session.error.message);
      const { sessionId, joinCode, hostKey } = session;
      const person = await connectClient(arena.url);
      const joined = await person.socket.emitWithAck('session:join', { joinCode, nickname: 'ada' });
      if (!joined.ok) throw new Error(joined.error.message);
      const started = await host.socket.emitWithAck('session:battle', {
        sessionId,
        hostKey,
        prompt: 'Print the first 10 Fibonacci numbers',
      });
      if (!started.ok) throw new Error(started.error.message);
      const { battleId } = started;
      await waitForFrame(person, statusIs(battleId, 'voting'));
      await arena.app.get(JudgeService).idle();
      const vote = await person.socket.emitWithAck('session:vote', { sessionId, battleId, winner: 'model_b' });
      if (!vote.ok) throw new Error(vote.error.message);
      const before = { battles: await summaryRows('battles'), judgements: await summaryRows('judgements') };

      // The participant's vote row names the models: out of every data set until the reveal.
      for (const name of ['battles', 'bigcodereward', 'judgements'] as const)
        expect(await exported(name, battleId), name).toEqual([false, false, false]);

      const closed = await host.socket.emitWithAck('session:close', { sessionId, hostKey, battleId });
      if (!closed.ok) throw new Error(closed.error.message);
      for (const name of ['battles', 'bigcodereward', 'judgements'] as const)
        expect(await exported(name, battleId), name).toEqual([true, true, true]);
      expect(await summaryRows('battles')).toBe(before.battles + 1);
      expect(await summaryRows('judgements')).toBeGreaterThan(before.judgements);
      host.socket.disconnect();
      person.socket.disconnect();
    });
  });
}
