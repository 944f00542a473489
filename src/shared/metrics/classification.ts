// Corpus-level classification metrics: Classification-F1 and Matthew-Correlation.
import { pyStrip } from './python';

/**
 * sklearn `f1_score(golds, predictions, average='macro')` with its default label set: the
 * union of gold and predicted labels. A predicted string that is no valid label becomes a
 * class with F1 = 0 (no gold support), so every distinct invalid output lowers the mean.
 * Labels are compared verbatim (no case folding, no trimming), as in the reference.
 */
export function macroF1(predictions: readonly string[], golds: readonly string[]): number {
  if (predictions.length !== golds.length) {
    throw new Error(`macroF1: ${predictions.length} predictions vs ${golds.length} golds`);
  }
  const tp = new Map<string, number>();
  const predCount = new Map<string, number>();
  const goldCount = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  predictions.forEach((p, i) => {
    const g = golds[i]!;
    inc(predCount, p);
    inc(goldCount, g);
    if (p === g) inc(tp, p);
  });
  const labels = new Set([...predCount.keys(), ...goldCount.keys()]);
  if (labels.size === 0) throw new Error('macroF1: no examples');
  let sum = 0;
  for (const label of labels) {
    const t = tp.get(label) ?? 0;
    // F1 = 2tp / (2tp + fp + fn) = 2tp / (|predicted as label| + |gold label|); the
    // denominator is > 0 for every label in the union, and t = 0 gives sklearn's zero.
    sum += (2 * t) / ((predCount.get(label) ?? 0) + (goldCount.get(label) ?? 0));
  }
  return sum / labels.size;
}

/**
 * sklearn `matthews_corrcoef` on CrossFit's binarisation: a prediction counts as positive
 * iff it is exactly "acceptable" after stripping whitespace; a gold iff it is exactly
 * "acceptable" (not stripped). 0 when either side is constant, as sklearn returns.
 */
export function matthewsCorrelation(predictions: readonly string[], golds: readonly string[]): number {
  if (predictions.length !== golds.length) {
    throw new Error(`matthewsCorrelation: ${predictions.length} predictions vs ${golds.length} golds`);
  }
  let tp = 0, tn = 0, fp = 0, fn = 0;
  predictions.forEach((p, i) => {
    const yp = pyStrip(p) === 'acceptable';
    const yt = golds[i] === 'acceptable';
    if (yp && yt) tp++;
    else if (yp) fp++;
    else if (yt) fn++;
    else tn++;
  });
  const denom = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
  if (denom === 0) return 0;
  return (tp * tn - fp * fn) / Math.sqrt(denom);
}
