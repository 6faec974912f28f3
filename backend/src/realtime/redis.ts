import { Redis } from 'ioredis';
import { createLogger } from '../logging/logger.js';

export const REDIS = Symbol('REDIS');

/** One Redis connection per process, or none when REDIS_URL is unset (a single-process arena). */
export async function connectRedis(url: string | undefined): Promise<Redis | undefined> {
  if (!url) return undefined;
  const logger = createLogger('Redis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  await redis.connect();
  logger.info({ url: url.replace(/\/\/[^@]*@/, '//***@') }, 'redis connected');
  return redis;
}
