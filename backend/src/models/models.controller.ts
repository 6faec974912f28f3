import { Controller, Get, Inject } from '@nestjs/common';
import type { PublicModel, SamplePrompt } from '@arena/contracts';
import { ModelsService } from './models.service.js';
import { SamplePromptsService } from './sample-prompts.service.js';

@Controller()
export class ModelsController {
  constructor(
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(SamplePromptsService) private readonly samples: SamplePromptsService,
  ) {}

  @Get('models')
  list(): PublicModel[] {
    return this.models.publicList();
  }

  @Get('prompts/samples')
  samplePrompts(): SamplePrompt[] {
    return this.samples.pick(6);
  }
}
