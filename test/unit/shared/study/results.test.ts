import { describe, expect, it } from 'vitest';
import { planStudy, type StudyPlan } from '../../../../src/shared/study/plan';
import { tabulate, type UnitOutcome } from '../../../../src/shared/study/results';
import type { StudySpec } from '../../../../src/shared/study/spec';
import type { TaskData } from '../../../../src/shared/tasks/types';

// A two-seed-free study with fixed scores: PT 0.5 on every task at data seed 100, 0.25 at diff seed 13;
// IST scores per task below; `zero` has PT 0 (left out of E_rel).
const IST: Record<string, number> = { a: 0.25, b: 0.5, inA: 0.5, inB: 0.25, outA: 0.1, zero: 0.3 };
const PT: Record<string, number> = { a: 0.5, b: 0.5, inA: 0.5, inB: 0.5, outA: 0.5, zero: 0 };

function study(extra: Partial<StudySpec> = {}): StudySpec {
  return {
    name: 's', model: 'm', tasks: { train: ['a', 'b'], test: ['inA', 'inB', 'outA', 'zero'], testOutOfDomain: ['outA', 'zero'] },
    dataSeed: 100, diffSeed: 13, intrinsicDims: [4], seeds: [1], preset: 'smoke', ...extra,
  };
}

function outcomes(plan: StudyPlan): (key: string) => UnitOutcome {
  const byKey = new Map<string, UnitOutcome>();
  const vec = { shape: [4], data: new Float32Array([1, 2, 3, 4]) };
  for (const batch of plan.batches) {
    for (const item of batch.items) {
      for (const u of item.units) {
        const task = u.task ?? '';
        const test = u.phase === 'pt' ? (u.dataSeed === 13 ? 0.25 : PT[task]!) : u.phase === 'msf' ? 0 : IST[task]!;
        const meta: UnitOutcome['meta'] = u.phase === 'msf'
          ? { train_msf: { a: 0.5, b: 0.5 }, test_msf: { inA: 0.5, inB: 0.5, outA: 0.5, zero: 0.5 } }
          : { test, bestDev: 0 };
        byKey.set(u.key, { meta, tensors: { prompt: vec, z: vec } });
      }
    }
  }
  return (key) => byKey.get(key)!;
}

const taskAt = (name: string): TaskData => ({ name, metric: 'ACC', train: [{ input: 'x', outputs: ['y'] }], dev: [], test: [{ input: 'x', outputs: ['y'] }] });

