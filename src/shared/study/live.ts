// The curve of a running study, from the units finished so far: E_rel on the unseen tasks against
// d_I, in the trained subspace and in the random one, so a class watches points appear as IST
// units end. A live view, not the result: it pools every (task, seed) pair that has both its PT and
// its IST score, and waits for grids (with several cells, which cell wins is the dev score's call,
// made by the final tables).
import type { StudyPlan } from './plan';

export interface LivePoint {
  readonly dI: number;
  /** Mean of score / PT score over the pairs counted; null before the first. */
  readonly erel: number | null;
  /** Pairs counted, and pairs the finished study will count (unseen tasks x seeds). */
  readonly n: number;
  readonly of: number;
}

export interface LiveCurve {
  readonly subspace: readonly LivePoint[];
  readonly random: readonly LivePoint[];
  /** Unseen tasks' PT runs finished, of all. */
  readonly ptDone: number;
  readonly ptOf: number;
}

/**
 * `tests`: the test score of each finished unit, by unit key (the worker reports them as results
 * are stored). Pairs whose PT score is not positive are left out, as E_rel leaves them out.
 */
export function liveCurve(plan: StudyPlan, tests: Readonly<Record<string, number>>): LiveCurve {
  const test = new Set(plan.spec.tasks.test);
  const one = (units: readonly { key: string }[]): number | undefined => (units.length === 1 ? tests[units[0]!.key] : undefined);
  const pt = new Map<string, number | undefined>();
  const ist = new Map<number, [string, number | undefined][]>();
  const random = new Map<number, [string, number | undefined][]>();
  for (const b of plan.batches) {
    for (const item of b.items) {
      if (!item.task || !test.has(item.task)) continue;
      const pair = `${item.task}/r${item.seed}`;
      if (item.kind === 'pt') pt.set(pair, one(item.units));
      else if (item.kind === 'ist' && item.setting === 'test' && item.dI !== undefined) push(ist, item.dI, [pair, one(item.units)]);
      else if (item.kind === 'random' && item.dI !== undefined) push(random, item.dI, [pair, one(item.units)]);
    }
  }
  const points = (byDim: Map<number, [string, number | undefined][]>): LivePoint[] => [...byDim.keys()].sort((a, b) => a - b).map((dI) => {
    const ratios = byDim.get(dI)!.flatMap(([pair, score]) => {
      const base = pt.get(pair);
      return score !== undefined && base !== undefined && base > 0 ? [score / base] : [];
    });
    return { dI, erel: ratios.length ? ratios.reduce((a, b) => a + b, 0) / ratios.length : null, n: ratios.length, of: byDim.get(dI)!.length };
  });
  return { subspace: points(ist), random: points(random), ptDone: [...pt.values()].filter((v) => v !== undefined).length, ptOf: pt.size };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
