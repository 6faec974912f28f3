import { Column, CreateDateColumn, Entity, Unique } from 'typeorm';
import type { Environment } from '@arena/contracts';
import { BattleSidePart } from './battle-part.js';

@Entity('code_extractions')
@Unique('uq_code_extractions_battle_turn_side', ['battleId', 'turn', 'side'])
export class CodeExtractionEntity extends BattleSidePart {
  @Column({ type: 'varchar', length: 32 })
  environment: Environment;

  @Column({ type: 'varchar', length: 32 })
  language: string;

  @Column({ type: 'text' })
  code: string;

  @Column({ name: 'install_command', type: 'text', nullable: true })
  installCommand: string | null;

  @Column({ name: 'block_count', type: 'int' })
  blockCount: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
