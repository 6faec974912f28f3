import { Controller, Get, Inject, Param } from '@nestjs/common';
import { parseInput, SessionRefInput, type SessionSnapshot, type SessionSummary } from '@arena/contracts';
import { SessionsService } from './sessions.service.js';

/** Read-only session pages: the public state and the summary (no host key, no identities). */
@Controller('sessions')
export class SessionsController {
  constructor(@Inject(SessionsService) private readonly sessions: SessionsService) {}

  @Get(':sessionId')
  snapshot(@Param('sessionId') sessionId: string): Promise<SessionSnapshot> {
    return this.sessions.snapshot(parseInput(SessionRefInput, { sessionId }).sessionId);
  }

  @Get(':sessionId/summary')
  summary(@Param('sessionId') sessionId: string): Promise<SessionSummary> {
    return this.sessions.summary(parseInput(SessionRefInput, { sessionId }).sessionId);
  }
}
