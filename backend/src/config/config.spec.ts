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

  it('reads the live apps settings, with ARENA_APPS=off turning them off and a bad one named', () => {
    expect(loadConfig({}).apps).toEqual({
      ttlMs: 600_000,
      idleMs: 600_000,
      perHost: 10,
      memoryMb: 768,
      cpus: 1,
      startMs: 60_000,
    });
    expect(loadConfig({ ARENA_APP_TTL_MS: '5000', ARENA_APPS_PER_HOST: '3' }).apps).toMatchObject({
      ttlMs: 5_000,
      perHost: 3,
    });
    expect(loadConfig({ ARENA_APPS: 'off' }).apps).toBe(false);
    expect(() => loadConfig({ ARENA_APPS_PER_HOST: '0' })).toThrow(/ARENA_APPS_PER_HOST/);
    // Where the other processes of a cluster send this one's apps' requests: a host, never a URL or a port.
    expect(loadConfig({}).internalHost).toBeUndefined();
    expect(loadConfig({ ARENA_INTERNAL_HOST: '10.0.0.5' }).internalHost).toBe('10.0.0.5');
    expect(() => loadConfig({ ARENA_INTERNAL_HOST: 'http://10.0.0.5/' })).toThrow(/ARENA_INTERNAL_HOST/);
  });

  it('reuses sandbox containers unless ARENA_SANDBOX_REUSE=off, and names a bad value', () => {
    expect(loadConfig({}).docker.reuse).toBe(true);
    expect(loadConfig({ ARENA_SANDBOX_REUSE: 'off' }).docker.reuse).toBe(false);
    expect(() => loadConfig({ ARENA_SANDBOX_REUSE: 'no' })).toThrow(/ARENA_SANDBOX_REUSE/);
  });

  it('runs two exports at once in worker threads at nice 10 by default, and names a bad value', () => {
    expect(loadConfig({}).exports).toEqual({ workers: 2, nice: 10 });
    expect(loadConfig({ ARENA_EXPORT_WORKERS: '0', ARENA_EXPORT_NICE: '19' }).exports).toEqual({
      workers: 0,
      nice: 19,
    });
    expect(() => loadConfig({ ARENA_EXPORT_WORKERS: '-1' })).toThrow(/ARENA_EXPORT_WORKERS/);
    expect(() => loadConfig({ ARENA_EXPORT_NICE: '20' })).toThrow(/ARENA_EXPORT_NICE/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).port).toBe(3001);
  });
});
