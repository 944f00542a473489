// The live curve of a running study (src/shared/study/live.ts), from unit test scores.
import { describe, expect, it } from 'vitest';
import { pca } from '../../../../src/shared/analysis/pca';
import { liveCurve, liveMap } from '../../../../src/shared/study/live';
import { planStudy } from '../../../../src/shared/study/plan';
import type { StudySpec } from '../../../../src/shared/study/spec';

const spec: StudySpec = {
  name: 'live', model: 'm', tasks: { train: ['a', 'b'], test: ['x', 'y'] }, dataSeed: 100, diffSeed: 13,
  intrinsicDims: [2, 5], seeds: [1, 2], preset: 'smoke', istSettings: ['test'],
};
const plan = planStudy(spec);
/** The key of the one unit of the item `kind/r<seed>/d<dI>/<setting>/<task>`. */
const key = (kind: string, seed: number, task: string, dI?: number) => {
  const item = plan.batches.flatMap((b) => b.items).find((i) => i.kind === kind && i.seed === seed && i.task === task && i.dI === dI && (kind !== 'ist' || i.setting === 'test'));
  return item!.units[0]!.key;
};

describe('liveCurve', () => {
  it('has every d_I with nothing counted before any unit finishes', () => {
    const c = liveCurve(plan, {});
    expect(c.subspace.map((p) => [p.dI, p.erel, p.n, p.of])).toEqual([[2, null, 0, 4], [5, null, 0, 4]]);
    expect(c.random.map((p) => p.of)).toEqual([4, 4]);
    expect([c.ptDone, c.ptOf]).toEqual([0, 4]);
  });

  it('counts a pair once both its PT and its IST score are in, and leaves out a PT score of 0', () => {
    const tests: Record<string, number> = {
      [key('pt', 1, 'x')]: 0.8, [key('pt', 1, 'y')]: 0.5, [key('pt', 2, 'x')]: 0,
      // Training tasks' PT does not count: E_rel here is about unseen tasks.
      [key('pt', 1, 'a')]: 1,
      [key('ist', 1, 'x', 2)]: 0.4, [key('ist', 1, 'y', 2)]: 0.5, [key('ist', 2, 'x', 2)]: 0.3,
      // IST done, PT of its pair not yet: waits.
      [key('ist', 2, 'y', 5)]: 0.2,
      [key('random', 1, 'x', 5)]: 0.08,
    };
    const c = liveCurve(plan, tests);
    expect(c.subspace[0]).toEqual({ dI: 2, erel: (0.4 / 0.8 + 0.5 / 0.5) / 2, n: 2, of: 4 });
    expect(c.subspace[1]).toEqual({ dI: 5, erel: null, n: 0, of: 4 });
    expect(c.random[1]).toMatchObject({ dI: 5, n: 1, of: 4 });
    expect(c.random[1]!.erel).toBeCloseTo(0.1, 12);
    expect([c.ptDone, c.ptOf]).toEqual([3, 4]);
  });
});

describe('liveMap', () => {
  const mapSpec: StudySpec = { ...spec, istSettings: ['train_same', 'test'] };
  const mapPlan = planStudy(mapSpec);
  const istKey = (seed: number, task: string, dI: number, setting: string) =>
    mapPlan.batches.flatMap((b) => b.items).find((i) => i.kind === 'ist' && i.seed === seed && i.task === task && i.dI === dI && i.setting === setting)!.units[0]!.key;
  const randomKey = (task: string, dI: number) => mapPlan.batches.flatMap((b) => b.items).find((i) => i.kind === 'random' && i.seed === 1 && i.task === task && i.dI === dI)!.units[0]!.key;

  it('waits for two vectors, then maps the first seed’s finished IST vectors in the Results order', () => {
    const one = { [istKey(1, 'y', 2, 'test')]: [1, 0] };
    expect(liveMap(mapPlan, 2, one, {})).toEqual({ dI: 2, points: [], n: 1, of: 4, explained: [] });
    const vectors = {
      ...one,
      [istKey(1, 'b', 2, 'train_same')]: [0, 2],
      [istKey(1, 'a', 2, 'train_same')]: [3, 1],
      // Not on the map: another seed, another d_I, the random subspace.
      [istKey(2, 'x', 2, 'test')]: [9, 9], [istKey(1, 'x', 5, 'test')]: [1, 2, 3, 4, 5], [randomKey('x', 2)]: [7, 7],
    };
    const m = liveMap(mapPlan, 2, vectors, { [istKey(1, 'a', 2, 'train_same')]: 0.7 });
    // Training tasks first, in the spec's order, then the new tasks: a, b, y.
    expect(m.points.map((p) => [p.task, p.setting, p.score])).toEqual([['a', 'train_same', 0.7], ['b', 'train_same', null], ['y', 'test', null]]);
    expect([m.n, m.of]).toEqual([3, 4]);
    // The same projection PCA gives those three vectors.
    const fit = pca([[3, 1], [0, 2], [1, 0]], 2);
    m.points.forEach((p, i) => {
      expect(p.x).toBeCloseTo(fit.projected[i]![0]!, 12);
      expect(p.y).toBeCloseTo(fit.projected[i]![1]!, 12);
    });
    // A rotation of 2-D vectors: distances stay (a to b is |(3,1) - (0,2)| = sqrt(10)).
    expect(Math.hypot(m.points[0]!.x - m.points[1]!.x, m.points[0]!.y - m.points[1]!.y)).toBeCloseTo(Math.sqrt(10), 9);
    // The map's two directions hold all the variance of 2-D vectors.
    expect(m.explained.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
