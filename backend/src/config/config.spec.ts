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

  it('reads the public address for join links, and refuses one that is not an http(s) URL', () => {
    expect(loadConfig({ ARENA_PUBLIC_URL: 'https://arena.example.org/' }).publicUrl).toBe('https://arena.example.org');
    expect(loadConfig({}).publicUrl).toBeUndefined();
    expect(() => loadConfig({ ARENA_PUBLIC_URL: 'javascript:alert(1)' })).toThrow(/ARENA_PUBLIC_URL/);
  });

  it('reads the proxies to trust and the shutdown grace time', () => {
    expect(loadConfig({ ARENA_TRUST_PROXY: '2' }).trustProxy).toEqual({ hops: 2 });
    expect(loadConfig({}).shutdownGraceMs).toBe(20_000);
    expect(() => loadConfig({ ARENA_TRUST_PROXY: 'everyone' })).toThrow(/ARENA_TRUST_PROXY/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).port).toBe(3001);
  });
});
