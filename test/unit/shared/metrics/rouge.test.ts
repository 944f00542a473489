// Rouge-L's LCS without the full n x m table: the same words as the table's backtrack, in bounded memory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lcsWords, rougeLF } from '../../../../src/shared/metrics/rouge';
import { mulberry32 } from '../../../../src/shared/random';

/** The `rouge` package's algorithm as written: the whole table, then a backtrack from the end. */
function fullTableLcs(x: readonly string[], y: readonly string[]): string[] {
  const t = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      t[i]![j] = x[i - 1] === y[j - 1] ? t[i - 1]![j - 1]! + 1 : Math.max(t[i - 1]![j]!, t[i]![j - 1]!);
    }
  }
  const out: string[] = [];
  let i = x.length;
  let j = y.length;
  while (i > 0 && j > 0) {
    if (x[i - 1] === y[j - 1]) {
      out.push(x[i - 1]!);
      i--;
      j--;
    } else if (t[i - 1]![j]! > t[i]![j - 1]!) i--;
    else j--;
  }
  return out.reverse();
}

describe('Rouge-L LCS in bounded memory', () => {
  it('picks the same LCS words as the full table (small alphabets, so ties everywhere)', () => {
    const word = fc.constantFrom('a', 'b', 'c', 'd', '');
    fc.assert(
      fc.property(fc.array(word, { maxLength: 60 }), fc.array(word, { maxLength: 60 }), (x, y) => {
        expect(lcsWords(x, y)).toEqual(fullTableLcs(x, y));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the package\'s tie-breaking where another LCS of the same length would score differently', () => {
    // "a a b" and "a b a" share two LCS of length 2: "a b" (2 distinct words, F ~ 1) and "a a"
    // (1 distinct word, F 0.5). Words count as a set, so the length alone cannot give the score.
    expect(fullTableLcs(['a', 'a', 'b'], ['a', 'b', 'a'])).toEqual(['a', 'b']);
    expect(lcsWords(['a', 'a', 'b'], ['a', 'b', 'a'])).toEqual(['a', 'b']);
    expect(rougeLF('a b a', 'a a b')).toBeCloseTo(2 * (1 * 1) / (1 + 1 + 1e-8), 12);
  });

  it('scores two 20,000-word strings without the 1.6 GB table', () => {
    const rand = mulberry32(7);
    const text = () => Array.from({ length: 20_000 }, () => `w${Math.floor(rand() * 3000)}`).join(' ');
    const a = text();
    const b = text();
    // ru_maxrss (KiB) is a high-water mark: the table alone would add 1.6 GB to it.
    const before = process.resourceUsage().maxRSS;
    const f = rougeLF(a, b);
    const grew = (process.resourceUsage().maxRSS - before) * 1024;
    expect(f).toBeGreaterThan(0);
    expect(f).toBeLessThan(1);
    expect(grew).toBeLessThan(400 * 2 ** 20);
  });
});
