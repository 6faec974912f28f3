import { BattleEntity } from './battle.entity.js';
import { CodeExtractionEntity } from './code-extraction.entity.js';
import { ExecutionEntity } from './execution.entity.js';
import { ModelEntity } from './model.entity.js';
import { SideMessageEntity } from './side-message.entity.js';
import { TurnEntity } from './turn.entity.js';
import { VoteEntity } from './vote.entity.js';

export { BattleEntity, CodeExtractionEntity, ExecutionEntity, ModelEntity, SideMessageEntity, TurnEntity, VoteEntity };
export const ENTITIES = [
  ModelEntity,
  BattleEntity,
  TurnEntity,
  SideMessageEntity,
  CodeExtractionEntity,
  ExecutionEntity,
  VoteEntity,
];
