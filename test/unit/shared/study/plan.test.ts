// The study plan: what runs, in which order, under which key, and how many units the runner,
// the Run screen and the progress bars count (they all read this one plan).
import { describe, expect, it } from 'vitest';
import { defaultGroupRows, itemId, packGroups, phaseConfig, planItems, planStudy, ptGrid, shardOwns, STUDY_PHASES } from '../../../../src/shared/study/plan';
import type { StudySpec } from '../../../../src/shared/study/spec';
import { resolvePhases } from '../../../../src/shared/tuning/config';

const spec: StudySpec = {
  name: 'plan', model: 'm', tasks: { train: ['a', 'b'], test: ['c'] },
  dataSeed: 100, diffSeed: 13, intrinsicDims: [2, 3], seeds: [1, 2],
};
const grid2 = { pt: { gridLr: [0.1, 0.01], gridBatchSize: [4] } };

describe('planStudy', () => {
  it('counts every unit of every phase, IPT-initialised PT once per grid cell', () => {
    const plan = planStudy({ ...spec, phases: grid2, fineTune: true, iptInitPt: true });
    // Per seed: PT 2 cells x (2 train x 2 data seeds + 1 test) = 10; FT 3; per d_I: MSF 1,
    // IST 2 + 2 + 1 = 5, random 1, IPT-init PT 1 test x 2 cells = 2.
    expect(plan.unitsByPhase).toEqual({ pt: 20, mt_pt: 0, ft: 6, mt_ft: 0, msf: 4, ist: 20, random: 4, random_all: 0, ipt_pt: 8 });
    expect(plan.unitsTotal).toBe(62);
    const listed = plan.batches.flatMap((b) => b.items.flatMap((it) => it.units));
    expect(listed).toHaveLength(plan.unitsTotal);
    expect(new Set(listed.map((u) => u.key)).size).toBe(plan.unitsTotal);
    expect(Object.keys(plan.unitsByPhase).sort()).toEqual([...STUDY_PHASES].sort());
  });

  it('walks a seed as PT, PT on the diff seed, FT, then MSF, IST, random, IPT-init PT, each over every d_I', () => {
    const plan = planStudy({ ...spec, seeds: [7], fineTune: true, iptInitPt: true });
    const shape = (b: (typeof plan.batches)[number]) => `${b.kind}${[...new Set(b.items.map((it) => it.dI ?? ''))].join('+')}`;
    expect(plan.batches.map(shape)).toEqual(['pt', 'pt_diff', 'ft', 'msf2+3', 'ist2+3', 'random2+3', 'ipt_pt2+3']);
    const ist = plan.batches.find((b) => b.kind === 'ist')!;
    const perDim = ['train_same:a', 'train_same:b', 'train_diff:a', 'train_diff:b', 'test:c'];
    expect(ist.items.map((it) => `${it.dI}/${it.setting}:${it.task}`)).toEqual([...perDim.map((x) => `2/${x}`), ...perDim.map((x) => `3/${x}`)]);
    expect(ist.items.map((it) => it.units[0]!.dataSeed)).toEqual([100, 100, 13, 13, 100, 100, 100, 13, 13, 100]);
  });

  it('a PT-only study (no d_I) plans PT on the data seed alone', () => {
    const plan = planStudy({ ...spec, intrinsicDims: [] });
    expect(plan.batches.map((b) => b.kind)).toEqual(['pt', 'pt']);
    expect(plan.unitsTotal).toBe(6);
  });

  it('leaves out the random baseline without test tasks or when switched off', () => {
    expect(planStudy({ ...spec, tasks: { train: ['a'], test: [] } }).unitsByPhase.random).toBe(0);
    expect(planStudy({ ...spec, randomSubspace: false }).unitsByPhase.random).toBe(0);
  });

  it('keys hold what determines a result: the study name does not, a PT setting changes everything after it', () => {
    const keys = (s: StudySpec) => planStudy(s).batches.flatMap((b) => b.items.flatMap((it) => it.units.map((u) => u.key)));
    expect(keys({ ...spec, name: 'other' })).toEqual(keys(spec));
    const changed = keys({ ...spec, phases: { pt: { lr: 0.5 } } });
    const same = keys(spec).filter((k) => changed.includes(k));
    expect(same).toEqual([]);
    // An IST setting leaves PT and MSF alone.
    const istChanged = keys({ ...spec, phases: { ist: { lr: 0.5 } } });
    const kept = keys(spec).filter((k) => istChanged.includes(k));
    expect(kept.every((k) => k.startsWith('pt/') || k.startsWith('msf/'))).toBe(true);
    expect(kept).toHaveLength(planStudy(spec).unitsByPhase.pt + planStudy(spec).unitsByPhase.msf);
  });

  it('the task prefix is the spec\'s choice, else the default, and part of every key', () => {
    expect(planStudy(spec).taskPrefix).toBe(true);
    expect(planStudy(spec, false).taskPrefix).toBe(false);
    expect(planStudy({ ...spec, taskPrefix: true }, false).taskPrefix).toBe(true);
    const first = (s: StudySpec, d?: boolean) => planStudy(s, d).batches[0]!.items[0]!.units[0]!.key;
    expect(first(spec, false)).not.toBe(first(spec, true));
  });

  it('runs only the IST challenges asked for, no PT on the diff seed without train_diff, and keeps every key', () => {
    const full = planStudy({ ...spec, seeds: [7] });
    const plan = planStudy({ ...spec, seeds: [7], istSettings: ['test'] });
    expect(plan.batches.map((b) => b.kind)).toEqual(['pt', 'msf', 'ist', 'random']);
    expect(plan.batches.find((b) => b.kind === 'ist')!.items.map((it) => `${it.dI}/${it.setting}:${it.task}`)).toEqual(['2/test:c', '3/test:c']);
    const keys = (p: typeof plan) => new Set(p.batches.flatMap((b) => b.items.flatMap((it) => it.units.map((u) => u.key))));
    const fullKeys = keys(full);
    expect([...keys(plan)].every((k) => fullKeys.has(k))).toBe(true);
    expect(planStudy({ ...spec, istSettings: ['train_diff', 'test'] }).batches.map((b) => b.kind)).toContain('pt_diff');
    for (const bad of [[], ['test', 'test'], ['unseen']]) {
      expect(() => planStudy({ ...spec, istSettings: bad as never })).toThrow(/istSettings must list some of train_same, train_diff, test, each once/);
    }
  });

  it('an IST grid makes each IST item one unit per cell; without one the IST keys are as before', () => {
    const plain = planStudy({ ...spec, seeds: [7] });
    const grid = planStudy({ ...spec, seeds: [7], phases: { ist: { gridLr: [0.1, 0.01], gridBatchSize: [2, 4] } } });
    const ist = (p: typeof plain) => p.batches.find((b) => b.kind === 'ist')!.items;
    expect(ist(plain).every((it) => it.units.length === 1 && !/\/lr/.test(it.units[0]!.key))).toBe(true);
    expect(ist(grid).every((it) => it.units.length === 4)).toBe(true);
    expect(ist(grid)[0]!.units.map((u) => u.key.split('/').at(-1))).toEqual(['lr0.1-b2', 'lr0.1-b4', 'lr0.01-b2', 'lr0.01-b4']);
    expect(ist(grid)[0]!.units.map((u) => u.cell)).toEqual([{ lr: 0.1, batchSize: 2 }, { lr: 0.1, batchSize: 4 }, { lr: 0.01, batchSize: 2 }, { lr: 0.01, batchSize: 4 }]);
    // PT and MSF do not depend on IST's settings.
    const keysOf = (p: typeof plain, kind: string) => p.batches.filter((b) => b.kind === kind).flatMap((b) => b.items.flatMap((it) => it.units.map((u) => u.key)));
    for (const k of ['pt', 'pt_diff', 'msf']) expect(keysOf(grid, k)).toEqual(keysOf(plain, k));
    expect(grid.unitsByPhase.ist).toBe(4 * plain.unitsByPhase.ist);
    expect(() => planStudy({ ...spec, phases: { ist: { gridLr: [0.1], gridBatchSize: [] } } })).toThrow(/ist: gridLr and gridBatchSize go together/);
  });

  it('finds items by id, and refuses a spec that breaks the rules', () => {
    const items = planItems(planStudy(spec));
    expect(items.get(itemId('ist', 2, { dI: 3, setting: 'test', task: 'c' }))?.units[0]?.key).toMatch(/^ist\/[0-9a-f]{16}\/test\/c\/d100\/r2$/);
    expect(items.get(itemId('msf', 1, { dI: 2 }))?.units[0]?.key).toMatch(/^msf\/[0-9a-f]{16}\/r1$/);
    expect(() => planStudy({ ...spec, tasks: { train: ['a'], test: ['a'] } })).toThrow(/tasks in both train and test: a/);
  });
});

