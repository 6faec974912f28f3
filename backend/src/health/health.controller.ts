import { Controller, Get, Inject } from '@nestjs/common';
import { PROTOCOL_VERSION, type HealthResponse } from '@arena/contracts';
import { SandboxRegistry } from '@arena/sandboxes';
import { DataSource } from 'typeorm';
import { DATABASE_KIND } from '../database/database.module.js';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SandboxRegistry) private readonly sandboxes: SandboxRegistry,
    @Inject(DATABASE_KIND) private readonly databaseKind: 'postgres' | 'embedded',
  ) {}

  @Get()
  async health(): Promise<HealthResponse> {
    let ok = true;
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      ok = false;
    }
    return {
      status: ok ? 'ok' : 'degraded',
      database: { kind: this.databaseKind, ok },
      sandboxes: this.sandboxes.describe(),
      isolation: this.sandboxes.isolation(),
      dockerHosts: this.sandboxes.dockerHosts(),
      version: '0.1.0',
      protocol: PROTOCOL_VERSION,
    };
  }
}
