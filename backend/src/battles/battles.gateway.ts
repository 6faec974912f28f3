import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import {
  ARENA_NAMESPACE,
  ArenaError,
  BattleCreateInput,
  BattleRefInput,
  BattleVoteInput,
  PreviewLogInput,
  RunRequestInput,
  PROTOCOL_VERSION,
  parseInput,
  type Ack,
  type BattleSnapshot,
  type ClientToServerEvents,
  type ModelRef,
  type ServerToClientEvents,
} from '@arena/contracts';
import type { Namespace, Socket } from 'socket.io';
import { createLogger } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { battleRoom } from './arena-emitter.js';
import { BattleRunnerService } from './battle-runner.service.js';
import { BattlesService } from './battles.service.js';
import { RateLimiter } from './rate-limiter.js';
import { SocketEmitter } from './socket-emitter.js';

interface SocketData {
  voterId: string;
  watching: Set<string>;
}
type ArenaSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ArenaNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const VOTER_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The `/arena` namespace: validates, calls a service, acknowledges. */
@WebSocketGateway({ namespace: ARENA_NAMESPACE, cors: { origin: true }, maxHttpBufferSize: 1_000_000 })
export class BattlesGateway
  implements OnGatewayInit<ArenaNamespace>, OnGatewayConnection<ArenaSocket>, OnGatewayDisconnect<ArenaSocket>
{
  private readonly logger = createLogger(BattlesGateway.name);
  private readonly createLimiter = new RateLimiter(20, 60_000);
  private readonly runLimiter = new RateLimiter(30, 60_000);

  constructor(
    @Inject(BattleRunnerService) private readonly runner: BattleRunnerService,
    @Inject(BattlesService) private readonly battles: BattlesService,
    @Inject(SocketEmitter) private readonly emitter: SocketEmitter,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  afterInit(namespace: ArenaNamespace): void {
    this.emitter.bind(namespace);
    namespace.use((socket, next) => {
      const auth = (socket.handshake.auth ?? {}) as { protocol?: unknown; voterId?: unknown };
      if (auth.protocol !== undefined && auth.protocol !== PROTOCOL_VERSION) {
        next(
          new Error(
            `protocol ${JSON.stringify(auth.protocol)} is not supported; this server speaks protocol ${PROTOCOL_VERSION}`,
          ),
        );
        return;
      }
      socket.data.voterId =
        typeof auth.voterId === 'string' && VOTER_ID.test(auth.voterId) ? auth.voterId : randomUUID();
      socket.data.watching = new Set();
      next();
    });
  }

  handleConnection(socket: ArenaSocket): void {
    this.metrics.sockets.inc();
    socket.emit('session', { voterId: socket.data.voterId });
  }

  handleDisconnect(socket: ArenaSocket): void {
    this.metrics.sockets.dec();
    for (const battleId of socket.data.watching ?? []) this.battles.unwatch(battleId, socket.id);
  }

  @SubscribeMessage('battle:create')
  create(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<{ battleId: string }>> {
    return this.handle('battle:create', async () => {
      const input = parseInput(BattleCreateInput, body);
      if (!this.createLimiter.take(socket.data.voterId)) {
        throw new ArenaError('rate_limited', 'too many battles started; wait a minute and try again');
      }
      const live = await this.runner.create(socket.data.voterId, input);
      await socket.join(battleRoom(live.id));
      this.runner.start(live);
      return { battleId: live.id };
    });
  }

  @SubscribeMessage('battle:watch')
  watch(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ snapshot: BattleSnapshot }>> {
    return this.handle('battle:watch', async () => {
      const { battleId } = parseInput(BattleRefInput, body);
      // Join first, then take the snapshot: frames after it are delivered; the client drops older seqs.
      await socket.join(battleRoom(battleId));
      try {
        const snapshot = await this.battles.watch(battleId, socket.id);
        socket.data.watching.add(battleId);
        return { snapshot };
      } catch (error) {
        await socket.leave(battleRoom(battleId));
        throw error;
      }
    });
  }

  @SubscribeMessage('battle:unwatch')
  unwatch(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<object>> {
    return this.handle('battle:unwatch', async () => {
      const { battleId } = parseInput(BattleRefInput, body);
      await socket.leave(battleRoom(battleId));
      socket.data.watching.delete(battleId);
      this.battles.unwatch(battleId, socket.id);
      return {};
    });
  }

  @SubscribeMessage('battle:vote')
  vote(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ models: { a: ModelRef; b: ModelRef } }>> {
    return this.handle('battle:vote', async () => {
      const { battleId, winner } = parseInput(BattleVoteInput, body);
      return this.battles.vote(socket.data.voterId, battleId, winner);
    });
  }

  @SubscribeMessage('run:request')
  rerun(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<{ runId: string }>> {
    return this.handle('run:request', async () => {
      const input = parseInput(RunRequestInput, body);
      if (!this.runLimiter.take(socket.data.voterId)) {
        throw new ArenaError('rate_limited', 'too many runs requested; wait a minute and try again');
      }
      return this.runner.rerun(input);
    });
  }

  @SubscribeMessage('preview:log')
  previewLog(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ accepted: boolean }>> {
    return this.handle('preview:log', async () => {
      const input = parseInput(PreviewLogInput, body);
      return { accepted: await this.runner.previewLog(socket.data.voterId, socket.id, input) };
    });
  }

  private async handle<T extends object>(event: string, fn: () => Promise<T>): Promise<Ack<T>> {
    try {
      return { ok: true, ...(await fn()) };
    } catch (error) {
      if (error instanceof ArenaError) return { ok: false, error: error.toBody() };
      this.logger.error({ event, err: error }, 'handler failed');
      return { ok: false, error: { code: 'internal', message: 'something went wrong on the server' } };
    }
  }
}
