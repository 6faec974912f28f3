import { spawnSync } from 'node:child_process';
import { seededRandom } from '@arena/ranking';
import { describe, expect, it } from 'vitest';
import { kendallTau, spearman } from './statistics.js';

const PYTHON = process.env['REFERENCE_PYTHON'] ?? '/usr/bin/python3';

describe('rank correlation against SciPy', () => {
  it("Spearman's rho and Kendall's tau-b agree with scipy.stats to 1e-12, ties included", () => {
    const random = seededRandom(11);
    const cases = Array.from({ length: 30 }, (_, i) => {
      const n = 3 + (i % 12);
      // Rounded values make ties on purpose.
      const x = Array.from({ length: n }, () => Math.round(random() * (i % 3 === 0 ? 4 : 1000)));
      const y = x.map((v) => Math.round(v + (random() - 0.5) * (i % 2 ? 3 : 600)));
      return { x, y };
    });
    const script =
      'import json, sys\nfrom scipy.stats import spearmanr, kendalltau\n' +
      'print(json.dumps([[float(spearmanr(c["x"], c["y"])[0]), float(kendalltau(c["x"], c["y"])[0])] for c in json.load(sys.stdin)]))';
    const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`SciPy reference failed (Debian's python3-scipy is needed): ${run.stderr}`);
    const reference = JSON.parse(run.stdout.replaceAll('NaN', 'null')) as [number | null, number | null][];
    cases.forEach((c, i) => {
      const [rho, tau] = reference[i]!;
      const ours = [spearman(c.x, c.y), kendallTau(c.x, c.y)];
      if (rho === null) expect(ours[0]).toBeNaN();
      else expect(Math.abs(ours[0]! - rho), `rho case ${i}`).toBeLessThan(1e-12);
      if (tau === null) expect(ours[1]).toBeNaN();
      else expect(Math.abs(ours[1]! - tau), `tau case ${i}`).toBeLessThan(1e-12);
    });
  });
});
