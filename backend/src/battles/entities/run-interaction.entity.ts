import type { InteractionEvent } from '@arena/contracts';
import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ExecutionEntity } from './execution.entity.js';

/**
 * What the battle's creator did inside a rendered run (clicks, keys, scrolls, errors: `preview:interaction`),
 * in order; capped per run. Shown to nobody; exported with the battle's vote (`actions_a` / `actions_b`).
 */
@Entity('run_interactions')
export class RunInteractionEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId: string;

  @OneToOne(() => ExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: Relation<ExecutionEntity>;

  @Column({ type: 'jsonb' })
  events: InteractionEvent[];

  @Column({ type: 'int' })
  count: number;
}