describe('ptGrid', () => {
  it('is the lr x batch grid, or the single setting without one', () => {
    expect(ptGrid(resolvePhases(grid2).pt)).toEqual([{ lr: 0.1, batchSize: 4 }, { lr: 0.01, batchSize: 4 }]);
    const pt = resolvePhases().pt;
    expect(ptGrid(pt)).toEqual([{ lr: pt.lr, batchSize: pt.batchSize }]);
  });

  it('packs consecutive units into groups that share steps, and sizes groups by model width', () => {
    const rows = (x: number) => x;
    expect(packGroups([8, 8, 8, 8, 8], rows, 24)).toEqual([[8, 8, 8], [8, 8]]);
    // A unit larger than a group goes alone; order is kept.
    expect(packGroups([8, 40, 8], rows, 24)).toEqual([[8], [40], [8]]);
    expect(packGroups([], rows, 24)).toEqual([]);
    expect(defaultGroupRows(128)).toBe(256);
    expect(defaultGroupRows(768)).toBe(7);
    expect([0, 1, 2, 3].filter((n) => shardOwns(n, { index: 1, count: 2 }))).toEqual([1, 3]);
    expect(shardOwns(5)).toBe(true);
  });
});

describe('planStudy: the FT grid', () => {
  it('an FT item holds a unit per lr x batch cell; without a grid its one key is unchanged', () => {
    const base = { ...spec, fineTune: true, seeds: [1] };
    const one = planStudy(base).batches.find((b) => b.kind === 'ft')!;
    expect(one.items[0]!.units.map((u) => u.key)).toEqual([expect.stringMatching(/^ft\/[0-9a-f]{16}\/a\/d100\/r1$/)]);
    const grid = planStudy({ ...base, phases: { ft: { gridLr: [1e-4, 1e-5], gridBatchSize: [2, 4] } } }).batches.find((b) => b.kind === 'ft')!;
    expect(grid.items[0]!.units.map((u) => u.key.split('/r1/')[1])).toEqual(['lr0.0001-b2', 'lr0.0001-b4', 'lr0.00001-b2', 'lr0.00001-b4']);
    expect(grid.items[0]!.units.map((u) => u.cell)).toEqual([{ lr: 1e-4, batchSize: 2 }, { lr: 1e-4, batchSize: 4 }, { lr: 1e-5, batchSize: 2 }, { lr: 1e-5, batchSize: 4 }]);
  });
});

