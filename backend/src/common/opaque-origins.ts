import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { ArenaError } from '@arena/contracts';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a request comes from an opaque origin (`Origin: null`): a sandboxed frame such as a web preview,
 * a `data:` page or a local file. None of those may use the arena's API or sockets: a preview's scripts
 * would otherwise read the API and create battles or votes as a voter the page picks.
 */
export function fromOpaqueOrigin(headers: IncomingHttpHeaders): boolean {
  return headers.origin === 'null';
}

/** Refuses every REST request from an opaque origin with `not_allowed` (403). */
@Injectable()
export class OpaqueOriginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
    if (fromOpaqueOrigin(request.headers))
      throw new ArenaError('not_allowed', 'the arena’s API is not open to sandboxed pages (Origin: null)');
    return true;
  }
}
