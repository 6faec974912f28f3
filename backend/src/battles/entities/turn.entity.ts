import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique, type Relation } from 'typeorm';
import { BattleEntity } from './battle.entity.js';

@Entity('turns')
@Unique('uq_turns_battle_turn', ['battleId', 'turn'])
export class TurnEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'battle_id', type: 'uuid' })
  battleId: string;

  @ManyToOne(() => BattleEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'battle_id' })
  battle?: Relation<BattleEntity>;

  @Column({ type: 'int' })
  turn: number;

  @Column({ type: 'text' })
  prompt: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
