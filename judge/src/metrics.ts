import type { AgreementMetrics } from '@arena/contracts';

export type { AgreementMetrics };

/**
 * Metrics of predicted labels against true ones. Labels are those given, else the sorted union of both
 * sides (scikit-learn's `unique_labels`); the confusion matrix has the true labels as rows.
 */
export function agreement(
  truth: readonly string[],
  predicted: readonly string[],
  labels?: readonly string[],
): AgreementMetrics {
  if (truth.length !== predicted.length) throw new Error('truth and predictions differ in length');
  const classes = labels ? [...labels] : [...new Set([...truth, ...predicted])].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  const k = classes.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = index.get(truth[i]!);
    const p = index.get(predicted[i]!);
    if (t === undefined || p === undefined) continue;
    matrix[t]![p]! += 1;
    n += 1;
  }
  const rowSums = matrix.map((row) => row.reduce((s, v) => s + v, 0));
  const colSums = classes.map((_, j) => matrix.reduce((s, row) => s + row[j]!, 0));
  const correct = classes.reduce((s, _, i) => s + matrix[i]![i]!, 0);
  const accuracy = n ? correct / n : NaN;

  // Macro-F1 over the labels (scikit-learn: a label with no true and no predicted sample scores 0).
  const f1s = classes.map((_, i) => {
    const tp = matrix[i]![i]!;
    const denominator = rowSums[i]! + colSums[i]!;
    return denominator === 0 ? 0 : (2 * tp) / denominator;
  });
  const macroF1 = f1s.reduce((s, v) => s + v, 0) / Math.max(1, k);

  // Cohen's kappa: 1 − observed disagreement / disagreement expected by chance.
  let expectedAgreement = 0;
  for (let i = 0; i < k; i++) expectedAgreement += (rowSums[i]! * colSums[i]!) / (n * n);
  const observed = accuracy;
  const kappa = 1 - (1 - observed) / (1 - expectedAgreement);

  // Matthews correlation coefficient, multiclass (Gorodkin's R_K).
  const sumPT = classes.reduce((s, _, i) => s + colSums[i]! * rowSums[i]!, 0);
  const sumP2 = colSums.reduce((s, v) => s + v * v, 0);
  const sumT2 = rowSums.reduce((s, v) => s + v * v, 0);
  const covYtYp = correct * n - sumPT;
  const covYpYp = n * n - sumP2;
  const covYtYt = n * n - sumT2;
  const mcc = covYpYp * covYtYt === 0 ? 0 : covYtYp / Math.sqrt(covYtYt * covYpYp);

  return { n, accuracy, macroF1, kappa, mcc, confusion: { labels: classes, matrix } };
}

/** BigCodeReward's 3-class view: tie and both-bad merged into one `uncertain` label. */
export function toThreeClass(label: string): string {
  return label === 'tie' || label === 'both_bad' ? 'uncertain' : label;
}
