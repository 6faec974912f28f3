import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A banned voter, named as the data sets name voters (`HMAC-SHA256(salt, voter id)`, first 128 bits): their
 * votes count nowhere, and their new battles and votes are refused. `voter_id` is the id the hash was found
 * to belong to, so queries filter votes without hashing every row.
 */
@Entity('voter_bans')
export class VoterBanEntity {
  @PrimaryColumn({ name: 'voter_hash', type: 'char', length: 32 })
  voterHash: string;

  @Index('idx_voter_bans_voter')
  @Column({ name: 'voter_id', type: 'varchar', length: 64 })
  voterId: string;

  @CreateDateColumn({ name: 'banned_at', type: 'timestamptz' })
  bannedAt: Date;
}
