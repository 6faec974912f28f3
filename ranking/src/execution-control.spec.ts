import { describe, expect, it } from 'vitest';
import { EXECUTION_FEATURES, ExecutionBattlesBuilder, executionFacts, executionFeatures } from './execution-control.js';
import { computeContextualLeaderboard } from './leaderboard.js';
import { seededRandom } from './random.js';

const STATUSES = ['ok', 'compile_error', 'runtime_error', 'timeout', 'memory_limit', 'unsupported'];

/** Battles whose outcomes follow the contextual model with planted execution coefficients. */
function planted(battles: number, seed: number) {
  const random = seededRandom(seed);
  const strengths = Array.from({ length: 10 }, (_, i) => (i - 4.5) * 0.05);
  const beta = {
    code: 0.1,
    ranOk: 0.9,
    compileError: -0.6,
    runtimeError: -0.3,
    timedOut: -0.4,
    rendered: 0.5,
    installs: 0,
  };
  const side = () =>
    executionFacts(
      random() < 0.2
        ? undefined
        : {
            status: STATUSES[Math.floor(random() * STATUSES.length)]!,
            environment: random() < 0.3 ? 'streamlit' : 'python',
            previewed: random() < 0.1,
            installs: random() < 0.3,
          },
    );
  const builder = new ExecutionBattlesBuilder();
  for (let k = 0; k < battles; k++) {
    const a = Math.floor(random() * 10);
    const b = (a + 1 + Math.floor(random() * 9)) % 10;
    const fa = side();
    const fb = side();
    let z = Math.LN10 * (strengths[a]! - strengths[b]!);
    for (const f of EXECUTION_FEATURES) z += beta[f] * (Number(fa[f]) - Number(fb[f]));
    const p = 1 / (1 + Math.exp(-z));
    // No ties: a tie counts as half a win either way, which would pull the estimates toward zero.
    const winner = random() < p ? 'model_a' : 'model_b';
    builder.add(`m${a}`, `m${b}`, winner, fa, fb);
  }
  return { data: builder.build(), beta };
}

describe('execution control', () => {
  it('derives the covariates from a run: status, preview or a started app, installs', () => {
    expect(executionFacts(undefined)).toEqual({
      code: false,
      ranOk: false,
      compileError: false,
      runtimeError: false,
      timedOut: false,
      rendered: false,
      installs: false,
    });
    const app = executionFacts({ status: 'ok', environment: 'gradio', previewed: false, installs: true });
    expect(app).toMatchObject({ code: true, ranOk: true, rendered: true, installs: true });
    const crashed = executionFacts({
      status: 'runtime_error',
      environment: 'gradio',
      previewed: false,
      installs: false,
    });
    expect(crashed).toMatchObject({ ranOk: false, runtimeError: true, rendered: false });
    expect(executionFacts({ status: 'ok', environment: 'html', previewed: true, installs: false }).rendered).toBe(true);
  });

  it('features are a − b per covariate', () => {
    const b = new ExecutionBattlesBuilder();
    const ran = executionFacts({ status: 'ok', environment: 'python', previewed: false, installs: false });
    const failed = executionFacts({ status: 'compile_error', environment: 'c', previewed: false, installs: true });
    b.add('x', 'y', 'model_a', ran, failed);
    expect(Array.from(executionFeatures(b.build()))).toEqual([0, 1, -1, 0, 0, 0, -1]);
  });

  it('recovers planted coefficients within their bootstrap and sandwich intervals', () => {
    const { data, beta } = planted(40_000, 5);
    const features = executionFeatures(data);
    for (const options of [{ bootstrap: 40, seed: 3 }, { bootstrap: 0 }]) {
      const board = computeContextualLeaderboard(data, features, EXECUTION_FEATURES, options);
      for (const f of EXECUTION_FEATURES) {
        const ci = board.coefficientIntervals[f]!;
        expect(ci.low).toBeLessThan(beta[f]);
        expect(ci.high).toBeGreaterThan(beta[f]);
        expect(ci.high - ci.low).toBeLessThan(0.5);
      }
      // Running code sways the vote: the interval of ran-ok lies clearly above zero.
      expect(board.coefficientIntervals['ranOk']!.low).toBeGreaterThan(0.5);
      expect(board.coefficientIntervals['compileError']!.high).toBeLessThan(0);
    }
    // 40 bootstrap refits of 40,000 battles: seconds on a loaded machine.
  }, 120_000);
});
