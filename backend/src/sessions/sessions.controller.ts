import { Controller, Get, Inject, Param } from '@nestjs/common';
import { parseInput, SessionRefInput, type SessionSnapshot, type SessionSummary } from '@arena/contracts';
import { SessionViewsService } from './session-views.service.js';

/** Read-only session pages: the public state and the summary (no host key, no identities). */
@Controller('sessions')
export class SessionsController {
  constructor(@Inject(SessionViewsService) private readonly views: SessionViewsService) {}

  @Get(':sessionId')
  snapshot(@Param('sessionId') sessionId: string): Promise<SessionSnapshot> {
    return this.views.snapshot(parseInput(SessionRefInput, { sessionId }).sessionId);
  }

  @Get(':sessionId/summary')
  summary(@Param('sessionId') sessionId: string): Promise<SessionSummary> {
    return this.views.summary(parseInput(SessionRefInput, { sessionId }).sessionId);
  }
}
