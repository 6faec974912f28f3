import type { JoinPolicy } from '@arena/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A community voting session: a host, a join code, participants and the battles the host starts. */
@Entity('sessions')
@Index('uq_sessions_join_code', ['joinCode'], { unique: true })
export class SessionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 120 })
  title: string;

  @Column({ name: 'join_code', type: 'varchar', length: 8 })
  joinCode: string;

  /** SHA-256 of the host key; the key itself is only ever in the host's hands. */
  @Column({ name: 'host_key_hash', type: 'char', length: 64 })
  hostKeyHash: string;

  @Column({ name: 'host_voter_id', type: 'varchar', length: 64 })
  hostVoterId: string;

  /** `open` or `approve` (see `JoinPolicy`). */
  @Column({ name: 'join_policy', type: 'varchar', length: 8, default: 'open' })
  joinPolicy: JoinPolicy;

  @Column({ name: 'current_battle_id', type: 'uuid', nullable: true })
  currentBattleId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Set when an operator ended the session: no joins, battles or votes after it. */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt: Date | null;
}
