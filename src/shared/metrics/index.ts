// CrossFit's seven metrics behind one entry point. Every metric is "higher is better".
import { METRIC_NAMES, type MetricName } from '../tasks/types';
import { macroF1, matthewsCorrelation } from './classification';
import { pearsonCorrelation } from './regression';
import { rougeL } from './rouge';
import { accuracy, exactMatch, maxOverGolds, qaF1 } from './squad';

export { macroF1, matthewsCorrelation } from './classification';
export { pearson, pearsonCorrelation } from './regression';
export { rougeL, rougeLF } from './rouge';
export { accuracy, exactMatch, normalizeAnswer, qaF1 } from './squad';

export function isMetricName(s: string): s is MetricName {
  return (METRIC_NAMES as readonly string[]).includes(s);
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Scores predictions against golds (each one answer or a list of acceptable answers).
 * Per-example metrics take the best over a list; the corpus-level ones
 * (Classification-F1, Matthew-Correlation, Pearson-Correlation) use the first gold only,
 * as CrossFit does. Pearson may return NaN (unparsable or constant predictions).
 */
export function score(metric: MetricName, predictions: string[], golds: (string | string[])[]): number {
  if (!isMetricName(metric)) throw new Error(`score: unknown metric ${JSON.stringify(metric)} (expected one of ${METRIC_NAMES.join(', ')})`);
  if (predictions.length !== golds.length) {
    throw new Error(`score(${metric}): ${predictions.length} predictions but ${golds.length} golds`);
  }
  if (predictions.length === 0) throw new Error(`score(${metric}): no examples`);
  const lists = golds.map((g) => (typeof g === 'string' ? [g] : g));
  const first = (): string[] => lists.map((g, i) => {
    if (g.length === 0) throw new Error(`score(${metric}): example #${i} has no gold answer`);
    return g[0]!;
  });
  const perExample = (fn: (p: string, g: string) => number): number =>
    mean(predictions.map((p, i) => maxOverGolds(p, lists[i]!, fn)));
  switch (metric) {
    case 'ACC': return perExample(accuracy);
    case 'EM': return perExample(exactMatch);
    case 'QA-F1': return perExample(qaF1);
    case 'Classification-F1': return macroF1(predictions, first());
    case 'Matthew-Correlation': return matthewsCorrelation(predictions, first());
    case 'Pearson-Correlation': return pearsonCorrelation(predictions, first());
    case 'Rouge-L': return mean(predictions.map((p, i) => rougeL(p, lists[i]!)));
  }
}
