import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Arena-wide values the arena makes once and keeps (e.g. the salt of voter hashes). */
@Entity('arena_settings')
export class SettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'text' })
  value: string;
}
