import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  Unique,
  type Relation,
} from 'typeorm';
import { SessionEntity } from './session.entity.js';

/** Someone who joined a session; one row per voter, kept when removed so a removed voter cannot rejoin. */
@Entity('session_participants')
@Unique('uq_session_participants_voter', ['sessionId', 'voterId'])
@Index('idx_session_participants_network', ['sessionId', 'networkHash'])
export class ParticipantEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @ManyToOne(() => SessionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id' })
  session?: Relation<SessionEntity>;

  @Column({ name: 'voter_id', type: 'varchar', length: 64 })
  voterId: string;

  @Column({ type: 'varchar', length: 32 })
  nickname: string;

  /**
   * The network address it joined from, keyed with the session's host-key hash (HMAC-SHA256): comparable
   * within its session only, not across sessions, and not the address. Null for rows from before it.
   */
  @Column({ name: 'network_hash', type: 'char', length: 64, nullable: true })
  networkHash: string | null;

  /** Joined, and waiting for the host to let it in (it watches, it cannot vote). */
  @Column({ type: 'boolean', default: false })
  waiting: boolean;

  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt: Date | null;

  @CreateDateColumn({ name: 'joined_at', type: 'timestamptz' })
  joinedAt: Date;
}
