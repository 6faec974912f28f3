import { Inject } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  ARENA_NAMESPACE,
  ArenaError,
  SessionAdmitInput,
  SessionBattleInput,
  SessionCloseInput,
  SessionCreateInput,
  SessionFollowupInput,
  SessionHostInput,
  SessionJoinInput,
  SessionRefInput,
  SessionRemoveInput,
  SessionVoteInput,
  parseInput,
  type Ack,
  type AckBody,
} from '@arena/contracts';
import { createLogger } from '../logging/logger.js';
import { sessionRoom } from '../realtime/arena-emitter.js';
import { acknowledge, type ArenaSocket } from '../realtime/arena-socket.js';
import { RateLimits } from '../realtime/rate-limits.js';
import { SessionParticipantsService } from './session-participants.service.js';
import { SessionViewsService } from './session-views.service.js';
import { SessionVotesService } from './session-votes.service.js';
import { SessionsService } from './sessions.service.js';

/** The `session:*` events of the `/arena` namespace: validates, checks the host key, calls a service, acknowledges. */
@WebSocketGateway({ namespace: ARENA_NAMESPACE, cors: { origin: true }, maxHttpBufferSize: 1_000_000 })
export class SessionsGateway {
  private readonly logger = createLogger(SessionsGateway.name);

  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(SessionParticipantsService) private readonly participants: SessionParticipantsService,
    @Inject(SessionVotesService) private readonly votes: SessionVotesService,
    @Inject(SessionViewsService) private readonly views: SessionViewsService,
    @Inject(RateLimits) private readonly limits: RateLimits,
  ) {}

  @SubscribeMessage('session:create')
  create(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<AckBody<'session:create'>>> {
    return acknowledge(this.logger, 'session:create', async () => {
      const { title, joinPolicy } = parseInput(SessionCreateInput, body);
      await this.limits.takeFor('session', socket.data);
      const created = await this.sessions.create(socket.data.voterId, title, joinPolicy);
      await socket.join(sessionRoom(created.sessionId));
      return created;
    });
  }

  @SubscribeMessage('session:host')
  host(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<AckBody<'session:host'>>> {
    return acknowledge(this.logger, 'session:host', async () => {
      const { sessionId, hostKey } = parseInput(SessionHostInput, body);
      await this.sessions.asHost(sessionId, hostKey);
      await socket.join(sessionRoom(sessionId));
      return { snapshot: await this.views.hostView(sessionId) };
    });
  }

  @SubscribeMessage('session:join')
  join(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<AckBody<'session:join'>>> {
    return acknowledge(this.logger, 'session:join', async () => {
      const { joinCode, nickname } = parseInput(SessionJoinInput, body);
      await this.limits.takeFor('join', socket.data);
      // Once a client's wrong codes are spent, it hears nothing about any code, right or wrong.
      await this.limits.assertUnspent('guess', socket.data);
      const { session } = await this.participants
        .join(socket.data.voterId, socket.data.address, joinCode, nickname)
        .catch(async (error: unknown) => {
          if (error instanceof ArenaError && error.code === 'not_found') await this.limits.spend('guess', socket.data);
          throw error;
        });
      await socket.join(sessionRoom(session.id));
      return { snapshot: await this.views.snapshot(session.id, socket.data.voterId) };
    });
  }

  @SubscribeMessage('session:battle')
  battle(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<AckBody<'session:battle'>>> {
    return acknowledge(this.logger, 'session:battle', async () => {
      const input = parseInput(SessionBattleInput, body);
      await this.limits.takeFor('create', socket.data);
      const session = await this.sessions.asHost(input.sessionId, input.hostKey);
      await socket.join(sessionRoom(session.id));
      return this.sessions.startBattle(session, input);
    });
  }

  @SubscribeMessage('session:followup')
  followup(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<AckBody<'session:followup'>>> {
    return acknowledge(this.logger, 'session:followup', async () => {
      const { sessionId, hostKey, battleId, prompt } = parseInput(SessionFollowupInput, body);
      await this.limits.takeFor('create', socket.data);
      const session = await this.sessions.asHost(sessionId, hostKey);
      return this.sessions.followup(session, battleId, prompt);
    });
  }

  @SubscribeMessage('session:vote')
  vote(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<AckBody<'session:vote'>>> {
    return acknowledge(this.logger, 'session:vote', async () => {
      const { sessionId, battleId, winner } = parseInput(SessionVoteInput, body);
      await this.limits.takeFor('vote', socket.data);
      await this.votes.vote(socket.data, sessionId, battleId, winner);
      return {};
    });
  }

  @SubscribeMessage('session:close')
  close(@MessageBody() body: unknown): Promise<Ack<AckBody<'session:close'>>> {
    return acknowledge(this.logger, 'session:close', async () => {
      const { sessionId, hostKey, battleId } = parseInput(SessionCloseInput, body);
      const session = await this.sessions.asHost(sessionId, hostKey);
      const { tally, models } = await this.votes.close(session, battleId);
      return { tally, models };
    });
  }

  @SubscribeMessage('session:remove')
  remove(@MessageBody() body: unknown): Promise<Ack<AckBody<'session:remove'>>> {
    return acknowledge(this.logger, 'session:remove', async () => {
      const { sessionId, hostKey, participantId } = parseInput(SessionRemoveInput, body);
      const session = await this.sessions.asHost(sessionId, hostKey);
      await this.participants.remove(session, participantId);
      return {};
    });
  }

  @SubscribeMessage('session:admit')
  admit(@MessageBody() body: unknown): Promise<Ack<AckBody<'session:admit'>>> {
    return acknowledge(this.logger, 'session:admit', async () => {
      const { sessionId, hostKey, participantIds } = parseInput(SessionAdmitInput, body);
      const session = await this.sessions.asHost(sessionId, hostKey);
      return { admitted: await this.participants.admit(session, participantIds) };
    });
  }

  @SubscribeMessage('session:leave')
  leave(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<AckBody<'session:leave'>>> {
    return acknowledge(this.logger, 'session:leave', async () => {
      const { sessionId } = parseInput(SessionRefInput, body);
      await socket.leave(sessionRoom(sessionId));
      return {};
    });
  }
}
