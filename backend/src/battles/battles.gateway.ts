import { randomUUID } from 'node:crypto';
import { Inject, type OnModuleDestroy } from '@nestjs/common';
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
  SessionBattleInput,
  SessionCloseInput,
  SessionCreateInput,
  SessionHostInput,
  SessionJoinInput,
  SessionRefInput,
  SessionRemoveInput,
  SessionVoteInput,
  parseInput,
  type Ack,
  type BattleSnapshot,
  type ClientToServerEvents,
  type ModelRef,
  type ServerToClientEvents,
  type SessionHostView,
  type SessionSnapshot,
  type Tally,
} from '@arena/contracts';
import type { Namespace, Socket } from 'socket.io';
import { ARENA_CONFIG, type ArenaConfig, type RateLimitName } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterBus } from '../realtime/cluster-bus.js';
import { LagMonitor } from '../realtime/lag-monitor.js';
import { RateLimits } from '../realtime/rate-limits.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { battleRoom, sessionRoom, voterRoom } from '../realtime/arena-emitter.js';
import { BattleRunnerService } from './battle-runner.service.js';
import { BattlesService } from './battles.service.js';
import { SocketEmitter } from '../realtime/socket-emitter.js';

/** Plain data only: with Redis, a dropped client's data is stored there for connection-state recovery. */
interface SocketData {
  voterId: string;
  address: string;
  watching: string[];
}
type ArenaSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ArenaNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const VOTER_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The `/arena` namespace: validates, calls a service, acknowledges. */
@WebSocketGateway({ namespace: ARENA_NAMESPACE, cors: { origin: true }, maxHttpBufferSize: 1_000_000 })
export class BattlesGateway
  implements
    OnGatewayInit<ArenaNamespace>,
    OnGatewayConnection<ArenaSocket>,
    OnGatewayDisconnect<ArenaSocket>,
    OnModuleDestroy
{
  private readonly logger = createLogger(BattlesGateway.name);
  private lag: LagMonitor | undefined;

  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(BattleRunnerService) private readonly runner: BattleRunnerService,
    @Inject(BattlesService) private readonly battles: BattlesService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(SocketEmitter) private readonly emitter: SocketEmitter,
    @Inject(ClusterBus) private readonly cluster: ClusterBus,
    @Inject(RateLimits) private readonly limits: RateLimits,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  afterInit(namespace: ArenaNamespace): void {
    this.emitter.bind(namespace);
    this.cluster.bind(namespace, !!this.config.redisUrl);
    this.cluster.on('arena:watch', ({ battleId, socketId }, reply) =>
      reply(this.battles.watchLocal(battleId, socketId)),
    );
    this.cluster.on('arena:unwatch', ({ battleId, socketId }) => {
      if (this.battles.holds(battleId)) this.battles.unwatch(battleId, socketId);
    });
    this.cluster.on('arena:revealed', ({ battleId, winner }) => this.battles.markRevealed(battleId, winner));
    this.lag = new LagMonitor(namespace, {
      pausable: (room) => room.startsWith('battle:'),
      lagged: () => this.metrics.laggingSockets.inc(),
      resume: (socket, rooms) => this.resync(socket, rooms),
    });
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
      socket.data.address = this.clientAddress(socket);
      socket.data.watching = [];
      next();
    });
  }

  /** The client's address for per-address limits: the peer, or the first X-Forwarded-For hop behind a proxy. */
  private clientAddress(socket: ArenaSocket): string {
    const forwarded = socket.handshake.headers['x-forwarded-for'];
    if (this.config.trustProxy && typeof forwarded === 'string' && forwarded.trim()) {
      return forwarded.split(',')[0]!.trim();
    }
    return socket.handshake.address;
  }

  handleConnection(socket: ArenaSocket): void {
    this.metrics.sockets.inc();
    if (socket.recovered) {
      // Back within the recovery window: rooms and missed frames were restored; count it as a spectator again.
      for (const battleId of socket.data.watching) void this.battles.watch(battleId, socket.id).catch(() => undefined);
      // A frame emitted here while the session was being read back reached neither the replay nor the rooms:
      // a snapshot of every battle the socket follows closes that window.
      this.resync(socket, [...socket.rooms]);
      return;
    }
    void socket.join(voterRoom(socket.data.voterId));
    socket.emit('session', { voterId: socket.data.voterId });
  }

  /** Send the socket a `battle:state` snapshot of each battle room among `rooms`. */
  private resync(
    socket: { emit(event: 'battle:state', snapshot: BattleSnapshot): unknown },
    rooms: Iterable<string>,
  ): void {
    for (const room of rooms) {
      if (!room.startsWith('battle:')) continue;
      const battleId = room.slice('battle:'.length);
      this.battles.snapshot(battleId).then(
        (snapshot) => socket.emit('battle:state', snapshot),
        (err: unknown) => this.logger.warn({ err, battleId }, 'snapshot for a client catching up failed'),
      );
    }
  }

  handleDisconnect(socket: ArenaSocket): void {
    this.metrics.sockets.dec();
    for (const battleId of socket.data.watching ?? []) this.battles.unwatch(battleId, socket.id);
  }

  onModuleDestroy(): void {
    this.lag?.close();
  }

  private async limit(name: RateLimitName, socket: ArenaSocket): Promise<void> {
    try {
      await this.limits.take(name, socket.data.voterId, socket.data.address);
    } catch (error) {
      this.metrics.rateLimited.inc({ limit: name });
      throw error;
    }
  }

  @SubscribeMessage('battle:create')
  create(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<{ battleId: string }>> {
    return this.handle('battle:create', async () => {
      const input = parseInput(BattleCreateInput, body);
      await this.limit('create', socket);
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
      // A lagging client is not put in the room now: it gets the room and a fresh snapshot when it catches up.
      const paused = this.lag?.addPausedRoom(socket.id, battleRoom(battleId)) ?? false;
      if (!paused) await socket.join(battleRoom(battleId));
      try {
        const snapshot = await this.battles.watch(battleId, socket.id);
        if (!socket.data.watching.includes(battleId)) socket.data.watching.push(battleId);
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
      socket.data.watching = socket.data.watching.filter((id) => id !== battleId);
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
      await this.limit('vote', socket);
      return this.battles.vote(socket.data.voterId, battleId, winner);
    });
  }

  @SubscribeMessage('run:request')
  rerun(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<{ runId: string }>> {
    return this.handle('run:request', async () => {
      const input = parseInput(RunRequestInput, body);
      await this.limit('run', socket);
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

  @SubscribeMessage('session:create')
  sessionCreate(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ sessionId: string; joinCode: string; hostKey: string }>> {
    return this.handle('session:create', async () => {
      const { title } = parseInput(SessionCreateInput, body);
      await this.limit('session', socket);
      const created = await this.sessions.create(socket.data.voterId, title);
      await socket.join(sessionRoom(created.sessionId));
      return created;
    });
  }

  @SubscribeMessage('session:host')
  sessionHost(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ snapshot: SessionHostView }>> {
    return this.handle('session:host', async () => {
      const { sessionId, hostKey } = parseInput(SessionHostInput, body);
      await this.sessions.asHost(sessionId, hostKey);
      await socket.join(sessionRoom(sessionId));
      return { snapshot: await this.sessions.hostView(sessionId) };
    });
  }

  @SubscribeMessage('session:join')
  sessionJoin(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ snapshot: SessionSnapshot }>> {
    return this.handle('session:join', async () => {
      const { joinCode, nickname } = parseInput(SessionJoinInput, body);
      await this.limit('join', socket);
      const { session } = await this.sessions.join(socket.data.voterId, joinCode, nickname);
      await socket.join(sessionRoom(session.id));
      return { snapshot: await this.sessions.snapshot(session.id, socket.data.voterId) };
    });
  }

  @SubscribeMessage('session:battle')
  sessionBattle(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ battleId: string }>> {
    return this.handle('session:battle', async () => {
      const input = parseInput(SessionBattleInput, body);
      await this.limit('create', socket);
      const session = await this.sessions.asHost(input.sessionId, input.hostKey);
      await socket.join(sessionRoom(session.id));
      return this.sessions.startBattle(session, input);
    });
  }

  @SubscribeMessage('session:vote')
  sessionVote(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<object>> {
    return this.handle('session:vote', async () => {
      const { sessionId, battleId, winner } = parseInput(SessionVoteInput, body);
      await this.limit('vote', socket);
      await this.sessions.vote(socket.data.voterId, sessionId, battleId, winner);
      return {};
    });
  }

  @SubscribeMessage('session:close')
  sessionClose(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<{ tally: Tally; models: { a: ModelRef; b: ModelRef } }>> {
    return this.handle('session:close', async () => {
      const { sessionId, hostKey, battleId } = parseInput(SessionCloseInput, body);
      const session = await this.sessions.asHost(sessionId, hostKey);
      const { tally, models } = await this.sessions.close(session, battleId);
      return { tally, models };
    });
  }

  @SubscribeMessage('session:remove')
  sessionRemove(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<object>> {
    return this.handle('session:remove', async () => {
      const { sessionId, hostKey, participantId } = parseInput(SessionRemoveInput, body);
      const session = await this.sessions.asHost(sessionId, hostKey);
      await this.sessions.remove(session, participantId);
      return {};
    });
  }

  @SubscribeMessage('session:leave')
  sessionLeave(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<object>> {
    return this.handle('session:leave', async () => {
      const { sessionId } = parseInput(SessionRefInput, body);
      await socket.leave(sessionRoom(sessionId));
      return {};
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
