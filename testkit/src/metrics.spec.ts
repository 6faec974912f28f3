import { describe, expect, it } from 'vitest';
import { metricValue } from './metrics.js';

const TEXT = `# HELP arena_dataset_exports_total Data-set downloads
# TYPE arena_dataset_exports_total counter
arena_dataset_exports_total{dataset="battles",format="jsonl",encoding="gzip",outcome="completed"} 2
arena_dataset_exports_total{outcome="completed",format="jsonl",dataset="battles",encoding="identity"} 3
arena_dataset_exports_total{dataset="battles",format="csv",encoding="identity",outcome="abandoned"} 1
arena_dataset_exports_total_other 7
arena_socket_lagging_total 4
arena_odd{note="a \\"quoted\\" value",kind="x"} 5
`;

describe('metricValue', () => {
  it('reads a sample by name and labels in any order, sums the samples that match, and is 0 for none', () => {
    expect(metricValue(TEXT, 'arena_socket_lagging_total')).toBe(4);
    expect(
      metricValue(TEXT, 'arena_dataset_exports_total', { dataset: 'battles', format: 'jsonl', encoding: 'identity' }),
    ).toBe(3);
    expect(metricValue(TEXT, 'arena_dataset_exports_total', { format: 'jsonl' })).toBe(5);
    expect(metricValue(TEXT, 'arena_dataset_exports_total')).toBe(6);
    expect(metricValue(TEXT, 'arena_dataset_exports_total', { outcome: 'failed' })).toBe(0);
    expect(metricValue(TEXT, 'arena_missing_total')).toBe(0);
    expect(metricValue(TEXT, 'arena_odd', { kind: 'x' })).toBe(5);
  });
});
