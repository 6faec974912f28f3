import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { tokenMatches } from './admin-token.guard.js';

describe('the admin token', () => {
  it('matches only itself, whatever the lengths compared', () => {
    const token = 'a-long-admin-token-0123456789';
    expect(tokenMatches(token, token)).toBe(true);
    for (const other of ['', 'a', token.slice(0, -1), `${token}9`, token.toUpperCase(), `${token} `])
      expect(tokenMatches(other, token)).toBe(false);
  });

  it('is configured with at least 16 printable characters, or not at all', () => {
    expect(loadConfig({}).adminToken).toBeUndefined();
    expect(loadConfig({ ARENA_ADMIN_TOKEN: '' }).adminToken).toBeUndefined();
    expect(loadConfig({ ARENA_ADMIN_TOKEN: 'x'.repeat(16) }).adminToken).toBe('x'.repeat(16));
    expect(() => loadConfig({ ARENA_ADMIN_TOKEN: 'short' })).toThrow(/ARENA_ADMIN_TOKEN must be at least 16/);
    expect(() => loadConfig({ ARENA_ADMIN_TOKEN: 'sixteen chars ok' })).toThrow(/printable ASCII without spaces/);
  });
});
