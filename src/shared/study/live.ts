// The curve of a running study, from the units finished so far: E_rel on the unseen tasks against
// d_I, in the trained subspace and in the random one, so a class watches points appear as IST
// units end. A live view, not the result: it pools every (task, seed) pair that has both its PT and
// its IST score, and waits for grids (with several cells, which cell wins is the dev score's call,
// made by the final tables).
import { vectorMap } from '../analysis/pca';
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

export interface LiveMapPoint {
  readonly task: string;
  /** train_same (a training task's IST on its own data) or test (a new task). */
  readonly setting: 'train_same' | 'test';
  readonly x: number;
  readonly y: number;
  /** The IST unit's test score, when reported. */
  readonly score: number | null;
}

export interface LiveMap {
  readonly dI: number;
  /** Finished vectors in the first two principal directions (none until two are in). */
  readonly points: readonly LiveMapPoint[];
  /** Vectors finished, of all the map will hold. */
  readonly n: number;
  readonly of: number;
  /** Share of the variance along each direction. */
  readonly explained: readonly number[];
}

/**
 * The PCA map of a running study at one d_I, from the IST vectors finished so far: the Results
 * map's vectors (the first run seed; train_same, then test, in the spec's task order), so that when
 * the study ends it is the Results map. Grids wait for the final tables, as in liveCurve.
 */
export function liveMap(plan: StudyPlan, dI: number, vectors: Readonly<Record<string, readonly number[]>>, tests: Readonly<Record<string, number>>): LiveMap {
  const seed = plan.spec.seeds[0];
  const items = plan.batches.flatMap((b) => b.items).filter((it) => it.kind === 'ist' && it.seed === seed && it.dI === dI && it.units.length === 1);
  const ordered: { task: string; setting: 'train_same' | 'test'; key: string }[] = [];
  for (const [setting, names] of [['train_same', plan.spec.tasks.train], ['test', plan.spec.tasks.test]] as const) {
    for (const task of names) {
      const item = items.find((it) => it.setting === setting && it.task === task);
      if (item) ordered.push({ task, setting, key: item.units[0]!.key });
    }
  }
  const done = ordered.filter((o) => vectors[o.key] !== undefined);
  if (done.length < 2) return { dI, points: [], n: done.length, of: ordered.length, explained: [] };
  const { pca2, explained } = vectorMap(done.map((o) => vectors[o.key]!), dI);
  return {
    dI, n: done.length, of: ordered.length, explained,
    points: done.map((o, i) => ({ task: o.task, setting: o.setting, x: pca2[i]?.[0] ?? 0, y: pca2[i]?.[1] ?? 0, score: tests[o.key] ?? null })),
  };
}
