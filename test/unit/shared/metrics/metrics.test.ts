// Each metric's edge cases on small hand-computed examples (independent of the fixtures).
import { describe, expect, it } from 'vitest';
import {
  accuracy, exactMatch, macroF1, matthewsCorrelation, normalizeAnswer, pearson, qaF1, rougeL, rougeLF, score,
} from '../../../../src/shared/metrics/index';
import { pyFloat, pySplit, pyStrip } from '../../../../src/shared/metrics/python';
import type { MetricName } from '../../../../src/shared/tasks/types';

// F of rouge's formula 2PR/(P+R+1e-8) for given P and R.
const rougeF = (p: number, r: number): number => (2 * p * r) / (p + r + 1e-8);

describe('Python string helpers', () => {
  it('split/strip on Python whitespace, not JS whitespace', () => {
    expect(pySplit('  a \t b\u0085c\u001fd ')).toEqual(['a', 'b', 'c', 'd']);
    expect(pySplit('a\ufeffb')).toEqual(['a\ufeffb']); // BOM is not whitespace in Python
    expect(pyStrip('\u00a0 acceptable\n')).toBe('acceptable');
  });
  it('float() grammar', () => {
    expect(pyFloat(' 1e3 ')).toBe(1000);
    expect(pyFloat('1_0')).toBe(10);
    expect(pyFloat('1.')).toBe(1);
    expect(pyFloat('.5')).toBe(0.5);
    expect(pyFloat('-Infinity')).toBe(-Infinity);
    expect(Number.isNaN(pyFloat('NaN'))).toBe(true);
    for (const bad of ['', '.', '1__0', '_1', '1_', '0x10', '1,5', 'five', '1e']) expect(pyFloat(bad)).toBeUndefined();
  });
});

describe('SQuAD normalisation, ACC, EM, QA-F1', () => {
  it('normalises case, ASCII punctuation, articles and whitespace', () => {
    expect(normalizeAnswer('The  Cat, a dog!')).toBe('cat dog');
    expect(normalizeAnswer('Anthem of an era')).toBe('anthem of era');
    // Python's \b is Unicode-aware: "éa" is one word, so its "a" is not an article.
    expect(normalizeAnswer('éa b')).toBe('éa b');
    // Curly quotes are not in string.punctuation.
    expect(normalizeAnswer('“x”')).toBe('“x”');
  });
  it('ACC is case-insensitive equality and nothing more', () => {
    expect(accuracy('Positive', 'positive')).toBe(1);
    expect(accuracy(' positive', 'positive')).toBe(0);
    expect(accuracy('positive.', 'positive')).toBe(0);
  });
  it('EM compares normalised strings', () => {
    expect(exactMatch('the Denver Broncos!', 'Denver  broncos')).toBe(1);
    expect(exactMatch('Denver', 'Denver Broncos')).toBe(0);
  });
  it('QA-F1 is bag-of-words F1 with multiplicity', () => {
    expect(qaF1('x y z', 'y z w w')).toBeCloseTo(4 / 7, 12); // P 2/3, R 1/2
    expect(qaF1('x x', 'x')).toBeCloseTo(2 / 3, 12); // P 1/2, R 1
    expect(qaF1('the', 'a')).toBe(0); // both normalise to nothing
  });
  it('takes the best gold, and 0 when there is none', () => {
    expect(score('ACC', ['b', 'c'], [['a', 'B'], []])).toBe(0.5);
    expect(score('QA-F1', ['x y'], [['x', 'x y z']])).toBeCloseTo(0.8, 12);
    expect(score('EM', ['x'], ['x'])).toBe(1);
  });
});

describe('Classification-F1', () => {
  it('macro-averages over the union of gold and predicted labels', () => {
    // a: 2*1/(1+2); b: 2*1/(2+2); z (invalid prediction): 0
    expect(macroF1(['a', 'b', 'b', 'z'], ['a', 'a', 'b', 'b'])).toBeCloseTo((2 / 3 + 0.5) / 3, 12);
  });
  it('counts each distinct invalid prediction as its own zero class', () => {
    expect(macroF1(['a', 'b', 'x', 'y'], ['a', 'b', 'a', 'b'])).toBeCloseTo(1 / 3, 12);
    expect(macroF1(['a', 'b', 'x', 'x'], ['a', 'b', 'a', 'b'])).toBeCloseTo(4 / 9, 12);
  });
  it('compares labels verbatim and uses only the first gold', () => {
    expect(macroF1(['A', 'b'], ['a', 'b'])).toBeCloseTo(1 / 3, 12);
    expect(score('Classification-F1', ['a', 'b'], [['a', 'zzz'], ['b']])).toBe(1);
    expect(score('Classification-F1', ['zzz', 'b'], [['a', 'zzz'], ['b']])).toBeCloseTo(1 / 3, 12);
  });
});

