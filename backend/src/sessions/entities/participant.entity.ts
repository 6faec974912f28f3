import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique, type Relation } from 'typeorm';
import { SessionEntity } from './session.entity.js';

/** Someone who joined a session; one row per voter, kept when removed so a removed voter cannot rejoin. */
@Entity('session_participants')
@Unique('uq_session_participants_voter', ['sessionId', 'voterId'])
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

  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt: Date | null;

  @CreateDateColumn({ name: 'joined_at', type: 'timestamptz' })
  joinedAt: Date;
}
