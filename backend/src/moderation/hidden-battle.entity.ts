import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A battle an operator hid: gone from every public view and count, kept in the database. A table of its
 * own, not a column of `battles`: public queries filter with `NOT IN (SELECT battle_id FROM hidden_battles)`,
 * a small hashed filter that leaves their plans alone (a `hidden_at IS NULL` on battles, with no statistics on
 * the embedded database, turned the data sets' hash joins into 10,000 index probes per page).
 */
@Entity('hidden_battles')
export class HiddenBattleEntity {
  /** A battle's id (battles are never deleted; no foreign key, so this folder needs nothing of the battles'). */
  @PrimaryColumn({ name: 'battle_id', type: 'uuid' })
  battleId: string;

  @CreateDateColumn({ name: 'hidden_at', type: 'timestamptz' })
  hiddenAt: Date;
}
