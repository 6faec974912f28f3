import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives the embedded defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3001, databaseUrl: undefined, modelsFile: undefined, deltaIntervalMs: 30 });
    expect(config.dataDir.endsWith('/data')).toBe(true);
  });

  it('names every bad variable in one message', () => {
    const fail = () => loadConfig({ PORT: 'abc', DATABASE_URL: 'not a url', ARENA_RUN_MEMORY_MB: '2' });
    expect(fail).toThrow(ConfigError);
    expect(fail).toThrow(/PORT[\s\S]*DATABASE_URL[\s\S]*ARENA_RUN_MEMORY_MB/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).port).toBe(3001);
  });
});