describe('Matthew-Correlation', () => {
  const A = 'acceptable';
  const U = 'unacceptable';
  it('binarises on exactly "acceptable" (predictions stripped)', () => {
    // tp 2, fn 1, fp 1, tn 1: (2*1 - 1*1) / sqrt(3*3*2*2)
    expect(matthewsCorrelation([A, ` ${A}\n`, U, A, U], [A, A, A, U, U])).toBeCloseTo(1 / 6, 12);
    expect(matthewsCorrelation(['Acceptable', U], [A, U])).toBe(0); // case matters
  });
  it('is 0 when either side is constant', () => {
    expect(matthewsCorrelation([A, A, A], [A, U, A])).toBe(0);
  });
  it('is +-1 for perfect (anti-)agreement', () => {
    expect(matthewsCorrelation([A, 'junk', A], [A, U, A])).toBe(1);
    expect(matthewsCorrelation([U, A], [A, U])).toBe(-1);
  });
});

describe('Pearson-Correlation', () => {
  it('matches a hand-computed correlation', () => {
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    expect(score('Pearson-Correlation', ['2', ' 4 ', '6e0'], ['1', '2', '3'])).toBeCloseTo(1, 12);
    expect(score('Pearson-Correlation', ['3', '2', '1_0'], ['3', '2', '1'])).toBeCloseTo(pearson([3, 2, 10], [3, 2, 1]), 12);
  });
  it('is NaN for unparsable or constant predictions', () => {
    expect(Number.isNaN(score('Pearson-Correlation', ['1', 'two', '3'], ['1', '2', '3']))).toBe(true);
    expect(Number.isNaN(score('Pearson-Correlation', ['1', '1', '1'], ['1', '2', '3']))).toBe(true);
  });
  it('rejects a gold that is not a number', () => {
    expect(() => score('Pearson-Correlation', ['1', '2'], ['1', 'x'])).toThrow(/gold #1/);
  });
});

describe('Rouge-L (the `rouge` package semantics)', () => {
  it('scores an exact match just below 1 (the +1e-8 in F)', () => {
    expect(rougeLF('x y z', 'x y z')).toBeCloseTo(rougeF(1, 1), 15);
    expect(rougeLF('x y z', 'x y z')).toBeLessThan(1);
  });
  it('uses the LCS, not n-gram overlap', () => {
    expect(rougeLF('x y', 'x z y w')).toBeCloseTo(rougeF(1, 0.5), 15);
  });
  it('counts words as sets', () => {
    expect(rougeLF('x x x', 'x')).toBeCloseTo(rougeF(1, 1), 15);
  });
  it('splits sentences at "." and unions the LCS words', () => {
    // As one sequence the LCS would be 2 of 3 words; per sentence pair the union covers all 3.
    expect(rougeLF('x y. z', 'z. x y')).toBeCloseTo(rougeF(1, 1), 15);
  });
  it('keeps a blank sentence as the empty word', () => {
    // "x. " -> sentences ["x", ""] -> 2 distinct words, 1 in common.
    expect(rougeLF('x. ', 'x')).toBeCloseTo(rougeF(0.5, 1), 15);
  });
  it('breaks LCS ties like the package (moves along the prediction first)', () => {
    // ref "a b" vs "b a": the package reconstructs "b"; with "a" from the 2nd sentence the union is {a, b}.
    expect(rougeLF('b a. a', 'a b')).toBeCloseTo(rougeF(1, 1), 15);
  });
  it('gives 0 to predictions without non-punctuation characters', () => {
    for (const p of ['', '...', '?!', '.']) expect(rougeL(p, ['x'])).toBe(0);
  });
  it('takes the best of several golds and averages over examples', () => {
    const s = score('Rouge-L', ['x y', '...'], [['q', 'x z y w'], 'x']);
    expect(s).toBeCloseTo(rougeF(1, 0.5) / 2, 15);
  });
});

describe('score()', () => {
  it('rejects mismatched lengths, empty input and unknown metrics', () => {
    expect(() => score('ACC', ['a'], [])).toThrow(/1 predictions but 0 golds/);
    expect(() => score('EM', [], [])).toThrow(/no examples/);
    expect(() => score('BLEU' as MetricName, ['a'], ['a'])).toThrow(/unknown metric/);
    expect(() => score('Classification-F1', ['a'], [[]])).toThrow(/no gold/);
  });
});
