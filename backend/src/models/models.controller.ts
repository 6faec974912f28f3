import { Controller, Get, Inject, Param } from '@nestjs/common';
import {
  ArenaError,
  ConfigId,
  parseInput,
  type ModelProfileResponse,
  type PublicModel,
  type SamplePrompt,
} from '@arena/contracts';
import { DataSource } from 'typeorm';
import { ModelEntity } from './model.entity.js';
import { modelProfile } from './model-profile.js';
import { ModelsService } from './models.service.js';
import { SamplePromptsService } from './sample-prompts.service.js';

@Controller()
export class ModelsController {
  constructor(
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(SamplePromptsService) private readonly samples: SamplePromptsService,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Get('models')
  list(): PublicModel[] {
    return this.models.publicList();
  }

  /** How the model's code fares when the arena runs it (see `modelProfile`). */
  @Get('models/:modelId/profile')
  async profile(@Param('modelId') modelId: string): Promise<ModelProfileResponse> {
    // A model id is a models-file id: anything else (NUL, 10 KB, …) names no model and never reaches the query.
    const id = parseInput(ConfigId, modelId, 'modelId');
    const model = await this.dataSource.getRepository(ModelEntity).findOneBy({ id });
    if (!model) throw new ArenaError('not_found', `no model ${modelId}`);
    return modelProfile(this.dataSource, model);
  }

  @Get('prompts/samples')
  samplePrompts(): SamplePrompt[] {
    return this.samples.pick(6);
  }
}
