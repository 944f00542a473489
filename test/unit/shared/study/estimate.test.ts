// The Start page's estimate: the plan's steps and evaluations times a measured step and evaluation.
import { describe, expect, it } from 'vitest';
import { aboutMinutes, DEFAULT_SET_SIZE, estimateSeconds, studyWork, workExamples } from '../../../../src/shared/study/estimate';
import { planStudy } from '../../../../src/shared/study/plan';
import { lessonSpec } from '../../../../src/shared/study/quick';

describe('study estimate', () => {
  it('sums each unit’s steps and evaluations from its phase settings', () => {
    // 2 train + 1 test tasks, one d_I, IST on the test task only, the random baseline on it too.
    const plan = planStudy({
      name: 'e', model: 'm', tasks: { train: ['a', 'b'], test: ['c'] }, dataSeed: 100, diffSeed: 13, intrinsicDims: [4], seeds: [1],
      istSettings: ['test'], phases: { pt: { totalSteps: 10, evalEvery: 5 }, msf: { totalSteps: 20, evalEvery: 10 }, ist: { totalSteps: 6, evalEvery: 4 } },
    });
    // PT: 3 units x 10 steps, 2 dev evals + 1 test each; MSF: 20 steps, 2 evals x 2 training tasks + 3 test scores;
    // IST and random: 6 steps each, ceil(6 / 4) = 2 dev evals + 1 test.
    const w = studyWork(plan);
    expect({ steps: w.steps, evals: w.evals }).toEqual({ steps: 30 + 20 + 6 + 6, evals: 9 + 7 + 3 + 3 });
    // One unit at a time, one run: every unit is its own pass of its own batch size (PT and IST 8, MSF 32 by default).
    expect(w.batches.map((b) => b.runs[0]!.passes.map((p) => `${p.steps}x${p.rows}`))).toEqual([['10x8', '10x8', '10x8'], ['20x32'], ['6x8'], ['6x8']]);
    // Which sets are scored: a and b, 2 dev evaluations in PT and 2 in MSF, a test score in each;
    // c: 2 dev in PT, IST and random each, a test score in each and in MSF.
    const scored = w.batches.flatMap((b) => b.runs.map((r) => r.scored));
    expect(scored).toEqual([{ a: { dev: 2, test: 1 }, b: { dev: 2, test: 1 }, c: { dev: 2, test: 1 } }, { a: { dev: 2, test: 1 }, b: { dev: 2, test: 1 }, c: { dev: 0, test: 1 } }, { c: { dev: 2, test: 1 } }, { c: { dev: 2, test: 1 } }]);
    // With one timed point a step costs in proportion to its rows: 50 ms per 8 rows, so MSF's 200 ms.
    // Evaluations cost their examples: a and b have 10 dev and 20 test examples, c 30 and 100.
    const examples = { a: { dev: 10, test: 20 }, b: { dev: 10, test: 20 }, c: { dev: 30, test: 100 } };
    const n = 2 * (4 * 10 + 2 * 20) + 6 * 30 + 4 * 100;
    expect(workExamples(w, { examples })).toBe(n);
    expect(estimateSeconds(w, { stepMs: 50, rows: 8, evalMsPerExample: 2, examples })).toBeCloseTo((42 * 50 + 20 * 200) / 1000 + n * 0.002);
    // A task the timing did not size counts DEFAULT_SET_SIZE examples in each set.
    expect(workExamples(w, { examples: { a: examples.a, b: examples.b } })).toBe(2 * (4 * 10 + 2 * 20) + (6 + 4) * DEFAULT_SET_SIZE);
  });

  it('models shared steps and shared studies as the runner walks them', () => {
    const plan = planStudy({
      name: 'e', model: 'm', tasks: { train: ['a', 'b', 'c'], test: ['d'] }, dataSeed: 100, diffSeed: 13, intrinsicDims: [4], seeds: [1],
      istSettings: ['test'], randomSubspace: false, phases: { pt: { totalSteps: 10, evalEvery: 10 }, msf: { totalSteps: 20, evalEvery: 20 }, ist: { totalSteps: 6, evalEvery: 6 } },
    });
    // Groups of up to 24 rows: the 4 PT units (8 rows each) train as 3 + 1.
    const grouped = studyWork(plan, { maxRows: 24 });
    expect(grouped.batches[0]!.runs[0]!.passes).toEqual([{ rows: 24, steps: 10 }, { rows: 8, steps: 10 }]);
    // A step costs a + b x rows through the two timed points: 8 rows 40 ms, 24 rows 72 ms -> a = 24, b = 2 (MSF's 32 rows: 88 ms).
    const timing = { stepMs: 40, rows: 8, groupStepMs: 72, groupRows: 24, evalMsPerExample: 0, examples: {} };
    expect(estimateSeconds(grouped, timing)).toBeCloseTo((10 * 72 + 10 * 40 + 20 * 88 + 6 * 40) / 1000);
    // Two runs share the study: PT's items go a, c | b, d; a batch lasts as long as its slowest run.
    const two = studyWork(plan, { maxRows: 24, workers: 2 });
    expect(two.batches[0]!.runs.map((r) => r.passes)).toEqual([[{ rows: 16, steps: 10 }], [{ rows: 16, steps: 10 }]]);
    // MSF (item 4 of the plan) and IST (item 5) each land on one run; the other waits.
    expect(two.batches.slice(1).map((b) => b.runs.map((r) => r.passes.length))).toEqual([[1, 0], [0, 1]]);
    expect(estimateSeconds(two, timing)).toBeCloseTo((10 * 56 + 20 * 88 + 6 * 40) / 1000);
  });

  it('counts the lesson: 20 PT runs, 3 subspaces, 6 new tasks in each, trained and random', () => {
    const w = studyWork(planStudy({ ...lessonSpec(), model: 'embedded:intrinsic-bart-tiny' }));
    // smoke preset's PT (100 steps); the lesson's own MSF (200) and IST (50, the random subspace too).
    expect(w.steps).toBe(20 * 100 + 3 * 200 + 2 * 3 * 6 * 50);
  });

  it('says it in whole minutes, at least one', () => {
    expect(aboutMinutes(20)).toBe('about 1 minute');
    expect(aboutMinutes(12.4 * 60)).toBe('about 12 minutes');
  });
});
