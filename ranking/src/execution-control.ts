import type { ContextBattles } from './contextual-bt.js';
import type { Outcome } from './pairwise.js';
import { STYLE_FEATURES, styleFeatures, type StyleBattles } from './style-control.js';

/**
 * Execution control: the contextual Bradley-Terry model of style control (`fitContextual`) with execution
 * covariates in place of (or beside) the style features. Per side, from the side's own run of its first-turn
 * answer (a re-run from the UI, possibly of edited code, says nothing about the model):
 * - `code`: the answer had code the arena extracted (and so ran);
 * - `ranOk`: that run ended with status ok;
 * - `compileError`, `runtimeError`, `timedOut`: it ended with compile_error, runtime_error, timeout;
 * - `rendered`: it showed something: a stored preview (HTML, a live app, a virtual display), or (runs stored
 *   before preview kinds were) an app / display environment whose run ended ok (a
 *   streamlit, gradio or pygame run that ended ok);
 * - `installs`: the answer asked for packages to be installed.
 * Each feature is the difference a − b ∈ {−1, 0, 1}, not standardised (unlike FastChat's style features): its
 * coefficient is then the change in log-odds of winning when one side has the property and the other has not,
 * and e^β the odds multiplier. The L2 penalty (0.5 on every parameter) is the style model's.
 */
export const EXECUTION_FEATURES = [
  'code',
  'ranOk',
  'compileError',
  'runtimeError',
  'timedOut',
  'rendered',
  'installs',
] as const;
export type ExecutionFeature = (typeof EXECUTION_FEATURES)[number];
export type ExecutionFacts = Record<ExecutionFeature, boolean>;

/** Environments whose successful run shows a live app or a virtual display rather than an HTML preview. */
export const APP_ENVIRONMENTS: readonly string[] = ['streamlit', 'gradio', 'pygame'];

export const NO_EXECUTION: ExecutionFacts = {
  code: false,
  ranOk: false,
  compileError: false,
  runtimeError: false,
  timedOut: false,
  rendered: false,
  installs: false,
};

/** A side's facts from its first-turn answer run (undefined: no code, so no run). */
export function executionFacts(
  run: { status: string | null; environment: string; previewed: boolean; installs: boolean } | undefined,
): ExecutionFacts {
  if (!run) return NO_EXECUTION;
  return {
    code: true,
    ranOk: run.status === 'ok',
    compileError: run.status === 'compile_error',
    runtimeError: run.status === 'runtime_error',
    timedOut: run.status === 'timeout',
    rendered: run.previewed || (run.status === 'ok' && APP_ENVIRONMENTS.includes(run.environment)),
    installs: run.installs,
  };
}

/** Battles with each side's execution facts (A's seven, then B's seven, as 0/1). */
export interface ExecutionBattles extends ContextBattles {
  facts: Uint8Array;
}

export class ExecutionBattlesBuilder {
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly a: number[] = [];
  private readonly b: number[] = [];
  private readonly outcome: number[] = [];
  private readonly facts: number[] = [];

  private model(name: string): number {
    let id = this.index.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.index.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  add(modelA: string, modelB: string, winner: Outcome, a: ExecutionFacts, b: ExecutionFacts): void {
    this.a.push(this.model(modelA));
    this.b.push(this.model(modelB));
    this.outcome.push(winner === 'model_a' ? 1 : winner === 'model_b' ? 0 : 0.5);
    for (const side of [a, b]) for (const f of EXECUTION_FEATURES) this.facts.push(side[f] ? 1 : 0);
  }

  build(): ExecutionBattles {
    return {
      models: [...this.names],
      length: this.a.length,
      a: Int32Array.from(this.a),
      b: Int32Array.from(this.b),
      outcome: Float64Array.from(this.outcome),
      facts: Uint8Array.from(this.facts),
    };
  }
}

/** The execution features of each battle: per covariate a − b (length × 7, row-major). */
export function executionFeatures(battles: ExecutionBattles): Float64Array {
  const k = EXECUTION_FEATURES.length;
  const out = new Float64Array(battles.length * k);
  for (let i = 0; i < battles.length; i++)
    for (let f = 0; f < k; f++) out[i * k + f] = battles.facts[i * 2 * k + f]! - battles.facts[i * 2 * k + k + f]!;
  return out;
}

/** Style and execution features side by side (length × 11): the four standardised style features, then the seven. */
export function styleAndExecutionFeatures(style: StyleBattles, execution: ExecutionBattles): Float64Array {
  const s = styleFeatures(style);
  const e = executionFeatures(execution);
  const ks = STYLE_FEATURES.length;
  const ke = EXECUTION_FEATURES.length;
  const out = new Float64Array(style.length * (ks + ke));
  for (let i = 0; i < style.length; i++) {
    out.set(s.subarray(i * ks, (i + 1) * ks), i * (ks + ke));
    out.set(e.subarray(i * ke, (i + 1) * ke), i * (ks + ke) + ks);
  }
  return out;
}

/**
 * The facts of one side of a row of the arena's `battles` data set (its `executions_a` / `executions_b`):
 * the answer run (origin `answer`) of turn 0.
 */
export function executionFactsOfExport(executions: unknown, where: string): ExecutionFacts {
  if (!Array.isArray(executions)) throw new Error(`${where}: execution control needs executions_a and executions_b`);
  const run = (executions as Record<string, unknown>[]).find((e) => e['turn'] === 0 && e['origin'] === 'answer');
  if (!run) return NO_EXECUTION;
  return executionFacts({
    status: typeof run['status'] === 'string' ? run['status'] : null,
    environment: typeof run['environment'] === 'string' ? run['environment'] : '',
    previewed: run['has_preview'] === true,
    installs: run['install_requested'] === true,
  });
}
