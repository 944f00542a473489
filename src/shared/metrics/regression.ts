// Pearson-Correlation: predictions are parsed like Python's float(); anything unparsable
// becomes NaN, which (as in scipy) makes the whole correlation NaN.
import { pyFloat } from './python';

/** scipy.stats.pearsonr(x, y)[0]; NaN for non-finite data or a constant side. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`pearson: lengths differ (${x.length} vs ${y.length})`);
  const n = x.length;
  if (n < 2) throw new Error(`pearson: needs at least 2 points, got ${n}`);
  const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / n;
  const mx = mean(x);
  const my = mean(y);
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (!(sxx > 0) || !(syy > 0)) return NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

export function pearsonCorrelation(predictions: readonly string[], golds: readonly string[]): number {
  const g = golds.map((s, i) => {
    const v = pyFloat(s);
    if (v === undefined) throw new Error(`Pearson-Correlation: gold #${i} ${JSON.stringify(s)} is not a number`);
    return v;
  });
  const p = predictions.map((s) => pyFloat(s) ?? NaN);
  return pearson(p, g);
}
