// The Start page's estimate: the plan's steps and evaluations times a measured step and evaluation.
import { describe, expect, it } from 'vitest';
import { aboutMinutes, estimateSeconds, studyWork } from '../../../../src/shared/study/estimate';
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
    expect(studyWork(plan)).toEqual({ steps: 30 + 20 + 6 + 6, evals: 9 + 7 + 3 + 3 });
    expect(estimateSeconds({ steps: 62, evals: 22 }, { stepMs: 50, evalMs: 500 })).toBeCloseTo(62 * 0.05 + 22 * 0.5);
  });

  it('counts the lesson: 20 PT runs, 3 subspaces, 6 new tasks in each, trained and random', () => {
    const w = studyWork(planStudy({ ...lessonSpec(), model: 'embedded:intrinsic-bart-tiny' }));
    // smoke preset: PT 100 steps, MSF 400, IST 100.
    expect(w.steps).toBe(20 * 100 + 3 * 400 + 2 * 3 * 6 * 100);
  });

  it('says it in whole minutes, at least one', () => {
    expect(aboutMinutes(20)).toBe('about 1 minute');
    expect(aboutMinutes(12.4 * 60)).toBe('about 12 minutes');
  });
});
