import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ArenaError, type BattleListItem, type BattleListQuery, type BattleSnapshot } from '@arena/contracts';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../events/domain-events.js';
import { ModelsService } from '../models/models.service.js';
import { HiddenBattlesRepository } from '../moderation/hidden-battles.repository.js';
import { ArenaEmitter } from '../realtime/arena-emitter.js';
import { ClusterBus } from '../realtime/cluster-bus.js';
import { CLOCK, CoalescerMap, type Clock } from '../realtime/frame-coalescer.js';
import { BattleRegistry } from './battle-registry.js';
import { BattlesRepository } from './battles.repository.js';
import type { LiveBattle } from './live-battle.js';
import { storedSnapshot } from './stored-snapshot.js';

const PRESENCE_INTERVAL_MS = 250;
const LIVE: ReadonlySet<string> = new Set(['generating', 'running', 'voting']);
/**
 * A battle waiting for its vote stays on the live list this long: one its creator walked away from leaves
 * the list (it stays watchable at its address, and votable by its creator, until the registry lets it go).
 */
export const LIVE_LIST_VOTING_MS = 10 * 60_000;

function preview(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length > 140 ? `${flat.slice(0, 139)}…` : flat;
}

/** Snapshots, listings and spectators of battles, wherever they run. */
@Injectable()
export class BattlesService implements OnModuleInit {
  private readonly presence: CoalescerMap<string, number>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(BattleRegistry) private readonly registry: BattleRegistry,
    @Inject(ArenaEmitter) private readonly emitter: ArenaEmitter,
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(ClusterBus) private readonly cluster: ClusterBus,
    @Inject(DomainEvents) private readonly events: DomainEvents,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.presence = new CoalescerMap<string, number>(
      PRESENCE_INTERVAL_MS,
      (battleId, counts) =>
        this.emitter.toBattle(battleId, 'battle:presence', { battleId, spectators: counts[counts.length - 1]! }),
      clock,
    );
    registry.onEvict((id) => this.presence.forget(id));
  }

  onModuleInit(): void {
    // Another process's watcher asks for a battle this one may run.
    this.cluster.on('arena:watch', ({ battleId, socketId }, reply) => reply(this.watchLocal(battleId, socketId)));
    this.cluster.on('arena:unwatch', ({ battleId, socketId }) => {
      if (this.holds(battleId)) this.unwatch(battleId, socketId);
    });
    // Another process's operator hid a battle: this one may run it, and its caches may count it.
    this.cluster.on('arena:battle-hidden', ({ battleId }) => {
      const live = this.registry.get(battleId);
      if (live) live.hidden = true;
      void this.events.emit('battle.hidden', { battleId });
    });
    this.cluster.on('arena:battle-shown', ({ battleId }) => {
      const live = this.registry.get(battleId);
      if (live) live.hidden = false;
      void this.events.emit('battle.shown', { battleId });
    });
  }

  /**
   * An operator hides a battle: gone from the lists, snapshots and watching (`not_found`, as for a battle that
   * never was), and, through `battle.hidden`, from the leaderboard; the data sets filter it out. A live battle
   * plays on for those already in its room. `not_found` for an unknown battle.
   */
  async hide(battleId: string): Promise<{ battleId: string; hiddenAt: Date }> {
    const hiddenAt = await new HiddenBattlesRepository(this.dataSource.manager).hide(battleId);
    if (!hiddenAt) throw new ArenaError('not_found', `no battle ${battleId}`);
    const live = this.registry.get(battleId);
    if (live) live.hidden = true;
    this.cluster.tell('arena:battle-hidden', { battleId });
    await this.events.emit('battle.hidden', { battleId });
    return { battleId, hiddenAt };
  }

  /**
   * An operator shows a hidden battle again: back in the lists, snapshots, watching, the leaderboard and the
   * data sets. Showing a battle that is not hidden changes nothing. `not_found` for an unknown battle.
   */
  async show(battleId: string): Promise<{ battleId: string; hidden: false }> {
    if (!(await new HiddenBattlesRepository(this.dataSource.manager).show(battleId))) {
      throw new ArenaError('not_found', `no battle ${battleId}`);
    }
    const live = this.registry.get(battleId);
    if (live) live.hidden = false;
    this.cluster.tell('arena:battle-shown', { battleId });
    await this.events.emit('battle.shown', { battleId });
    return { battleId, hidden: false };
  }

  /** From memory when this process runs the battle, from the process that runs it, else from the database. */
  async snapshot(battleId: string): Promise<BattleSnapshot> {
    const live = this.registry.get(battleId);
    if (live?.hidden) throw new ArenaError('not_found', `no battle ${battleId}`);
    if (live) return live.snapshot();
    return (await this.cluster.watchRemote(battleId, '')) ?? this.snapshotFromDatabase(battleId);
  }

  /** Whether this process runs the battle (holds it in memory). */
  holds(battleId: string): boolean {
    return this.registry.get(battleId) !== undefined;
  }

  /** Another process asks for a battle this one may run (see ClusterBus); `socketId` '' only reads. */
  watchLocal(battleId: string, socketId: string): BattleSnapshot | null {
    const live = this.registry.get(battleId);
    if (!live || live.hidden) return null;
    if (socketId && !live.spectators.has(socketId)) {
      live.spectators.add(socketId);
      this.announcePresence(live);
    }
    return live.snapshot();
  }

  private async snapshotFromDatabase(battleId: string): Promise<BattleSnapshot> {
    const repository = new BattlesRepository(this.dataSource.manager);
    const battle = await repository.findById(battleId);
    if (!battle || (await new HiddenBattlesRepository(this.dataSource.manager).isHidden(battleId)))
      throw new ArenaError('not_found', `no battle ${battleId}`);
    return storedSnapshot(battle, repository, (b) => this.models.modelsOf(b));
  }

  async list(query: BattleListQuery): Promise<BattleListItem[]> {
    if (query.status === 'live') {
      return this.registry
        .all()
        .filter((b) => LIVE.has(b.status) && !b.hidden)
        .filter((b) => b.status !== 'voting' || Date.now() - (b.votingSince ?? Date.now()) < LIVE_LIST_VOTING_MS)
        .sort((x, y) => y.createdAt.getTime() - x.createdAt.getTime())
        .slice(0, query.limit)
        .map((b) => ({
          battleId: b.id,
          createdAt: b.createdAt.toISOString(),
          status: b.status,
          promptPreview: preview(b.turns[0]?.prompt ?? ''),
          spectators: b.spectators.size,
        }));
    }
    const rows = await new BattlesRepository(this.dataSource.manager).recent(query.limit);
    return rows.map((r) => ({
      battleId: r.id,
      createdAt: r.createdAt.toISOString(),
      status: this.registry.get(r.id)?.status ?? r.status,
      promptPreview: preview(r.prompt),
      spectators: this.registry.get(r.id)?.spectators.size ?? 0,
    }));
  }

  /** Count a socket as a spectator of a live battle; returns its snapshot. */
  async watch(battleId: string, socketId: string): Promise<BattleSnapshot> {
    return (
      this.watchLocal(battleId, socketId) ??
      (await this.cluster.watchRemote(battleId, socketId)) ??
      this.snapshotFromDatabase(battleId)
    );
  }

  unwatch(battleId: string, socketId: string): void {
    const live = this.registry.get(battleId);
    if (!live) this.cluster.unwatchRemote(battleId, socketId);
    else if (live.spectators.delete(socketId)) this.announcePresence(live);
  }

  /**
   * Presence goes to everyone in the room, so a crowd joining at once would cost spectators² frames;
   * counts are coalesced to at most one frame per PRESENCE_INTERVAL_MS per battle, the latest count winning.
   */
  private announcePresence(live: LiveBattle): void {
    this.presence.push(live.id, live.spectators.size);
  }
}
