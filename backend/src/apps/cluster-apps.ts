import type { AppLookup, LiveApps } from '@arena/sandboxes';
import { z } from 'zod';
import { createLogger } from '../logging/logger.js';
import type { ClusterBus, RemoteAppLookup } from '../realtime/cluster-bus.js';

/** How long this process trusts another process's answer about an app before it asks again. */
const REMEMBER_MS = 2_000;
/** At most this often a process tells an app's owner that it served the app (the owner's idle time-out). */
const TOUCH_EVERY_MS = 1_000;
/** Answers kept at most (the oldest go first): unknown tokens are remembered too, so a flood asks once each. */
const MAX_REMEMBERED = 2_000;
/** Questions this process puts to the cluster at once; past it a lookup fails at once (`LookupsBusy`). */
export const MAX_ASKING = 64;

/** A lookup refused because this process already has `MAX_ASKING` questions out (the proxy answers 503). */
export class LookupsBusy extends Error {
  constructor() {
    super('too many app lookups at once');
  }
}

const Host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:_-]+$/);
const Port = z.number().int().min(1).max(65_535);
/** What another process may answer: anything else is a process of another version, or not one of ours. */
const RemoteReply = z.union([
  z.null(),
  z.object({ state: z.literal('gone') }),
  z.object({
    state: z.literal('live'),
    target: z.object({
      host: Host,
      port: Port,
      keepsPrefix: z.boolean(),
      basePath: z.string().max(200),
      kind: z.enum(['app', 'display']),
    }),
    via: z.object({ host: Host, port: Port }).optional(),
  }),
]);

/** Where the proxy finds an app: at once when this process holds it, else after asking the others. */
export interface AppDirectory {
  lookup(token: string): AppLookup | Promise<AppLookup>;
  /** A request of the app was served here. */
  touch(token: string): void;
}

/** The apps of this process alone (an arena without Redis). */
export function localApps(apps: () => LiveApps | undefined): AppDirectory {
  return {
    lookup: (token) => apps()?.lookup(token) ?? { state: 'unknown' },
    touch: (token) => apps()?.touch(token),
  };
}

interface Remembered {
  found: AppLookup;
  until: number;
  touchedAt: number;
}

/**
 * The apps of every process of a clustered arena (one arena behind REDIS_URL, one Docker engine): a request that
 * reaches a process that does not hold its app asks the others over the cluster bus, and its owner answers. When
 * the owner says where it is reached itself (`ARENA_INTERNAL_HOST`), the request goes to the owner, path and all,
 * which serves it as its own (its socket cap, its idle clock); otherwise it goes to the app's address on its
 * internal network, which every process on the engine's machine reaches as the owner does, and is counted as use
 * with the owner (told at most once a second per app). Addresses come from the owner, never from the request.
 */
export class ClusterApps implements AppDirectory {
  private readonly remembered = new Map<string, Remembered>();
  private readonly asking = new Map<string, Promise<AppLookup>>();
  private readonly logger = createLogger(ClusterApps.name);

  /** `self`: where the other processes reach this one, once it listens (undefined: they go to the containers). */
  constructor(
    private readonly apps: () => LiveApps | undefined,
    private readonly cluster: ClusterBus,
    private readonly self: () => { host: string; port: number } | undefined = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    cluster.on('arena:app-lookup', ({ token }, reply) => {
      const found = this.apps()?.lookup(token);
      if (!found || found.state === 'unknown') return reply(null);
      const via = this.self();
      reply(via && found.state === 'live' ? { ...found, via } : found);
    });
    cluster.on('arena:app-touch', ({ token }) => this.apps()?.touch(token));
  }

  lookup(token: string): AppLookup | Promise<AppLookup> {
    const own = this.apps()?.lookup(token) ?? { state: 'unknown' as const };
    if (own.state !== 'unknown' || !this.cluster.enabled) return own;
    const known = this.remembered.get(token);
    if (known && known.until > this.now()) return known.found;
    const pending = this.asking.get(token);
    if (pending) return pending;
    // Each question is broadcast to every process: a flood of distinct tokens must not become a flood there.
    if (this.asking.size >= MAX_ASKING) return Promise.reject(new LookupsBusy());
    const asked = this.cluster
      .appLookupRemote(token)
      .then((reply): AppLookup => {
        const remote = RemoteReply.safeParse(reply);
        if (!remote.success) {
          this.logger.warn(
            { token: token.slice(0, 6), issues: remote.error.issues.length },
            'malformed app lookup reply',
          );
          throw new Error('malformed app lookup reply');
        }
        return remote.data ? throughOwner(remote.data) : { state: 'unknown' };
      })
      .then((found) => {
        this.remember(token, found);
        return found;
      })
      .finally(() => this.asking.delete(token));
    this.asking.set(token, asked);
    return asked;
  }

  touch(token: string): void {
    const apps = this.apps();
    if (apps && apps.lookup(token).state !== 'unknown') return apps.touch(token);
    const known = this.remembered.get(token);
    if (known?.found.state !== 'live' || this.now() - known.touchedAt < TOUCH_EVERY_MS) return;
    known.touchedAt = this.now();
    this.cluster.appTouchRemote(token);
  }

  private remember(token: string, found: AppLookup): void {
    this.remembered.delete(token);
    this.remembered.set(token, { found, until: this.now() + REMEMBER_MS, touchedAt: 0 });
    if (this.remembered.size > MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value!);
  }
}

/** The lookup a request follows: to the owner itself when it said where it is (the path unchanged), else to the app. */
function throughOwner(remote: RemoteAppLookup): AppLookup {
  const { via, ...found } = remote;
  if (found.state !== 'live' || !via) return found;
  return { state: 'live', target: { ...found.target, host: via.host, port: via.port, keepsPrefix: true } };
}
