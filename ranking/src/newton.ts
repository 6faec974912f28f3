/**
 * The numerical pieces the Bradley-Terry fits share: stable sigmoids, a Cholesky factorisation and solve
 * for symmetric positive-definite systems, and damped Newton's method with a halving line search.
 */

export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Lower-triangular Cholesky factor of a symmetric positive-definite n×n matrix (row-major, copied). */
export function cholesky(matrix: Float64Array, n: number): Float64Array {
  const l = new Float64Array(matrix);
  for (let j = 0; j < n; j++) {
    let d = l[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
    d = Math.sqrt(Math.max(d, 1e-300));
    l[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let s = l[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / d;
    }
  }
  return l;
}

/** Solve L Lᵀ x = rhs for x, given the factor from `cholesky`. */
export function solveFactored(l: Float64Array, rhs: Float64Array, n: number): Float64Array {
  const y = new Float64Array(rhs);
  for (let i = 0; i < n; i++) {
    let s = y[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  return y;
}

export function solve(matrix: Float64Array, rhs: Float64Array, n: number): Float64Array {
  return solveFactored(cholesky(matrix, n), rhs, n);
}

/**
 * Diagonal of A⁻¹ B A⁻¹ (the sandwich covariance) for symmetric A (positive definite) and B: solve A X = B
 * column by column, then A Σ = Xᵀ.
 */
export function sandwichDiagonal(bread: Float64Array, meat: Float64Array, n: number): Float64Array {
  const factor = cholesky(bread, n);
  const x = new Float64Array(n * n);
  const column = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) column[i] = meat[i * n + j]!;
    const solved = solveFactored(factor, column, n);
    for (let i = 0; i < n; i++) x[i * n + j] = solved[i]!;
  }
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) column[i] = x[j * n + i]!;
    out[j] = Math.max(0, solveFactored(factor, column, n)[j]!);
  }
  return out;
}

/** A smooth convex objective in `dimension` parameters. */
export interface Objective {
  dimension: number;
  loss(x: Float64Array): number;
  derivatives(x: Float64Array): { gradient: Float64Array; hessian: Float64Array };
  /** The loss and the derivatives in one go (one pass over the data instead of two), when the objective can. */
  evaluate?(x: Float64Array): { loss: number; gradient: Float64Array; hessian: Float64Array };
  /**
   * The gradient is within the rounding error of the sums it is made of: no further step can be told from
   * noise, so the fit is done even if its steps are still above the tolerance (along a direction of tiny
   * curvature, noise in the gradient makes large steps).
   */
  settled?(x: Float64Array, gradient: Float64Array): boolean;
}

export interface NewtonOptions {
  start?: Float64Array;
  maxIterations?: number;
  /** Stop once no parameter moves by more than this. */
  tolerance?: number;
}

/**
 * Minimise a convex objective by Newton's method, halving the step until the loss does not rise. With
 * `evaluate`, the full step's loss comes with the derivatives there, which the next iteration then uses (the
 * same iterates, one pass per iteration instead of two); the Hessian at the result is returned when known.
 */
export function dampedNewton(
  objective: Objective,
  options: NewtonOptions = {},
): { x: Float64Array; iterations: number; hessian?: Float64Array } {
  const n = objective.dimension;
  const x = options.start ? new Float64Array(options.start) : new Float64Array(n);
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-10;
  let known: { gradient: Float64Array; hessian: Float64Array } | undefined;
  let current: number;
  if (objective.evaluate) {
    const at = objective.evaluate(x);
    known = at;
    current = at.loss;
  } else current = objective.loss(x);
  let iterations = 0;
  const next = new Float64Array(n);
  for (; iterations < maxIterations; iterations++) {
    const at = known ?? objective.derivatives(x);
    const { gradient, hessian } = at;
    if (objective.settled?.(x, gradient)) {
      known = at;
      break;
    }
    known = undefined;
    const step = solve(hessian, gradient, n);
    let scale = 1;
    let nextLoss = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) next[i] = x[i]! - scale * step[i]!;
      if (tries === 0 && objective.evaluate) {
        const at = objective.evaluate(next);
        nextLoss = at.loss;
        known = at;
      } else {
        nextLoss = objective.loss(next);
        known = undefined;
      }
      if (nextLoss <= current + 1e-12 * Math.abs(current)) break;
      scale /= 2;
    }
    let largest = 0;
    for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(next[i]! - x[i]!));
    x.set(next);
    current = nextLoss;
    if (largest < tolerance) {
      iterations += 1;
      break;
    }
  }
  return known ? { x, iterations, hessian: known.hessian } : { x, iterations };
}
