import { describe, expect, it } from 'vitest';
import { DatasetQuery } from './datasets.js';

const refused = (query: Record<string, unknown>): boolean => !DatasetQuery.safeParse(query).success;

describe('DatasetQuery', () => {
  it('takes ISO 8601 times PostgreSQL takes, and plain text filters', () => {
    for (const query of [
      {},
      { since: '2026-11-25T00:00:00Z', until: '2026-11-26T12:30:00.123456+01:00' },
      { since: '0001-01-01T00:00:00Z', until: '9999-12-31T23:59:59-15:59' },
      { since: '2024-02-29T00:00:00Z' },
      { category: 'web_design', environment: 'python' },
      { category: 'écriture créative' },
    ])
      expect(DatasetQuery.safeParse(query).success, JSON.stringify(query)).toBe(true);
    expect(DatasetQuery.parse({ category: '  web_design ' })).toEqual({ category: 'web_design' });
  });

  it('refuses times PostgreSQL would refuse: year 0, days that do not exist, offsets past ±15:59', () => {
    expect(refused({ since: '0000-01-01T00:00:00Z' })).toBe(true);
    expect(refused({ until: '2026-02-30T00:00:00Z' })).toBe(true);
    expect(refused({ since: '2023-02-29T00:00:00Z' })).toBe(true);
    expect(refused({ since: '2026-01-01T00:00:00+16:00' })).toBe(true);
    expect(refused({ since: '2026-01-01T24:00:00Z' })).toBe(true);
    expect(refused({ since: `2026-01-01T00:00:00.${'1'.repeat(40)}Z` })).toBe(true);
    expect(refused({ since: 'soon' })).toBe(true);
  });

  it('refuses text filters with NUL or other control characters, empty or too long', () => {
    for (const key of ['category', 'environment']) {
      expect(refused({ [key]: '\0' })).toBe(true);
      expect(refused({ [key]: 'web\0design' })).toBe(true);
      expect(refused({ [key]: 'web\ndesign' })).toBe(true);
      expect(refused({ [key]: 'web\u007fdesign' })).toBe(true);
      expect(refused({ [key]: '   ' })).toBe(true);
      expect(refused({ [key]: 'x'.repeat(65) })).toBe(true);
      expect(refused({ [key]: ['python', 'javascript'] })).toBe(true);
    }
    expect(refused({ environment: 'x'.repeat(33) })).toBe(true);
    expect(refused({ format: 'jsonl' })).toBe(true);
  });
});
