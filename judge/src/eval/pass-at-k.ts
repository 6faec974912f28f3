/**
 * The unbiased pass@k estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on Code",
 * eq. 1): with n samples of which c pass, the chance that at least one of k drawn without replacement
 * passes, 1 − C(n−c, k) / C(n, k), computed as 1 − ∏_{i=n−c+1}^{n} (1 − k/i) so that no binomial overflows.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 1 || k < 1 || c < 0 || c > n)
    throw new RangeError(`pass@k needs integers 0 ≤ c ≤ n, k ≥ 1 (n=${n}, c=${c}, k=${k})`);
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} samples per task (n=${n})`);
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

/** The mean of pass@k over tasks, each given as its sample count and passing count. */
export function meanPassAtK(tasks: readonly { n: number; c: number }[], k: number): number {
  if (tasks.length === 0) return 0;
  return tasks.reduce((sum, t) => sum + passAtK(t.n, t.c, k), 0) / tasks.length;
}
