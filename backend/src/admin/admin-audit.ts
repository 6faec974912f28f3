import {
  Inject,
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ArenaError } from '@arena/contracts';
import type { Request } from 'express';
import { tap, type Observable } from 'rxjs';
import { createLogger } from '../logging/logger.js';

/** What an admin route does, as its audit line names it, and where its target is (a path parameter or body field). */
export interface AdminActionMeta {
  action: string;
  target?: { param: string } | { body: string };
}

const ADMIN_ACTION = 'arena:admin-action';

/** Names an admin route's action for the audit log. */
export const AdminAction = (action: string, target?: AdminActionMeta['target']): MethodDecorator =>
  SetMetadata(ADMIN_ACTION, { action, ...(target ? { target } : {}) } satisfies AdminActionMeta);

export function adminActionOf(reflector: Reflector, context: ExecutionContext): AdminActionMeta {
  return reflector.get<AdminActionMeta | undefined>(ADMIN_ACTION, context.getHandler()) ?? { action: 'unknown' };
}

/** Ids as the admin routes take them; anything else is logged as '(invalid)', never as sent. */
const LOGGABLE_TARGET = /^[\w.:/-]{1,128}$/;

function targetOf(meta: AdminActionMeta, request: Request): string | undefined {
  if (!meta.target) return undefined;
  const value: unknown =
    'param' in meta.target
      ? request.params[meta.target.param]
      : (request.body as Record<string, unknown> | undefined)?.[meta.target.body];
  if (value === undefined) return undefined;
  return typeof value === 'string' && LOGGABLE_TARGET.test(value) ? value : '(invalid)';
}

/**
 * The audit trail of the admin API: one structured line per request (`audit: 'admin'`, the action, its
 * target, the outcome — `ok` or the error code — and the client address). Never a header, so never the token.
 */
@Injectable()
export class AdminAuditLog {
  private readonly logger = createLogger('AdminAudit');

  record(meta: AdminActionMeta, request: Request, address: string, outcome: string, ms?: number): void {
    const line = {
      audit: 'admin',
      action: meta.action,
      target: targetOf(meta, request),
      outcome,
      address,
      ...(ms !== undefined ? { ms: Math.round(ms) } : {}),
    };
    if (outcome === 'ok') this.logger.info(line, 'admin action');
    else this.logger.warn(line, 'admin action refused');
  }
}

/** Request fields the guard leaves for the audit (the client address it resolved). */
export interface AdminRequest extends Request {
  adminAddress?: string;
}

/** Audits every admin request that passed the guard (the guard audits those it refuses). */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AdminAuditLog) private readonly audit: AdminAuditLog,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = adminActionOf(this.reflector, context);
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const started = performance.now();
    const record = (outcome: string): void =>
      this.audit.record(meta, request, request.adminAddress ?? 'unknown', outcome, performance.now() - started);
    return next.handle().pipe(
      tap({
        next: () => record('ok'),
        error: (error: unknown) => record(error instanceof ArenaError ? error.code : 'internal'),
      }),
    );
  }
}
