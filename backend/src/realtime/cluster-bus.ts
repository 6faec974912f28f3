import { Injectable } from '@nestjs/common';
import type { BattleSnapshot, ErrorCode, Winner } from '@arena/contracts';
import type { AppLookup } from '@arena/sandboxes';
import type { Namespace } from 'socket.io';

/** Messages between the arena's processes (over the socket.io adapter; nothing leaves the cluster). */
export interface ClusterEvents {
  /** Who runs this battle? Its owner counts the socket as a spectator and answers with the snapshot. */
  'arena:watch': (
    request: { battleId: string; socketId: string },
    reply: (snapshot: BattleSnapshot | null) => void,
  ) => void;
  'arena:unwatch': (request: { battleId: string; socketId: string }) => void;
  /** A session's host closed a vote on another process: the owner updates the battle it holds. */
  'arena:revealed': (request: { battleId: string; winner: Winner | null }) => void;
  /** A follow-up sent to another process than the one running the battle: its owner plays the turn. */
  'arena:followup': (request: FollowupRequest, reply: (outcome: FollowupOutcome | null) => void) => void;
  /** An operator hid a battle: its owner stops showing it, and every process's caches drop it. */
  'arena:battle-hidden': (request: { battleId: string }) => void;
  /** An operator showed a hidden battle again: its owner shows it, and every process's caches count it. */
  'arena:battle-shown': (request: { battleId: string }) => void;
  /** An operator banned a voter: every process's caches drop their votes. */
  'arena:voter-banned': (request: { voterHash: string }) => void;
  /** An operator lifted a ban: every process's caches count the voter's votes again. */
  'arena:voter-unbanned': (request: { voterHash: string }) => void;
  /** An operator changed the models (added one, enabled, disabled, weighted): every process reads them again. */
  'arena:models-changed': (request: { by: string }) => void;
  /**
   * Where is this live app? Its owner (the process that started it) answers with where it listens, or that it
   * stopped; every other process answers null.
   */
  'arena:app-lookup': (request: { token: string }, reply: (found: RemoteAppLookup | null) => void) => void;
  /** Another process served a request of this app: its owner counts it as used (the idle time-out). */
  'arena:app-touch': (request: { token: string }) => void;
}

/**
 * An app's whereabouts as its owner knows them (never `unknown`: a process that does not know answers null), and
 * where the owner itself is reached (`ARENA_INTERNAL_HOST` and its port) when it says.
 */
export type RemoteAppLookup = Exclude<AppLookup, { state: 'unknown' }> & { via?: { host: string; port: number } };

export interface FollowupRequest {
  battleId: string;
  prompt: string;
  by: { voterId: string } | { sessionId: string };
}

/** What the owner answered: the new turn, or the typed error it refused with. */
export type FollowupOutcome = { ok: true; turn: number } | { ok: false; code: ErrorCode; message: string };

const ASK_TIMEOUT_MS = 1_500;

// socket.io's namespace is typed by the server-side event map; only that part is used here.
interface ClusterNamespace {
  serverSideEmit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * Asks the other processes (one arena behind REDIS_URL). Without Redis there are no others, and every
 * question is answered by nobody at once.
 */
@Injectable()
export class ClusterBus {
  private namespace: ClusterNamespace | undefined;
  private clustered = false;
  /** Listeners registered before the namespace exists (services start before the gateway binds it). */
  private readonly early: [string, (...args: never[]) => void][] = [];

  bind(namespace: Namespace, clustered: boolean): void {
    this.namespace = namespace;
    this.clustered = clustered;
    for (const [event, listener] of this.early.splice(0)) this.namespace.on(event, listener);
  }

  get enabled(): boolean {
    return this.clustered && !!this.namespace;
  }

  /** The snapshot of a battle another process runs, counting `socketId` as its spectator; null if none does. */
  watchRemote(battleId: string, socketId: string): Promise<BattleSnapshot | null> {
    return this.ask('arena:watch', { battleId, socketId });
  }

  /** Have the process that runs the battle play a follow-up; null when no process runs it. */
  followupRemote(request: FollowupRequest): Promise<FollowupOutcome | null> {
    return this.ask('arena:followup', request);
  }

  /** Ask every other process; the one answer that is not null (the battle's owner), else null. */
  private async ask<R>(event: keyof ClusterEvents, request: object): Promise<R | null> {
    if (!this.enabled) return null;
    const responses = await new Promise<(R | null)[]>((resolve) => {
      // socket.io waits up to 5 s for every process; a process that is dying must not hold a caller that long.
      const timer = setTimeout(() => resolve([]), ASK_TIMEOUT_MS);
      this.namespace!.serverSideEmit(event, request, (_err: Error | null, replies: (R | null)[] | undefined) => {
        clearTimeout(timer);
        resolve(replies ?? []);
      });
    });
    return responses.find((r): r is R => r !== null && r !== undefined) ?? null;
  }

  /** Where another process's live app is, or that it stopped; null when no process knows the token. */
  appLookupRemote(token: string): Promise<RemoteAppLookup | null> {
    return this.ask('arena:app-lookup', { token });
  }

  /** Tell an app's owner that this process served one of its requests. */
  appTouchRemote(token: string): void {
    if (this.enabled) this.namespace!.serverSideEmit('arena:app-touch', { token });
  }

  unwatchRemote(battleId: string, socketId: string): void {
    if (this.enabled) this.namespace!.serverSideEmit('arena:unwatch', { battleId, socketId });
  }

  revealed(battleId: string, winner: Winner | null): void {
    if (this.enabled) this.namespace!.serverSideEmit('arena:revealed', { battleId, winner });
  }

  /** Tell the other processes (never this one) what an operator changed. */
  tell<
    E extends
      | 'arena:battle-hidden'
      | 'arena:battle-shown'
      | 'arena:voter-banned'
      | 'arena:voter-unbanned'
      | 'arena:models-changed',
  >(event: E, request: Parameters<ClusterEvents[E]>[0]): void {
    if (this.enabled) this.namespace!.serverSideEmit(event, request);
  }

  on<E extends keyof ClusterEvents>(event: E, listener: ClusterEvents[E]): void {
    if (this.namespace) this.namespace.on(event, listener);
    else this.early.push([event, listener]);
  }
}
