import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ArenaError, parseInput } from '@arena/contracts';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { BattlesRepository } from './battles.repository.js';

const RunId = z.uuid({ message: 'runId must be a run id (a UUID)' });

/**
 * What a preview page may do, sent as a response header (a `<meta>` policy inserted into the page can be
 * escaped by the page's own markup): run inline scripts and the arena's vendor bundles, draw and style with
 * inline and data: resources. No connection of any kind (fetch, XHR, WebSocket, beacons), no image, font or
 * script from elsewhere (which would tell another host who is watching), no forms, frames or navigation
 * targets; and, whatever frames it, an opaque origin of its own (`sandbox allow-scripts`).
 */
export function previewPolicy(assetOrigins: string[]): string {
  const assets = assetOrigins.map((o) => `${o}/api/sandbox/assets/`).join(' ');
  return [
    "default-src 'none'",
    `script-src 'unsafe-inline' 'unsafe-eval' ${assets}`,
    "style-src 'unsafe-inline'",
    'img-src data: blob:',
    'font-src data:',
    'media-src data: blob:',
    "connect-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
    'sandbox allow-scripts',
  ].join('; ');
}

/** `GET /api/runs/:runId/preview`: a web run's page, served with its policy in the response headers. */
@Controller('runs')
export class RunPreviewsController {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  @Get(':runId/preview')
  async preview(@Param('runId') runId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const id = parseInput(RunId, runId, 'runId');
    const html = await new BattlesRepository(this.dataSource.manager).previewOf(id);
    if (html === null) throw new ArenaError('not_found', 'no preview for that run');
    // The vendor bundles come from this server, under whichever scheme the viewer reached it by.
    const host = req.headers.host ?? '';
    const origins = /^[A-Za-z0-9.:[\]-]+$/.test(host) ? [`http://${host}`, `https://${host}`] : [];
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('content-security-policy', previewPolicy(origins));
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cache-control', 'private, max-age=300');
    res.send(html);
  }
}
