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
