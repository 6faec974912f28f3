import { Column, CreateDateColumn, Entity, Unique, UpdateDateColumn } from 'typeorm';
import type { FinishReason } from '@arena/contracts';
import { BattleSidePart } from './battle-part.js';

/** One side's answer to one turn, written as it streams. */
@Entity('side_messages')
@Unique('uq_side_messages_battle_turn_side', ['battleId', 'turn', 'side'])
export class SideMessageEntity extends BattleSidePart {
  @Column({ name: 'model_id', type: 'varchar', length: 128 })
  modelId: string;

  @Column({ type: 'text', default: '' })
  text: string;

  @Column({ name: 'finish_reason', type: 'varchar', length: 16, nullable: true })
  finishReason: FinishReason | null;

  /** Public reason shown with the answer (never names the model). */
  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Provider's own error text, kept for operators only. */
  @Column({ name: 'error_detail', type: 'text', nullable: true })
  errorDetail: string | null;

  @Column({ name: 'output_tokens', type: 'int', nullable: true })
  outputTokens: number | null;

  @Column({ name: 'first_token_ms', type: 'int', nullable: true })
  firstTokenMs: number | null;

  @Column({ name: 'duration_ms', type: 'int', nullable: true })
  durationMs: number | null;

  @Column({ type: 'jsonb', nullable: true })
  meta: Record<string, unknown> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
