/**
 * The inner loop of the contextual model's bootstrap (`bootstrapContextual`): draw a resample, refit from the
 * full-data optimum. Every function here is self-contained (no imports, no outer names but each other's) so
 * that `bootstrap-threads.ts` can hand their source text to `worker_threads` and run the same code there.
 */

/** Everything a round needs, as typed arrays (shareable between threads). */
export interface KernelData {
  /** Models, features per battle, battles. */
  n: number;
  k: number;
  total: number;
  a: Int32Array;
  b: Int32Array;
  outcome: Float64Array;
  /** total × k, row-major. */
  features: Float64Array;
  /** The full-data optimum (n strengths then k coefficients). */
  theta: Float64Array;
  /** p − y of each battle at the full-data optimum. */
  residual: Float64Array;
  /** p·(1 − p) of each battle at the full-data optimum. */
  curvature: Float64Array;
  alpha: number;
  reg: number;
  tolerance: number;
}

/**
 * The seed of bootstrap round `round` under `seed`: a round's resample depends on the two numbers only, so
 * a board is the same however its rounds are split over threads.
 */
export function bootstrapRoundSeed(seed: number, round: number): number {
  let z = (Math.imul(seed >>> 0, 0x2c1b3c6d) ^ Math.imul(round + 1, 0x297a2d39)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * How often each battle is drawn when `total` battles are drawn uniformly with replacement (FastChat's
 * `np.random.randint(0, n, n)`, as counts), into `small` as bytes: a count from 255 up reads 255 there, and
 * what it has past 255 is in `overflow` (by battle index). Two xoshiro128** generators, seeded through
 * splitmix32, take turns (their two dependency chains run side by side: a third faster than one generator);
 * each draw is an exact uniform index by Lemire's multiply-and-reject.
 */
export function bootstrapDraw(seed: number, total: number, small: Uint8Array, overflow: Map<number, number>): void {
  // Bytes: a quarter of the memory of Int32 counts, so the random increments mostly stay in cache.
  small.fill(0);
  overflow.clear();
  let s = seed >>> 0;
  const state = new Int32Array(8);
  for (let i = 0; i < 8; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    state[i] = z ^ (z >>> 16);
  }
  // The states stay in int32 (no `>>> 0`), which V8 keeps unboxed: several times faster than uint32.
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  const range = 4294967296;
  // Products x·total with a low part below this threshold are rejected, so every index is equally likely.
  const threshold = (range - total) % total;
  const exact = total <= 2097152;
  let draw = 0;
  while (draw < total) {
    const m = Math.imul(b, 5);
    const x = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    const m2 = Math.imul(f, 5);
    const y = Math.imul((m2 << 7) | (m2 >>> 25), 9) >>> 0;
    const t2 = f << 9;
    g ^= e;
    h ^= f;
    f ^= g;
    e ^= h;
    g ^= t2;
    h = (h << 11) | (h >>> 21);
    if (exact) {
      const product = x * total;
      const index = Math.floor(product * 2.3283064365386963e-10);
      if (product - index * range >= threshold) {
        const held = small[index]!;
        if (held === 255) overflow.set(index, (overflow.get(index) ?? 0) + 1);
        else small[index] = held + 1;
        draw += 1;
        if (draw === total) break;
      }
      const product2 = y * total;
      const index2 = Math.floor(product2 * 2.3283064365386963e-10);
      if (product2 - index2 * range >= threshold) {
        const held = small[index2]!;
        if (held === 255) overflow.set(index2, (overflow.get(index2) ?? 0) + 1);
        else small[index2] = held + 1;
        draw += 1;
      }
    } else {
      // Past 2²¹ battles x·total no longer fits a double's 53 bits: the two outputs make one 53-bit fraction.
      const index = Math.floor((((x >>> 5) * 67108864 + (y >>> 6)) / 9007199254740992) * total);
      const held = small[index]!;
      if (held === 255) overflow.set(index, (overflow.get(index) ?? 0) + 1);
      else small[index] = held + 1;
      draw += 1;
    }
  }
}

/** `bootstrapDraw` as plain counts per battle. */
export function bootstrapDrawCounts(
  seed: number,
  total: number,
  counts: Int32Array,
  small: Uint8Array = new Uint8Array(total),
): void {
  const overflow = new Map<number, number>();
  bootstrapDraw(seed, total, small, overflow);
  for (let i = 0; i < total; i++) counts[i] = small[i]!;
  for (const [index, extra] of overflow) counts[index]! += extra;
}

/**
 * The tables of `kernelExp`: 2^k for k from −1024 to 1023 (at k + 1024), then 2^(j/64) for j from 0 to 63
 * (at 2048 + j).
 */
export function kernelExpTable(): Float64Array {
  const table = new Float64Array(2048 + 64);
  for (let k = -1024; k < 1024; k++) table[k + 1024] = Math.pow(2, k);
  for (let j = 0; j < 64; j++) table[2048 + j] = Math.pow(2, j / 64);
  return table;
}

/**
 * e^x for the logistic passes, about twice as fast as Math.exp here and within 1e-15 of it (relative): x =
 * (64k + j)·ln2/64 + r with |r| ≤ ln2/128 (ln2/64 split in two so the reduction is exact), e^x = 2^k ·
 * 2^(j/64) · e^r by a degree-6 polynomial. Outside ±700 it is Math.exp.
 */
export function kernelExp(x: number, table: Float64Array): number {
  if (!(x > -700 && x < 700)) return Math.exp(x);
  // Round x·64/ln2 to the nearest integer by adding and removing 1.5·2⁵², then reduce.
  const k = x * 92.33248261689366 + 6755399441055744 - 6755399441055744;
  const r = x - k * 0.010830424493178725 - k * 2.030704202170295e-10;
  const i = k | 0;
  const p =
    1 +
    r *
      (1 +
        r *
          (0.5 +
            r *
              (0.16666666666666666 +
                r * (0.041666666666666664 + r * (0.008333333333333333 + r * 0.001388888888888889)))));
  return table[(i >> 6) + 1024]! * table[2048 + (i & 63)]! * p;
}

/** Lower Cholesky factor of a symmetric positive-definite d × d matrix, in place (row-major). */
export function kernelCholesky(l: Float64Array, d: number): boolean {
  for (let j = 0; j < d; j++) {
    const rj = j * d;
    let diagonal = l[rj + j]!;
    for (let k = 0; k < j; k++) diagonal -= l[rj + k]! * l[rj + k]!;
    if (!(diagonal > 0)) return false;
    diagonal = Math.sqrt(diagonal);
    l[rj + j] = diagonal;
    for (let i = j + 1; i < d; i++) {
      const ri = i * d;
      let s = l[ri + j]!;
      for (let k = 0; k < j; k++) s -= l[ri + k]! * l[rj + k]!;
      l[ri + j] = s / diagonal;
    }
  }
  return true;
}

/** Solve L Lᵀ x = rhs in place, L the lower Cholesky factor (d × d). */
export function kernelSolve(l: Float64Array, x: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    let s = x[i]!;
    const row = i * d;
    for (let j = 0; j < i; j++) s -= l[row + j]! * x[j]!;
    x[i] = s / l[row + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let j = i + 1; j < d; j++) s -= l[j * d + i]! * x[j]!;
    x[i] = s / l[i * d + i]!;
  }
}

/** Buffers one thread reuses across its rounds. */
export interface KernelScratch {
  /** The round's draw counts (see `bootstrapDraw`). */
  small: Uint8Array;
  overflow: Map<number, number>;
  /** `kernelExpTable()`. */
  table: Float64Array;
  rows: Int32Array;
  weights: Float64Array;
  gradient: Float64Array;
  /** The resample's Hessian (then its factor), d × d, and its blocks: model pairs, model × feature, features. */
  factor: Float64Array;
  pair: Float64Array;
  cross: Float64Array;
  hff: Float64Array;
}

export function kernelScratch(data: KernelData): KernelScratch {
  return {
    small: new Uint8Array(data.total),
    overflow: new Map<number, number>(),
    table: kernelExpTable(),
    rows: new Int32Array(data.total),
    weights: new Float64Array(data.total),
    gradient: new Float64Array(data.n + data.k),
    factor: new Float64Array((data.n + data.k) ** 2),
    pair: new Float64Array(data.n * data.n),
    cross: new Float64Array(data.n * data.k),
    hff: new Float64Array(data.k * data.k),
  };
}

/**
 * One bootstrap round into `out` (d numbers): the resample's counts, then Newton steps from the full-data
 * optimum. The first step is an exact Newton step and needs no exponential: the gradient and the Hessian
 * of the resample at the optimum are sums of per-battle numbers known there (p − y and p·(1 − p)) weighted
 * by the counts. Later steps take one gradient pass over the drawn battles each and reuse that Hessian,
 * until the steps, which shrink faster than geometrically, leave less than the tolerance to go. Returns the
 * number of steps, or −1 when they did not settle (the caller then refits that round in full).
 */
export function bootstrapKernelRound(
  data: KernelData,
  scratch: KernelScratch,
  seed: number,
  round: number,
  out: Float64Array,
): number {
  const { n, k: K, total, a, b, outcome, features, theta: start, residual, curvature, alpha, reg, tolerance } = data;
  const { small, overflow, table, rows, weights, gradient: g, factor, pair, cross, hff } = scratch;
  const d = n + K;
  bootstrapDraw(bootstrapRoundSeed(seed, round), total, small, overflow);
  const theta = out;
  theta.set(start);

  // Gradient and Hessian at the start, and the compact list of drawn battles.
  g.fill(0);
  pair.fill(0);
  cross.fill(0);
  hff.fill(0);
  let m = 0;
  for (let i = 0; i < total; i++) {
    let w = small[i]!;
    if (w === 0) continue;
    if (w === 255) w += overflow.get(i) ?? 0;
    rows[m] = i;
    weights[m] = w;
    m += 1;
    const ai = a[i]!;
    const bi = b[i]!;
    const e = w * residual[i]!;
    const c = w * curvature[i]!;
    g[ai]! += e;
    g[bi]! -= e;
    pair[ai * n + bi]! += c;
    const o = i * K;
    const ca = ai * K;
    const cb = bi * K;
    if (K === 4) {
      // Style control's four features, unrolled (the loops below, without their index arithmetic).
      const x0 = features[o]!;
      const x1 = features[o + 1]!;
      const x2 = features[o + 2]!;
      const x3 = features[o + 3]!;
      g[n]! += e * x0;
      g[n + 1]! += e * x1;
      g[n + 2]! += e * x2;
      g[n + 3]! += e * x3;
      const c0 = c * x0;
      const c1 = c * x1;
      const c2 = c * x2;
      const c3 = c * x3;
      cross[ca]! += c0;
      cross[ca + 1]! += c1;
      cross[ca + 2]! += c2;
      cross[ca + 3]! += c3;
      cross[cb]! -= c0;
      cross[cb + 1]! -= c1;
      cross[cb + 2]! -= c2;
      cross[cb + 3]! -= c3;
      hff[0]! += c0 * x0;
      hff[1]! += c0 * x1;
      hff[2]! += c0 * x2;
      hff[3]! += c0 * x3;
      hff[5]! += c1 * x1;
      hff[6]! += c1 * x2;
      hff[7]! += c1 * x3;
      hff[10]! += c2 * x2;
      hff[11]! += c2 * x3;
      hff[15]! += c3 * x3;
      continue;
    }
    for (let f = 0; f < K; f++) {
      const x = features[o + f]!;
      g[n + f]! += e * x;
      const cf = c * x;
      cross[ca + f]! += cf;
      cross[cb + f]! -= cf;
      for (let h = f; h < K; h++) hff[f * K + h]! += cf * features[o + h]!;
    }
  }
  factor.fill(0);
  const a2 = alpha * alpha;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const c = a2 * pair[i * n + j]!;
      if (c === 0) continue;
      factor[i * d + i]! += c;
      factor[j * d + j]! += c;
      factor[i * d + j]! -= c;
      factor[j * d + i]! -= c;
    }
    for (let f = 0; f < K; f++) {
      const c = alpha * cross[i * K + f]!;
      factor[i * d + n + f] = c;
      factor[(n + f) * d + i] = c;
    }
  }
  for (let f = 0; f < K; f++)
    for (let h = f; h < K; h++) {
      factor[(n + f) * d + n + h] = hff[f * K + h]!;
      factor[(n + h) * d + n + f] = hff[f * K + h]!;
    }
  for (let i = 0; i < d; i++) factor[i * d + i]! += reg;
  if (!kernelCholesky(factor, d)) return -1;

  let steps = 0;
  let previous = 0;
  for (let iteration = 0; iteration < 50; iteration++) {
    if (iteration > 0) {
      g.fill(0);
      const beta0 = theta[n]!;
      const beta1 = theta[n + 1]!;
      const beta2 = theta[n + 2]!;
      const beta3 = theta[n + 3]!;
      let g0 = 0;
      let g1 = 0;
      let g2 = 0;
      let g3 = 0;
      for (let j = 0; j < m; j++) {
        const i = rows[j]!;
        const ai = a[i]!;
        const bi = b[i]!;
        const o = i * K;
        let z = alpha * (theta[ai]! - theta[bi]!);
        if (K === 4) {
          const x0 = features[o]!;
          const x1 = features[o + 1]!;
          const x2 = features[o + 2]!;
          const x3 = features[o + 3]!;
          z += x0 * beta0 + x1 * beta1 + x2 * beta2 + x3 * beta3;
          const e = weights[j]! * (1 / (1 + kernelExp(-z, table)) - outcome[i]!);
          g[ai]! += e;
          g[bi]! -= e;
          g0 += e * x0;
          g1 += e * x1;
          g2 += e * x2;
          g3 += e * x3;
          continue;
        }
        for (let f = 0; f < K; f++) z += features[o + f]! * theta[n + f]!;
        const e = weights[j]! * (1 / (1 + kernelExp(-z, table)) - outcome[i]!);
        g[ai]! += e;
        g[bi]! -= e;
        for (let f = 0; f < K; f++) g[n + f]! += e * features[o + f]!;
      }
      if (K === 4) {
        g[n] = g0;
        g[n + 1] = g1;
        g[n + 2] = g2;
        g[n + 3] = g3;
      }
    }
    for (let i = 0; i < n; i++) g[i] = alpha * g[i]! + reg * theta[i]!;
    for (let f = n; f < d; f++) g[f] = g[f]! + reg * theta[f]!;
    kernelSolve(factor, g, d);
    steps += 1;
    let largest = 0;
    for (let i = 0; i < d; i++) {
      theta[i]! -= g[i]!;
      const step = Math.abs(g[i]!);
      if (step > largest) largest = step;
    }
    if (!Number.isFinite(largest)) return -1;
    // Each step shrinks at least by the ratio ρ to the one before (here about 1/1000, the first step being
    // exact Newton), so what is left after this one is at most largest·ρ/(1 − ρ).
    const ratio = previous > 0 ? largest / previous : 1;
    if (largest < tolerance || (ratio < 0.1 && (largest * ratio) / (1 - ratio) < tolerance)) return steps;
    previous = largest;
  }
  return -1;
}
