import { createHmac, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SettingEntity } from '../database/setting.entity.js';

/** The salt of voter hashes: configured, or made once and kept in the database so hashes stay stable. */
export async function voterSalt(dataSource: DataSource, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const repo = dataSource.getRepository(SettingEntity);
  await repo
    .createQueryBuilder()
    .insert()
    .values({ key: 'voter_salt', value: randomBytes(32).toString('hex') })
    .orIgnore()
    .execute();
  return (await repo.findOneByOrFail({ key: 'voter_salt' })).value;
}

export function hashVoter(salt: string, voterId: string): string {
  return createHmac('sha256', salt).update(voterId).digest('hex').slice(0, 32);
}
