// Relative performance E_rel^PT (the paper's headline number): the mean over tasks of
// score_IPT / score_PT, where score_PT is prompt tuning's test score on the same task and data.
//
// A ratio against score_PT <= 0 says nothing (division by zero, or a sign flip for the
// correlation metrics, which can be negative), so such tasks are left out of the mean and listed
// in `excluded`; the mean is over the remaining tasks and `n` says how many. A non-finite IPT score
// (Pearson's NaN when a prediction does not parse) counts as 0, as a failed task would.

export interface RelativeScore {
  /** Mean ratio over the tasks that count; NaN when none does. */
  readonly value: number;
  /** Per-task ratios of the tasks that count. */
  readonly perTask: Readonly<Record<string, number>>;
  /** Tasks left out, with why. */
  readonly excluded: readonly { task: string; reason: string }[];
  readonly n: number;
}

export function relativePerformance(
  ipt: Readonly<Record<string, number>>,
  pt: Readonly<Record<string, number>>,
): RelativeScore {
  const perTask: Record<string, number> = {};
  const excluded: { task: string; reason: string }[] = [];
  let sum = 0;
  let n = 0;
  for (const task of Object.keys(ipt).sort()) {
    const base = pt[task];
    if (base === undefined) { excluded.push({ task, reason: 'no PT score' }); continue; }
    if (!Number.isFinite(base)) { excluded.push({ task, reason: `PT score is ${base}` }); continue; }
    if (base <= 0) { excluded.push({ task, reason: `PT score ${base} <= 0: the ratio is undefined` }); continue; }
    const s = ipt[task]!;
    const r = (Number.isFinite(s) ? s : 0) / base;
    perTask[task] = r;
    sum += r;
    n++;
  }
  return { value: n > 0 ? sum / n : NaN, perTask, excluded, n };
}

export function mean(xs: readonly number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

/** Sample standard deviation (n - 1); 0 for a single value, NaN for none. */
export function std(xs: readonly number[]): number {
  const f = xs.filter(Number.isFinite);
  if (f.length === 0) return NaN;
  if (f.length === 1) return 0;
  const m = mean(f);
  return Math.sqrt(f.reduce((a, x) => a + (x - m) ** 2, 0) / (f.length - 1));
}
