// The names people read for result keys: one module, so charts, tables and notes say the same.
import { describe, expect, it } from 'vitest';
import { resultLabel, resultTitle } from '../../../../src/shared/study/labels';
import { EREL_KEYS } from '../../../../src/shared/study/results';

describe('result labels', () => {
  it('names the challenges in words, with the paper’s notation second', () => {
    expect(resultLabel('test_ist')).toEqual({ name: 'new tasks (IST)', paper: 'T_test(IST)' });
    expect(resultLabel('train_same_ist')).toEqual({ name: 'training tasks, same data (IST)', paper: 'T_train(IST)' });
    expect(resultTitle('test_ist')).toBe('new tasks (IST) · T_test(IST)');
    expect(resultTitle('random_subspace')).toBe('new tasks, random subspace (baseline) · T_test(IST), random Proj_b');
    // A name that already ends in the paper's abbreviation is not repeated.
    expect(resultTitle('pt')).toBe('prompt tuning (PT)');
    expect(resultTitle('ft')).toBe('full fine-tuning (FT)');
  });

  it('has a name for every E_rel key and every score setting the tabulator writes, none of them the raw key', () => {
    for (const k of [...EREL_KEYS, 'pt', 'pt_diff', 'ft', 'random_subspace', 'random_subspace_ist', 'ipt_init_pt']) {
      expect(resultLabel(k).name, k).not.toBe(k);
      expect(resultLabel(k).name, k).not.toMatch(/_/);
    }
  });

  it('shows a key it does not know as it is (an imported file’s), once', () => {
    expect(resultLabel('my_setting')).toEqual({ name: 'my_setting', paper: 'my_setting' });
    expect(resultTitle('my_setting')).toBe('my_setting');
  });
});