describe('planStudy: multi-task PT', () => {
  it('one item per run seed after PT, keyed by the training tasks and their data', () => {
    const base = { ...spec, multiTaskPt: true };
    const p = planStudy(base);
    const mt = p.batches.filter((b) => b.kind === 'mt_pt');
    expect(mt.map((b) => [b.seed, b.items.length, b.items[0]!.units.length])).toEqual([[1, 1, 1], [2, 1, 1]]);
    expect(p.unitsByPhase.mt_pt).toBe(2);
    const kinds = p.batches.filter((b) => b.seed === 1).map((b) => b.kind);
    expect(kinds.slice(0, 3)).toEqual(['pt', 'pt_diff', 'mt_pt']);
    const key = (s: StudySpec) => planStudy(s).batches.find((b) => b.kind === 'mt_pt')!.items[0]!.units[0]!.key;
    expect(key({ ...base, tasks: { ...base.tasks, train: ['a'] } })).not.toBe(key(base));
    expect(key({ ...base, taskDigests: { 'a@100': '0123456789abcdef' } })).not.toBe(key(base));
    expect(key({ ...base, tasks: { ...base.tasks, test: [] } })).toBe(key(base));
  });
});

describe('planStudy: multi-task FT', () => {
  it('one item per run seed after per-task FT, keyed by FT\'s settings and the training tasks and their data', () => {
    const base = { ...spec, multiTaskFt: true };
    const p = planStudy(base);
    const mt = p.batches.filter((b) => b.kind === 'mt_ft');
    expect(mt.map((b) => [b.seed, b.items.length, b.items[0]!.units.length])).toEqual([[1, 1, 1], [2, 1, 1]]);
    expect(p.unitsByPhase.mt_ft).toBe(2);
    expect(p.unitsByPhase.ft).toBe(0);
    const key = (s: StudySpec) => planStudy(s).batches.find((b) => b.kind === 'mt_ft')!.items[0]!.units[0]!.key;
    expect(key(base)).toMatch(/^mt_ft\/[0-9a-f]{16}\/r1$/);
    expect(key({ ...base, tasks: { ...base.tasks, train: ['a'] } })).not.toBe(key(base));
    expect(key({ ...base, taskDigests: { 'a@100': '0123456789abcdef' } })).not.toBe(key(base));
    expect(key({ ...base, phases: { ...base.phases, ft: { lr: 3e-4 } } })).not.toBe(key(base));
    // PT's settings do not touch it; the unseen tasks only change what it is scored on.
    expect(key({ ...base, phases: { ...base.phases, pt: { lr: 3e-4 } } })).toBe(key(base));
    expect(key({ ...base, tasks: { ...base.tasks, test: [] } })).toBe(key(base));
    const withFt = planStudy({ ...base, fineTune: true }).batches.filter((b) => b.seed === 1).map((b) => b.kind);
    expect(withFt.indexOf('mt_ft')).toBe(withFt.indexOf('ft') + 1);
  });
});

