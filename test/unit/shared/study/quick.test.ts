import { describe, expect, it } from 'vitest';
import { planStudy } from '../../../../src/shared/study/plan';
import { builtinSide, embeddedProjectorSpec, ptTableSpec, QUICK_SPLITS, quickStudySpec, quickTasks } from '../../../../src/shared/study/quick';
import { builtinTasks } from '../../../../src/shared/tasks/world/index';
import { builtinSplits, TASK_FAMILIES } from '../../../../src/shared/tasks/world/index';

const familyOf = (t: string) => TASK_FAMILIES.find((f) => f.tasks.includes(t))!;

describe('quick studies', () => {
  it.each(QUICK_SPLITS)('%s: about 20 tasks, each in its role of the built-in split', (split) => {
    const s = builtinSplits()[split];
    const q = quickTasks(split);
    expect(q.train.length + q.test.length).toBeGreaterThanOrEqual(18);
    expect(q.train.length + q.test.length).toBeLessThanOrEqual(22);
    for (const t of q.train) expect(s.train, t).toContain(t);
    for (const t of q.test) expect([...s.test, ...(s.testOutOfDomain ?? [])], t).toContain(t);
    for (const t of q.outOfDomain) expect(s.testOutOfDomain ?? [], t).toContain(t);
    expect(new Set([...q.train, ...q.test]).size).toBe(q.train.length + q.test.length);
  });

  it('random: every test task has a relative (same family) among the training tasks, and both sides are tested', () => {
    const q = quickTasks('random');
    for (const t of q.test) expect(q.train.some((x) => familyOf(x).family === familyOf(t).family), t).toBe(true);
    expect(new Set(q.test.map(builtinSide))).toEqual(new Set(['cls', 'non-cls']));
  });

  it('one-sided splits train on one side and test the other side as out-of-domain', () => {
    for (const [split, side] of [['cls', 'cls'], ['non-cls', 'non-cls']] as const) {
      const q = quickTasks(split);
      expect(q.train.every((t) => builtinSide(t) === side), split).toBe(true);
      expect(q.outOfDomain.length).toBeGreaterThan(0);
      expect(q.outOfDomain.every((t) => builtinSide(t) !== side && q.test.includes(t)), split).toBe(true);
      // The spec says so, for results.json's test_in_ist / test_out_ist.
      expect(quickStudySpec(split).tasks.testOutOfDomain).toEqual(q.outOfDomain);
    }
    expect(quickStudySpec('random').tasks).not.toHaveProperty('testOutOfDomain');
  });

  it('runs without the task-name prefix, so the prompt carries the task', () => {
    expect(quickStudySpec('random').taskPrefix).toBe(false);
    expect(() => builtinSide('no-such-task')).toThrow(/no task "no-such-task"/);
  });

  it('the PT table prompt-tunes every built-in task once, with the quick settings', () => {
    const t = ptTableSpec();
    expect([...t.tasks.test].sort()).toEqual(builtinTasks().map((x) => x.name).sort());
    expect(t.tasks.train).toEqual([]);
    expect(t.intrinsicDims).toEqual([]);
    expect(t.preset).toBe(quickStudySpec('random').preset);
  });

  it('the embedded projector\'s study: every random-split training task, IST on the held-out ones, reusing the PT table\'s PT units', () => {
    const spec = { ...embeddedProjectorSpec(10, 1, 2000, 64), model: 'm' };
    const split = builtinSplits().random;
    expect(spec.tasks).toEqual({ train: split.train, test: split.test });
    expect(spec.tasks.train).toHaveLength(118);
    const plan = planStudy(spec, true);
    expect(plan.phases.msf.totalSteps).toBe(2000);
    expect(plan.batches.map((b) => b.kind)).toEqual(['pt', 'msf', 'ist', 'random']);
    expect(plan.batches.find((b) => b.kind === 'ist')!.items.every((it) => it.setting === 'test')).toBe(true);
    const ptKeys = (p: typeof plan) => p.batches.filter((b) => b.kind === 'pt').flatMap((b) => b.items.flatMap((it) => it.units.map((u) => u.key))).sort();
    expect(ptKeys(plan)).toEqual(ptKeys(planStudy({ ...ptTableSpec(), model: 'm' }, true)));
  });
});
