import { describe, expect, it } from 'vitest';
import { mostFrequentOutput, trivialBaselines } from '../../../../src/shared/analysis/baselines';

const ex = (input: string, ...outputs: string[]) => ({ input, outputs });

describe('trivial baselines', () => {
  it('majority answers the most frequent training output; ties go to the one seen first', () => {
    expect(mostFrequentOutput([ex('1', 'a'), ex('2', 'b'), ex('3', 'b'), ex('4', 'a')])).toBe('a');
    expect(mostFrequentOutput([ex('1', 'a'), ex('2', 'b'), ex('3', 'b')])).toBe('b');
  });

  it('scores both rules with the task metric on the test set (hand-computed)', () => {
    // Training majority is "no"; 1 of 4 test golds is "no" -> ACC 0.25. Copying matches one input.
    const task = {
      metric: 'ACC' as const,
      train: [ex('x', 'no'), ex('y', 'no'), ex('z', 'yes')],
      test: [ex('yes', 'yes'), ex('b', 'no'), ex('c', 'yes'), ex('d', 'yes')],
    };
    expect(trivialBaselines(task)).toEqual({ majority: 0.25, copy: 0.25 });
  });

  it('accepts any gold of a multi-answer example', () => {
    const task = { metric: 'EM' as const, train: [ex('q', 'paris')], test: [ex('a b', 'paris', 'a b'), ex('c', 'rome')] };
    expect(trivialBaselines(task)).toEqual({ majority: 0.5, copy: 0.5 });
  });

  it('is NaN without a test set', () => {
    const r = trivialBaselines({ metric: 'EM', train: [ex('a', 'b')], test: [] });
    expect(Number.isNaN(r.majority) && Number.isNaN(r.copy)).toBe(true);
  });
});
