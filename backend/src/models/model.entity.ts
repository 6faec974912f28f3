import type { ModelSpec } from '@arena/contracts';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A model that has taken part in the arena; kept so votes stay attributable after the models file changes.
 * An operator's settings live here too (see `ModelsService`): `enabled` and `weight_override` apply over the
 * models file, and `spec` holds the entry of a model added through the admin API.
 */
@Entity('models')
export class ModelEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ type: 'double precision', default: 1 })
  weight: number;

  /** One of the arena's models now: in the models file, or added by an operator. */
  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** An operator's switch: a disabled model is never drawn for a new battle. */
  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** An operator's weight, in place of the models file's (`weight`). */
  @Column({ name: 'weight_override', type: 'double precision', nullable: true })
  weightOverride: number | null;

  /** The models-file entry of a model an operator added (null for the file's and imported models). */
  @Column({ type: 'jsonb', nullable: true })
  spec: ModelSpec | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
