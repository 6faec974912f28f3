import { BattleEntity } from './battle.entity.js';
import { CodeExtractionEntity } from './code-extraction.entity.js';
import { ExecutionEntity } from './execution.entity.js';
import { SideMessageEntity } from './side-message.entity.js';
import { TurnEntity } from './turn.entity.js';
import { VoteEntity } from './vote.entity.js';

export { BattleEntity, CodeExtractionEntity, ExecutionEntity, SideMessageEntity, TurnEntity, VoteEntity };
/** The battle tables, in the order TypeORM should know them. */
export const BATTLE_ENTITIES = [
  BattleEntity,
  TurnEntity,
  SideMessageEntity,
  CodeExtractionEntity,
  ExecutionEntity,
  VoteEntity,
];
