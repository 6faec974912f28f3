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
  BattleCreateInput,
  BattleFollowupInput,
  BattleRefInput,
  BattleVoteInput,
  PreviewInteractionInput,
  PreviewLogInput,
  PROTOCOL_VERSION,
  RunControlInput,
  RunRequestInput,
  parseInput,
  type Ack,
  type AckBody,
  type BattleSnapshot,
} from '@arena/contracts';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { battleRoom, voterRoom } from '../realtime/arena-emitter.js';
import { acknowledge, type ArenaNamespace, type ArenaSocket } from '../realtime/arena-socket.js';
import { ClusterBus } from '../realtime/cluster-bus.js';
import { LagMonitor } from '../realtime/lag-monitor.js';
import { RateLimits } from '../realtime/rate-limits.js';
import { SocketEmitter } from '../realtime/socket-emitter.js';
import { BattleRunnerService } from './battle-runner.service.js';
import { clientAddress } from '../common/client-address.js';
import { BattleVotesService } from './battle-votes.service.js';
import { BattlesService } from './battles.service.js';
import { PreviewInteractionsService } from './preview-interactions.service.js';
import { PreviewLogsService } from './preview-logs.service.js';

const VOTER_ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The `/arena` namespace's connections (handshake, voter identity, recovery, lagging clients) and its battle
 * events: validates, calls a service, acknowledges. Session events have their own gateway on the namespace.
 */
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
    @Inject(BattleVotesService) private readonly votes: BattleVotesService,
    @Inject(PreviewLogsService) private readonly previewLogs: PreviewLogsService,
    @Inject(PreviewInteractionsService) private readonly interactions: PreviewInteractionsService,
    @Inject(SocketEmitter) private readonly emitter: SocketEmitter,
    @Inject(ClusterBus) private readonly cluster: ClusterBus,
    @Inject(RateLimits) private readonly limits: RateLimits,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  afterInit(namespace: ArenaNamespace): void {
    this.emitter.bind(namespace);
    this.cluster.bind(namespace, !!this.config.redisUrl);
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

  /** The client's address for per-address limits: the peer, or what the trusted proxies say it is. */
  private clientAddress(socket: ArenaSocket): string {
    return clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for'], this.config.trustProxy);
  }

  handleConnection(socket: ArenaSocket): void {
    this.metrics.sockets.inc();
    if (socket.recovered) {
      // Back within the recovery window: rooms and missed frames were restored; count it as a spectator again.
      for (const battleId of socket.data.watching) void this.battles.watch(battleId, socket.id).catch(() => undefined);
      // `session` is not replayed (below): a client that dropped before it arrived gets it now.
      this.greet(socket);
      // A frame emitted here while the session was being read back reached neither the replay nor the rooms:
      // a snapshot of every battle the socket follows closes that window.
      this.resync(socket, [...socket.rooms]);
      return;
    }
    void socket.join(voterRoom(socket.data.voterId));
    this.greet(socket);
  }

  /**
   * `session`, from this process only: behind Redis a socket's own emits are stream entries that every process
   * reads (for recovery), and a crowd arriving would be as many entries.
   */
  private greet(socket: ArenaSocket): void {
    socket.nsp.local.to(socket.id).emit('session', { voterId: socket.data.voterId, maxTurns: this.config.maxTurns });
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

  @SubscribeMessage('battle:create')
  create(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<AckBody<'battle:create'>>> {
    return acknowledge(this.logger, 'battle:create', async () => {
      const input = parseInput(BattleCreateInput, body);
      await this.limits.takeFor('create', socket.data);
      const live = await this.runner.create(socket.data.voterId, input);
      await socket.join(battleRoom(live.id));
      void this.runner.start(live);
      return { battleId: live.id };
    });
  }

  @SubscribeMessage('battle:watch')
  watch(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<AckBody<'battle:watch'>>> {
    return acknowledge(this.logger, 'battle:watch', async () => {
      const { battleId } = parseInput(BattleRefInput, body);
      // Join first, then take the snapshot: frames after it are delivered; the client drops older seqs.
      // A lagging client is not put in the room now: it gets the room and a fresh snapshot when it catches up.
      const paused = this.lag?.addPausedRoom(socket.id, battleRoom(battleId)) ?? false;
      if (!paused) await socket.join(battleRoom(battleId));
      try {
        const snapshot = await this.battles.watch(battleId, socket.id);
        if (!socket.data.watching.includes(battleId)) socket.data.watching.push(battleId);
        return { snapshot, yours: await this.votes.isVoter(socket.data.voterId, battleId) };
      } catch (error) {
        await socket.leave(battleRoom(battleId));
        throw error;
      }
    });
  }

  @SubscribeMessage('battle:unwatch')
  unwatch(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<AckBody<'battle:unwatch'>>> {
    return acknowledge(this.logger, 'battle:unwatch', async () => {
      const { battleId } = parseInput(BattleRefInput, body);
      await socket.leave(battleRoom(battleId));
      socket.data.watching = socket.data.watching.filter((id) => id !== battleId);
      this.battles.unwatch(battleId, socket.id);
      return {};
    });
  }

  @SubscribeMessage('battle:followup')
  followup(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<AckBody<'battle:followup'>>> {
    return acknowledge(this.logger, 'battle:followup', async () => {
      const { battleId, prompt } = parseInput(BattleFollowupInput, body);
      await this.limits.takeFor('create', socket.data);
      const { turn } = await this.runner.followup(battleId, prompt, { voterId: socket.data.voterId });
      return { turn };
    });
  }

  @SubscribeMessage('battle:vote')
  vote(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<AckBody<'battle:vote'>>> {
    return acknowledge(this.logger, 'battle:vote', async () => {
      const { battleId, winner } = parseInput(BattleVoteInput, body);
      await this.limits.takeFor('vote', socket.data);
      return this.votes.vote(socket.data.voterId, battleId, winner);
    });
  }

  @SubscribeMessage('run:request')
  rerun(@ConnectedSocket() socket: ArenaSocket, @MessageBody() body: unknown): Promise<Ack<AckBody<'run:request'>>> {
    return acknowledge(this.logger, 'run:request', async () => {
      const input = parseInput(RunRequestInput, body);
      await this.limits.takeFor('run', socket.data);
      return this.runner.rerun(socket.data.voterId, input);
    });
  }

  @SubscribeMessage('run:control')
  runControl(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<AckBody<'run:control'>>> {
    return acknowledge(this.logger, 'run:control', () =>
      Promise.resolve(this.runner.displayControl(socket.data.voterId, parseInput(RunControlInput, body))),
    );
  }

  @SubscribeMessage('preview:log')
  previewLog(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<AckBody<'preview:log'>>> {
    return acknowledge(this.logger, 'preview:log', async () => {
      const input = parseInput(PreviewLogInput, body);
      return { accepted: await this.previewLogs.report(socket.data.voterId, socket.id, input) };
    });
  }

  @SubscribeMessage('preview:interaction')
  previewInteraction(
    @ConnectedSocket() socket: ArenaSocket,
    @MessageBody() body: unknown,
  ): Promise<Ack<AckBody<'preview:interaction'>>> {
    return acknowledge(this.logger, 'preview:interaction', async () => {
      const input = parseInput(PreviewInteractionInput, body);
      return { accepted: await this.interactions.report(socket.data.voterId, socket.id, input) };
    });
  }
}
