import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Errors as logged. A database error carries the statement's parameters, and its message and detail quote
 * values (`invalid input syntax for type uuid: "…"`, `Key (id)=(…)`): those are requests' values, which logs
 * never hold. Such an error keeps its kind, SQLSTATE code, statement text and stack.
 */
export function loggedError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const fields = err as Error & { query?: unknown; parameters?: unknown; driverError?: unknown; code?: unknown };
  const driver = (fields.driverError ?? err) as { code?: unknown; severity?: unknown; routine?: unknown };
  const fromDatabase = fields.query !== undefined || fields.parameters !== undefined || driver.severity !== undefined;
  if (!fromDatabase) return pino.stdSerializers.err(err);
  return {
    type: err.name,
    message: 'database error (values left out of the log)',
    ...(typeof driver.code === 'string' ? { code: driver.code } : {}),
    ...(typeof driver.routine === 'string' ? { routine: driver.routine } : {}),
    ...(typeof fields.query === 'string' ? { query: fields.query.slice(0, 2_000) } : {}),
    ...(err.stack ? { stack: err.stack.split('\n').slice(1).join('\n') } : {}),
  };
}

function rootLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'arena' }, serializers: { err: loggedError } };
  return destination ? pino(options, destination) : pino(options);
}

let root: Logger = rootLogger(process.env['LOG_LEVEL'] ?? 'info');
let destination: DestinationStream | undefined;

/** `to`: where lines go instead of stdout (tests read what the server logged). */
export function configureLogging(level: string, to: DestinationStream | undefined = destination): void {
  destination = to;
  root = rootLogger(level, to);
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
