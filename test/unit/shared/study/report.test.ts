import { describe, expect, it } from 'vitest';
import { erelByGroup, ptBaselineMarkdown, ptBaselineRows } from '../../../../src/shared/study/report';
import type { StudyResults } from '../../../../src/shared/study/results';

const results = {
  study: { tasks: { train: ['a', 'b'], test: ['c'] } },
  pt: { a: 0.9, b: 0.4, c: 0.3 },
  baselines: { a: { majority: 0.5, copy: 0 }, b: { majority: 0.5, copy: 0.1 }, c: { majority: Number.NaN, copy: 0.2 } },
  rows: [{ task: 'a', metric: 'ACC' }, { task: 'b', metric: 'EM' }, { task: 'c', metric: 'Pearson-Correlation' }],
} as unknown as StudyResults;

describe('PT against trivial baselines', () => {
  it('PT wins only above both baselines; a NaN baseline (constant Pearson answer) never wins', () => {
    const rows = ptBaselineRows(results);
    expect(rows.map((r) => [r.task, r.role, r.metric, r.beats])).toEqual([
      ['a', 'train', 'ACC', true], ['b', 'train', 'EM', false], ['c', 'test', 'Pearson-Correlation', true],
    ]);
  });
  it('writes one Markdown row per task and the count', () => {
    const md = ptBaselineMarkdown(ptBaselineRows(results));
    expect(md).toContain('| b | train | EM | 0.400 | 0.500 | 0.100 | no |');
    expect(md).toContain('| c | test | Pearson-Correlation | 0.300 | n/a | 0.200 | yes |');
    expect(md.trim().endsWith('PT beats both trivial baselines on 2 of 3 tasks.')).toBe(true);
  });
});

describe('E_rel by group', () => {
  it('averages score / PT per group; train-diff against the data seed\'s PT, or pt_diff under "diff-seed"', () => {
    const r = {
      pt: { a: 0.5, b: 0.8, c: 0.4 }, pt_diff: { a: 0.25 },
      scores: { 5: { test_ist: { a: 0.25, b: 0.8, c: 0.1 }, train_diff_ist: { a: 0.25 } } },
    } as unknown as StudyResults;
    const group = (t: string) => (t === 'c' ? 'non-cls' : 'cls');
    expect(erelByGroup(r, 5, 'test_ist', group)).toEqual({ cls: { value: 0.75, n: 2 }, 'non-cls': { value: 0.25, n: 1 } });
    expect(erelByGroup(r, 5, 'train_diff_ist', group)).toEqual({ cls: { value: 0.5, n: 1 } });
    expect(erelByGroup({ ...r, unseen_data_denominator: 'diff-seed' }, 5, 'train_diff_ist', group)).toEqual({ cls: { value: 1, n: 1 } });
    expect(erelByGroup(r, 10, 'test_ist', group)).toEqual({});
  });
});
