import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ArenaError } from '@arena/contracts';
import { clientAddress } from '../common/client-address.js';
import { ARENA_CONFIG, type ArenaConfig } from '../config/config.js';
import { RateLimits } from '../realtime/rate-limits.js';
import { AdminAuditLog, adminActionOf, type AdminRequest } from './admin-audit.js';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether `given` is the token, in time that does not depend on where they differ: both are hashed first,
 * so the comparison is of equal lengths whatever was sent.
 */
export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * The admin API's door. Without ARENA_ADMIN_TOKEN there is no admin API: every route answers 404 as an
 * unknown path does. Otherwise each request costs the address's `admin` budget (before the token is
 * checked, so guessing is slow too), and needs `Authorization: Bearer <token>`: 401 without or with a wrong one.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(
    @Inject(ARENA_CONFIG) private readonly config: ArenaConfig,
    @Inject(RateLimits) private readonly limits: RateLimits,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AdminAuditLog) private readonly audit: AdminAuditLog,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const token = this.config.adminToken;
    if (!token) throw new ArenaError('not_found', `Cannot ${request.method} ${request.path}`);
    const address = clientAddress(
      request.socket.remoteAddress ?? 'unknown',
      request.headers['x-forwarded-for'],
      this.config.trustProxy,
    );
    request.adminAddress = address;
    const meta = adminActionOf(this.reflector, context);
    try {
      await this.limits.takeForAddress('admin', address);
    } catch (error) {
      this.audit.record(meta, request, address, 'rate_limited');
      throw error;
    }
    const header = request.headers.authorization;
    const given = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header.trim())?.[1] : undefined;
    if (given === undefined || !tokenMatches(given, token)) {
      this.audit.record(meta, request, address, 'unauthorized');
      throw new ArenaError(
        'unauthorized',
        given === undefined ? 'send Authorization: Bearer <ARENA_ADMIN_TOKEN>' : 'that is not the admin token',
      );
    }
    return true;
  }
}
