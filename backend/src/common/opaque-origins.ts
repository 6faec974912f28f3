import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
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

const OPEN_TO_SANDBOXED_PAGES = 'arena:open-to-sandboxed-pages';

/** Marks a controller whose GETs previews load (the vendor bundles): public files, no data, no action. */
export const OpenToSandboxedPages = (): ClassDecorator => SetMetadata(OPEN_TO_SANDBOXED_PAGES, true);

/** Refuses REST requests from an opaque origin with `not_allowed` (403), except to `@OpenToSandboxedPages`. */
@Injectable()
export class OpaqueOriginGuard implements CanActivate {
  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders; method: string }>();
    if (!fromOpaqueOrigin(request.headers)) return true;
    const open = this.reflector.get<boolean | undefined>(OPEN_TO_SANDBOXED_PAGES, context.getClass());
    if (open && request.method === 'GET') return true;
    throw new ArenaError('not_allowed', 'the arena’s API is not open to sandboxed pages (Origin: null)');
  }
}