describe('tabulate', () => {
  it('reports T_test^in and T_test^out apart, with n, the task lists and the excluded task', () => {
    const plan = planStudy(study());
    const r = tabulate(plan, outcomes(plan), taskAt);
    const row = r.e_rel_pt['4']!;
    // in: (0.5/0.5 + 0.25/0.5) / 2; out: outA 0.1/0.5 (zero left out); all: the three that count.
    expect(row.test_in_ist).toBeCloseTo(0.75);
    expect(row.test_out_ist).toBeCloseTo(0.2);
    expect(row.test_ist).toBeCloseTo((1 + 0.5 + 0.2) / 3);
    expect(r.e_rel_n['4']).toMatchObject({ test_ist: 3, test_in_ist: 2, test_out_ist: 1, train_same_ist: 2 });
    expect(r.test_split).toEqual({ in: ['inA', 'inB'], out: ['outA', 'zero'] });
    expect(r.excluded['4/test_out_ist/r1']!.map((x) => x.task)).toEqual(['zero']);
    expect(r.excluded['4/test_in_ist/r1']).toBeUndefined();
    // Views of test_ist, not settings: no rows or score tables of their own.
    expect(r.rows.filter((x) => x.setting.startsWith('test_in') || x.setting.startsWith('test_out'))).toEqual([]);
    expect(Object.keys(r.scores['4']!)).not.toContain('test_in_ist');
  });

  it('without out-of-domain tasks, T_test^in is the whole test set and T_test^out is empty (NaN)', () => {
    const spec = study({ tasks: { train: ['a', 'b'], test: ['inA', 'inB'] } });
    const plan = planStudy(spec);
    const r = tabulate(plan, outcomes(plan), taskAt);
    expect(r.e_rel_pt['4']!.test_in_ist).toBe(r.e_rel_pt['4']!.test_ist);
    expect(r.e_rel_pt['4']!.test_out_ist).toBeNaN();
    expect(r.e_rel_n['4']!.test_out_ist).toBe(0);
    expect(r.test_split).toEqual({ in: ['inA', 'inB'], out: [] });
  });

  it('divides unseen-data IST by PT on the data seed MSF used (the reference), or on the diff seed when asked', () => {
    const byDefault = planStudy(study());
    const r = tabulate(byDefault, outcomes(byDefault), taskAt);
    // IST a 0.25, b 0.5 against PT 0.5 at seed 100: 0.75; against PT 0.25 at seed 13: 1.5.
    expect(r.unseen_data_denominator).toBe('data-seed');
    expect(r.e_rel_pt['4']!.train_diff_ist).toBeCloseTo(0.75);
    expect(r.rows.filter((x) => x.setting === 'train_diff_ist').map((x) => x.pt)).toEqual([0.5, 0.5]);
    const diff = planStudy(study({ unseenDataDenominator: 'diff-seed' }));
    const d = tabulate(diff, outcomes(diff), taskAt);
    expect(d.unseen_data_denominator).toBe('diff-seed');
    expect(d.e_rel_pt['4']!.train_diff_ist).toBeCloseTo(1.5);
    // The option and the out-of-domain list change reporting only: the same units under the same keys.
    const keys = (p: StudyPlan) => p.batches.flatMap((b) => b.items.flatMap((i) => i.units.map((u) => u.key)));
    expect(keys(diff)).toEqual(keys(byDefault));
    expect(keys(planStudy(study({ tasks: { train: ['a', 'b'], test: ['inA', 'inB', 'outA', 'zero'] } })))).toEqual(keys(byDefault));
  });
});

