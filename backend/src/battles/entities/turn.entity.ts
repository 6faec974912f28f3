import { Column, CreateDateColumn, Entity, Unique } from 'typeorm';
import { BattlePart } from './battle-part.js';

@Entity('turns')
@Unique('uq_turns_battle_turn', ['battleId', 'turn'])
export class TurnEntity extends BattlePart {
  @Column({ type: 'int' })
  turn: number;

  @Column({ type: 'text' })
  prompt: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
