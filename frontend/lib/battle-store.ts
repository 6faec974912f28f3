'use client';
import {
  applyBattleEvent,
  BATTLE_EVENTS,
  newBattleSnapshot,
  type BattleEvent,
  type BattleSnapshot,
  type ErrorCode,
  type ModelRef,
  type Winner,
} from '@arena/contracts';
import { api } from './api';
import { ArenaRequestError, errorCodeOf } from './errors';
import type { ArenaSocket } from './socket';

const MAX_BUFFERED = 10_000;

/**
 * A battle as one client sees it: a snapshot plus the live frames folded in with the shared reducer.
 * Frames that arrive before the snapshot are buffered; a sequence gap triggers a fresh snapshot.
 */
export class BattleStore {
  private snapshot: BattleSnapshot | undefined;
  private buffer: BattleEvent[] = [];
  private battleId: string | undefined;
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private readonly detachers: (() => void)[] = [];
  private resyncing = false;
  error: string | undefined;
  /** This browser's voter started the battle: it may vote on it, continue it and run its code. */
  yours = false;
  /** What kind of error `error` is (`not_found` for a battle that is not there), when the server said. */
  errorCode: ErrorCode | undefined;

  constructor(private readonly socket: ArenaSocket) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  get state(): BattleSnapshot | undefined {
    return this.snapshot;
  }

  get id(): string | undefined {
    return this.battleId;
  }

  private changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }

  private attach(): void {
    for (const name of BATTLE_EVENTS) {
      const handler = (payload: unknown): void => this.onEvent({ event: name, payload } as BattleEvent);
      this.socket.on(name, handler);
      this.detachers.push(() => this.socket.off(name, handler));
    }
    // The server sends a whole snapshot when this client fell behind and caught up again.
    const onState = (snapshot: BattleSnapshot): void => {
      if (snapshot.battleId === this.battleId) this.load(snapshot);
    };
    this.socket.on('battle:state', onState);
    this.detachers.push(() => this.socket.off('battle:state', onState));
    // Back within the recovery window, the missed frames are replayed; otherwise watch again from a snapshot.
    // A watch whose answer was lost with the connection (no snapshot yet) is asked again in any case.
    const onConnect = (): void => {
      if (this.battleId && (!this.snapshot || !this.socket.recovered)) void this.rejoin();
    };
    this.socket.on('connect', onConnect);
    this.detachers.push(() => this.socket.off('connect', onConnect));
  }

  detach(): void {
    for (const detach of this.detachers.splice(0)) detach();
    if (this.battleId && this.socket.connected)
      this.socket.emit('battle:unwatch', { battleId: this.battleId }, () => undefined);
  }

  async create(prompt: string, category?: string): Promise<string> {
    this.attach();
    const ack = await this.socket.emitWithAck('battle:create', { prompt, ...(category ? { category } : {}) });
    if (!ack.ok) throw new ArenaRequestError(ack.error.code, ack.error.message);
    this.battleId = ack.battleId;
    this.yours = true;
    this.load(newBattleSnapshot(ack.battleId, prompt));
    return ack.battleId;
  }

  async watch(battleId: string): Promise<void> {
    this.attach();
    this.battleId = battleId;
    await this.rejoin();
  }

  private async rejoin(): Promise<void> {
    if (!this.battleId) return;
    this.snapshot = undefined;
    let ack: Awaited<ReturnType<typeof this.socket.emitWithAck<'battle:watch'>>>;
    try {
      ack = await this.socket.emitWithAck('battle:watch', { battleId: this.battleId });
    } catch {
      return; // the connection dropped: asked again when it is back
    }
    if (!ack.ok) {
      this.error = ack.error.message;
      this.errorCode = ack.error.code;
      this.changed();
      return;
    }
    this.yours = ack.yours;
    this.load(ack.snapshot);
  }

  private load(snapshot: BattleSnapshot): void {
    this.snapshot = snapshot;
    const pending = this.buffer;
    this.buffer = [];
    for (const event of pending) this.apply(event);
    this.changed();
  }

  private onEvent(event: BattleEvent): void {
    if (!this.snapshot) {
      if (this.buffer.length < MAX_BUFFERED) this.buffer.push(event);
      return;
    }
    this.apply(event);
    this.changed();
  }

  private apply(event: BattleEvent): void {
    if (!this.snapshot) return;
    if (applyBattleEvent(this.snapshot, event) === 'gap') void this.resync();
  }

  /** A frame went missing: take a fresh snapshot over REST and replay what arrived meanwhile. */
  private async resync(): Promise<void> {
    if (this.resyncing || !this.battleId) return;
    this.resyncing = true;
    this.snapshot = undefined;
    try {
      this.load(await api.battle(this.battleId));
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.errorCode = errorCodeOf(error);
      this.changed();
    } finally {
      this.resyncing = false;
    }
  }

  /** Continue the conversation: both models answer `prompt`, each with its own history. */
  async followup(prompt: string): Promise<number> {
    if (!this.battleId) throw new Error('no battle');
    const ack = await this.socket.emitWithAck('battle:followup', { battleId: this.battleId, prompt });
    if (!ack.ok) throw new ArenaRequestError(ack.error.code, ack.error.message);
    return ack.turn;
  }

  async vote(winner: Winner): Promise<{ a: ModelRef; b: ModelRef }> {
    if (!this.battleId) throw new Error('no battle');
    const ack = await this.socket.emitWithAck('battle:vote', { battleId: this.battleId, winner });
    if (!ack.ok) throw new ArenaRequestError(ack.error.code, ack.error.message);
    return ack.models;
  }
}