describe('planStudy: Random_all', () => {
  it('one unit per unseen task and run seed, keyed by the model, its own settings and the task\'s data, not by the subspace', () => {
    const base = { ...spec, randomAll: true };
    const p = planStudy(base);
    const ra = p.batches.filter((b) => b.kind === 'random_all');
    expect(ra.map((b) => [b.seed, b.items.map((it) => it.task)])).toEqual([[1, [...spec.tasks.test]], [2, [...spec.tasks.test]]]);
    expect(p.unitsByPhase.random_all).toBe(2 * spec.tasks.test.length);
    const key = (s: StudySpec) => planStudy(s).batches.find((b) => b.kind === 'random_all')!.items[0]!.units[0]!.key;
    expect(key(base)).toMatch(new RegExp(`^random_all/[0-9a-f]{16}/${spec.tasks.test[0]}/d100/r1$`));
    expect(key({ ...base, phases: { ...base.phases, randomAll: { dim: 50 } } })).not.toBe(key(base));
    expect(key({ ...base, model: 'other' })).not.toBe(key(base));
    expect(key({ ...base, taskDigests: { [`${spec.tasks.test[0]}@100`]: '0123456789abcdef' } })).toContain('d100~0123456789abcdef');
    // MSF's and IST's settings, and the training tasks, do not touch it.
    expect(key({ ...base, intrinsicDims: [3], phases: { ...base.phases, msf: { lr: 1 } }, tasks: { ...base.tasks, train: ['a'] } })).toBe(key(base));
    expect(planStudy({ ...base, tasks: { ...base.tasks, test: [] } }).unitsByPhase.random_all).toBe(0);
    expect(phaseConfig(p.phases, 'random_all')).toBe(p.phases.randomAll);
  });
});
