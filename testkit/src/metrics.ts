const SAMPLE = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/**
 * A counter or gauge read from Prometheus text (`GET /metrics`): the samples named `name` whose labels include every
 * pair of `labels` (in any order), summed; 0 when there is none (a labelled counter appears once first counted).
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const sample = SAMPLE.exec(line);
    if (!sample || sample[1] !== name) continue;
    const found = new Map([...(sample[2] ?? '').matchAll(LABEL)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) total += Number(sample[3]);
  }
  return total;
}
