import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

let root: Logger = pino({ level: process.env['LOG_LEVEL'] ?? 'info', base: { service: 'arena' } });

export function configureLogging(level: string): void {
  root = pino({ level, base: { service: 'arena' } });
}

/** One structured logger per class, with its context. */
export function createLogger(context: string): Logger {
  return root.child({ context });
}

/** Routes NestJS's own framework logs into pino. */
export class NestPinoLogger implements LoggerService {
  private readonly logger = createLogger('nest');
  log(message: unknown, context?: string): void {
    this.logger.info({ nestContext: context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ nestContext: context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ nestContext: context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ nestContext: context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ nestContext: context }, String(message));
  }
}
