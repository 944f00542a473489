import { describe, expect, it } from 'vitest';
import { taskTable } from '../../../../src/ui/charts/figures';
import type { StudyResultsJson } from '../../../../src/protocol/messages';

const base = {
  study: { name: 's', model: 'm', tasks: { train: ['a'], test: ['b'] }, dataSeed: 100, diffSeed: 13, intrinsicDims: [5], seeds: [1] },
  e_rel_pt: {}, random_subspace: {}, pt: { a: 0.9, b: 0.5 },
  scores: { 5: { test_ist: { b: 0.4 }, train_same_ist: { a: 0.8 } } },
} as unknown as StudyResultsJson;

describe('per-task table', () => {
  it('puts the trivial baselines next to PT when the results carry them', () => {
    const t = taskTable({ ...base, baselines: { a: { majority: 0.3, copy: 0 }, b: { majority: 0.2, copy: null } } }, 5);
    expect(t.columns.map((c) => c.key)).toEqual(['task', 'split', 'pt', 'majority', 'copy', 'test_ist', 'train_same_ist']);
    expect(t.rows).toEqual([
      { task: 'a', split: 'train', pt: 0.9, majority: 0.3, copy: 0, test_ist: null, train_same_ist: 0.8 },
      { task: 'b', split: 'test', pt: 0.5, majority: 0.2, copy: null, test_ist: 0.4, train_same_ist: null },
    ]);
  });
  it('leaves the baseline columns out for older results', () => {
    expect(taskTable(base, 5).columns.map((c) => c.key)).toEqual(['task', 'split', 'pt', 'test_ist', 'train_same_ist']);
  });
});
