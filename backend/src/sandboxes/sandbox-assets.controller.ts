import { Controller, Get, Param, Res } from '@nestjs/common';
import { ArenaError } from '@arena/contracts';
import { VENDOR_LIBRARIES, vendorBundle, vendorVersion, type VendorLibrary } from '@arena/sandboxes';
import type { Response } from 'express';
import { OpenToSandboxedPages } from '../common/opaque-origins.js';

/**
 * The libraries web previews run on (React, Vue, Mermaid), bundled from the locally installed packages
 * and served by the arena itself: previews work offline and the browser caches each library once.
 */
@Controller('sandbox/assets')
@OpenToSandboxedPages()
export class SandboxAssetsController {
  @Get(':file')
  async asset(@Param('file') file: string, @Res() res: Response): Promise<void> {
    const name = file.replace(/\.js$/, '');
    if (!file.endsWith('.js') || !(VENDOR_LIBRARIES as readonly string[]).includes(name))
      throw new ArenaError('not_found', `no preview asset ${file}; there are ${VENDOR_LIBRARIES.join(', ')}`);
    const library = name as VendorLibrary;
    const code = await vendorBundle(library);
    res.setHeader('content-type', 'text/javascript; charset=utf-8');
    // The URL carries the library's version, so a cached copy is never stale.
    res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    res.setHeader('etag', `"${library}-${vendorVersion(library)}"`);
    // Loaded by previews in sandboxed (opaque-origin) iframes.
    res.setHeader('cross-origin-resource-policy', 'cross-origin');
    res.send(code);
  }
}
