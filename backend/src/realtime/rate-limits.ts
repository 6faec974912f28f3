import { Inject, Injectable } from '@nestjs/common';
import { ArenaError } from '@arena/contracts';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ARENA_CONFIG, RATE_LIMIT_NAMES, type ArenaConfig, type RateLimitName } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { SocketData } from './arena-socket.js';
import { REDIS } from './redis.js';

const WHAT: Record<RateLimitName, string> = {
  create: 'battles started',
  session: 'sessions created',
  join: 'sessions joined',
  guess: 'wrong join codes',
  vote: 'votes',
  run: 'runs requested',
  admin: 'admin requests',
};

/** The refusal of a request past `name`'s budget, saying when to try again. */
function refused(name: RateLimitName, msBeforeNext: number): ArenaError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new ArenaError('rate_limited', `too many ${WHAT[name]}; try again in ${seconds} s`);
}

/**
 * Per-voter and per-address limits, per minute. With Redis the counters are shared by every process (a
 * client cannot spread its requests over them); without, they live in this process. A Redis outage lets
 * requests through on a per-process fallback rather than refusing everyone.
 */
@Injectable()
export class RateLimits {
  private readonly logger = createLogger(RateLimits.name);
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly networkVotes: RateLimiterAbstract;

  private readonly budgets: ArenaConfig['rateLimits'];

  constructor(
    @Inject(ARENA_CONFIG) config: ArenaConfig,
    @Inject(REDIS) redis: Redis | undefined,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {
    this.budgets = config.rateLimits;
    for (const name of RATE_LIMIT_NAMES) {
      for (const scope of ['voter', 'address'] as const) {
        const points = scope === 'voter' ? config.rateLimits[name].perVoter : config.rateLimits[name].perAddress;
        const options = { keyPrefix: `${config.redisPrefix}:rl:${name}:${scope}`, points, duration: 60 };
        const memory = new RateLimiterMemory(options);
        this.limiters.set(
          `${name}:${scope}`,
          redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory }) : memory,
        );
      }
    }
    // Counters, not a budget: the cap is the caller's, per key (see `countNetworkVote`).
    const counts = { keyPrefix: `${config.redisPrefix}:nv`, points: Number.MAX_SAFE_INTEGER, duration: 7 * 24 * 3600 };
    this.networkVotes = redis
      ? new RateLimiterRedis({ ...counts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(counts) })
      : new RateLimiterMemory(counts);
  }

  /**
   * Refuse with `rate_limited` when the voter's or the address's budget for `name` is already spent, spending
   * nothing: for requests whose cost is known only afterwards (a wrong join code), so that once the budget
   * is gone even a right guess is not answered.
   */
  async assertUnspent(name: RateLimitName, client: Pick<SocketData, 'voterId' | 'address'>): Promise<void> {
    const { perVoter, perAddress } = this.budgets[name];
    const [voter, address] = await Promise.all([
      this.limiters.get(`${name}:voter`)!.get(client.voterId),
      this.limiters.get(`${name}:address`)!.get(client.address),
    ]).catch((error: unknown) => {
      this.logger.warn({ err: error, limit: name }, 'rate limiter failed; letting the request through');
      return [null, null];
    });
    const spent = [
      voter && voter.consumedPoints >= perVoter ? voter : null,
      address && address.consumedPoints >= perAddress ? address : null,
    ];
    const refusal = spent.find((r) => r !== null);
    if (refusal) {
      this.metrics.rateLimited.inc({ limit: name });
      throw refused(name, refusal.msBeforeNext);
    }
  }

  /** Spend one of `name`'s budgets for a request already answered (a refusal here is not the request's). */
  async spend(name: RateLimitName, client: Pick<SocketData, 'voterId' | 'address'>): Promise<void> {
    await this.take(name, client.voterId, client.address).catch(() => undefined);
  }

  /**
   * Count one vote under `key` (a session battle and a network) if fewer than `cap` are counted; returns
   * whether it was counted. Shared by every process through Redis; atomic, so a burst cannot overshoot.
   */
  async countNetworkVote(key: string, cap: number): Promise<boolean> {
    try {
      const res = await this.networkVotes.consume(key);
      if (res.consumedPoints <= cap) return true;
      await this.networkVotes.reward(key);
      return false;
    } catch (error) {
      this.logger.warn({ err: error }, 'network vote counter failed; letting the vote through');
      return true;
    }
  }

  /** Give back a vote `countNetworkVote` counted but the database did not take. */
  async uncountNetworkVote(key: string): Promise<void> {
    await this.networkVotes.reward(key).catch((error: unknown) => this.logger.warn({ err: error }, 'uncount failed'));
  }

  /**
   * Count one request; refuse it with `rate_limited` when either budget for the minute is spent. The voter's
   * budget is taken first: a request its voter may not make costs the address nothing, so one flooding
   * client does not lock out everyone who shares its address (a household, an office behind one NAT).
   */
  async take(name: RateLimitName, voterId: string, address: string): Promise<void> {
    try {
      await this.limiters.get(`${name}:voter`)!.consume(voterId);
      await this.limiters.get(`${name}:address`)!.consume(address);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        throw refused(name, error.msBeforeNext);
      }
      this.logger.warn({ err: error, limit: name }, 'rate limiter failed; letting the request through');
    }
  }

  /**
   * Count one request against the address's budget alone (requests without a voter: the admin API); a
   * refusal is `rate_limited` and counted for operators.
   */
  async takeForAddress(name: RateLimitName, address: string): Promise<void> {
    try {
      await this.limiters.get(`${name}:address`)!.consume(address);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        this.metrics.rateLimited.inc({ limit: name });
        throw refused(name, error.msBeforeNext);
      }
      this.logger.warn({ err: error, limit: name }, 'rate limiter failed; letting the request through');
    }
  }

  /** `take` for a socket's voter and address; a refusal is counted for operators. */
  async takeFor(name: RateLimitName, client: Pick<SocketData, 'voterId' | 'address'>): Promise<void> {
    try {
      await this.take(name, client.voterId, client.address);
    } catch (error) {
      this.metrics.rateLimited.inc({ limit: name });
      throw error;
    }
  }
}
