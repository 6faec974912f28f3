import { Column, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import type { Side } from '@arena/contracts';
import { BattleEntity } from './battle.entity.js';

/** What every row that belongs to a battle has: its own id and the battle (deleted with it). */
export abstract class BattlePart {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'battle_id', type: 'uuid' })
  battleId: string;

  @ManyToOne(() => BattleEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'battle_id' })
  battle?: Relation<BattleEntity>;
}

/** A row about one side of one turn of a battle. */
export abstract class BattleSidePart extends BattlePart {
  @Column({ type: 'int' })
  turn: number;

  @Column({ type: 'char', length: 1 })
  side: Side;
}