describe('tabulate: the paper-table columns (Fig. 3(b), Tables III and V-VIII)', () => {
  // Two run seeds; every score is set by hand per seed so each table below is worked out in the comments.
  // Test tasks u, v; training task a. PT: u 0.4 / 0.6, v 0.5 / 0.5; a 0.8 / 0.8. FT: u 0.8 / 0.8, v 1.0 / 0.6; a 0.8 / 0.8.
  // IST (test): u 0.2 / 0.4, v 0.5 / 0.3. IPT-initialised PT: u 0.4 / 0.6, v 0.6 / 0.4. Random subspace 0.1 everywhere.
  const by: Record<string, Record<string, [number, number]>> = {
    pt: { a: [0.8, 0.8], u: [0.4, 0.6], v: [0.5, 0.5] },
    ft: { a: [0.8, 0.8], u: [0.8, 0.8], v: [1.0, 0.6] },
    ist: { a: [0.4, 0.4], u: [0.2, 0.4], v: [0.5, 0.3] },
    ipt_pt: { u: [0.4, 0.6], v: [0.6, 0.4] },
  };
  const spec = study({ tasks: { train: ['a'], test: ['u', 'v'] }, seeds: [1, 2], fineTune: true, iptInitPt: true, istSettings: ['train_same', 'test'] });
  const plan = planStudy(spec);
  const byKey = new Map<string, UnitOutcome>();
  const vec = { shape: [4], data: new Float32Array([1, 2, 3, 4]) };
  for (const b of plan.batches) for (const item of b.items) for (const u of item.units) {
    const i = u.seed - 1;
    const test = u.phase === 'random' ? 0.1 : u.phase === 'msf' ? 0 : by[u.phase]![u.task!]![i]!;
    const meta: UnitOutcome['meta'] = u.phase === 'msf' ? { train_msf: { a: 0.4 }, test_msf: { u: 0.2, v: 0.25 } } : { test, bestDev: 0 };
    byKey.set(u.key, { meta, tensors: { prompt: vec, z: vec } });
  }
  const r = tabulate(plan, (k) => byKey.get(k)!, taskAt);

  it('E_rel^FT divides each challenge by fine-tuning, per seed, then averages', () => {
    // seed 1: (0.2/0.8 + 0.5/1.0) / 2 = 0.375; seed 2: (0.4/0.8 + 0.3/0.6) / 2 = 0.5; mean 0.4375.
    expect(r.e_rel_ft!['4']!.test_ist).toBeCloseTo(0.4375);
    expect(r.e_rel_ft!['4']!.train_same_ist).toBeCloseTo(0.5);
    // PT over FT on the test tasks: seed 1 (0.5 + 0.5) / 2, seed 2 (0.75 + 0.8333) / 2.
    expect(r.pt_over_ft!.test).toBeCloseTo((0.5 + (0.75 + 0.5 / 0.6) / 2) / 2);
    expect(r.pt_over_ft!.train).toBeCloseTo(1);
    // E_rel^PT is untouched: seed 1 (0.5 + 1) / 2, seed 2 (0.6667 + 0.6) / 2.
    expect(r.e_rel_pt['4']!.test_ist).toBeCloseTo((0.75 + (0.4 / 0.6 + 0.6) / 2) / 2);
  });

  it('E_abs is the mean absolute score over a challenge\'s tasks, seed means first', () => {
    // test_ist: u 0.3, v 0.4 -> 0.35. PT test: u 0.5, v 0.5; FT test: u 0.8, v 0.8.
    expect(r.e_abs.ipt['4']!.test_ist).toBeCloseTo(0.35);
    expect(r.e_abs.ipt['4']!.test_in_ist).toBeCloseTo(0.35);
    expect(r.e_abs.ipt['4']!.random_subspace_ist).toBeCloseTo(0.1);
    expect(r.e_abs.ipt['4']!.train_same_ist).toBeCloseTo(0.4);
    expect(r.e_abs.pt).toEqual({ train: expect.closeTo(0.8), test: expect.closeTo(0.5) });
    expect(r.e_abs.ft).toEqual({ train: expect.closeTo(0.8), test: expect.closeTo(0.8) });
  });

  it('Table III: the per-task std over seeds, averaged over the unseen tasks, and IPT-initialised PT\'s E_rel', () => {
    const s = Math.SQRT2 * 0.1; // the sample std of two values 0.2 apart
    expect(r.stability.seeds).toBe(2);
    expect(r.stability.pt).toBeCloseTo(s / 2); // u spreads 0.2, v not at all
    expect(r.stability.ft).toBeCloseTo(Math.SQRT2 * 0.2 / 2); // u none, v 0.4 apart
    expect(r.stability.ipt['4']).toBeCloseTo(s); // both 0.2 apart
    const ipt = r.stability.ipt_init_pt!['4']!;
    expect(ipt.std).toBeCloseTo(s);
    // seed 1: (0.4/0.4 + 0.6/0.5) / 2 = 1.1; seed 2: (1 + 0.8) / 2 = 0.9.
    expect(ipt.e_rel).toBeCloseTo(1);
    expect(ipt.e_rel_std).toBeCloseTo(s);
  });

  it('without fine-tuning there is no E_rel^FT, and one seed has no spread', () => {
    const one = planStudy(study({ seeds: [1] }));
    const o = tabulate(one, outcomes(one), taskAt);
    expect(o.e_rel_ft).toBeUndefined();
    expect(o.e_abs.ft).toBeUndefined();
    expect(o.stability).toMatchObject({ seeds: 1, pt: 0, ipt: { 4: 0 } });
  });
});
