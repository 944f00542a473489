// Identities between the metrics and textbook formulas, on random inputs (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactMatch, macroF1, matthewsCorrelation, normalizeAnswer, pearson, qaF1, rougeLF, score } from '../../../../src/shared/metrics/index';

const label = fc.constantFrom('a', 'b', 'c', 'x', 'junk');
const pairs = fc.array(fc.tuple(label, label), { minLength: 1, maxLength: 40 });

describe('metric identities', () => {
  it('macro F1 equals the mean of per-label 2PR/(P+R) over the label union (0 where undefined)', () => {
    fc.assert(fc.property(pairs, (ps) => {
      const preds = ps.map((p) => p[0]);
      const golds = ps.map((p) => p[1]);
      const labels = [...new Set([...preds, ...golds])];
      const f1s = labels.map((l) => {
        const tp = ps.filter(([p, g]) => p === l && g === l).length;
        const np = preds.filter((p) => p === l).length;
        const ng = golds.filter((g) => g === l).length;
        const precision = np ? tp / np : 0;
        const recall = ng ? tp / ng : 0;
        return precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
      });
      expect(macroF1(preds, golds)).toBeCloseTo(f1s.reduce((a, b) => a + b, 0) / f1s.length, 12);
    }));
  });

  it('Matthews correlation equals Pearson correlation of the binary indicators (0 when constant)', () => {
    const ab = fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 2, maxLength: 40 });
    fc.assert(fc.property(ab, (xs) => {
      const preds = xs.map(([p]) => (p ? 'acceptable' : 'unacceptable'));
      const golds = xs.map(([, g]) => (g ? 'acceptable' : 'unacceptable'));
      const r = pearson(xs.map(([p]) => Number(p)), xs.map(([, g]) => Number(g)));
      expect(matthewsCorrelation(preds, golds)).toBeCloseTo(Number.isNaN(r) ? 0 : r, 12);
    }));
  });

  it('Rouge-L on one sentence of distinct words is 2 LCS / (m + n), up to the 1e-8', () => {
    const word = fc.constantFrom('p', 'q', 'r', 's', 't', 'u', 'v');
    const sentence = fc.uniqueArray(word, { minLength: 1, maxLength: 7 });
    fc.assert(fc.property(sentence, sentence, (h, g) => {
      const lcs = Array.from({ length: h.length + 1 }, () => new Array<number>(g.length + 1).fill(0));
      for (let i = 1; i <= h.length; i++) {
        for (let j = 1; j <= g.length; j++) {
          lcs[i]![j] = h[i - 1] === g[j - 1] ? lcs[i - 1]![j - 1]! + 1 : Math.max(lcs[i - 1]![j]!, lcs[i]![j - 1]!);
        }
      }
      const l = lcs[h.length]![g.length]!;
      expect(rougeLF(h.join(' '), g.join(' '))).toBeCloseTo((2 * l) / (h.length + g.length), 7);
    }));
  });

  it('per-example scores stay in [0, 1]; EM = 1 implies QA-F1 = 1 for non-empty answers', () => {
    const text = fc.array(fc.constantFrom('The', 'a', 'cat', 'Cat', 'dog', '.', ',', 'sat', ' ', 'x!'), { maxLength: 6 }).map((ws) => ws.join(' '));
    fc.assert(fc.property(text, text, (p, g) => {
      const f = qaF1(p, g);
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThanOrEqual(1);
      // (Two answers that both normalise to nothing are an exact match with F1 0, as in SQuAD.)
      if (exactMatch(p, g) === 1 && normalizeAnswer(g) !== '') expect(f).toBeCloseTo(1, 12);
      const r = score('Rouge-L', [p], [g.trim() === '' || g.replace(/\./g, '') === '' ? 'x' : g]);
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThanOrEqual(1);
    }));
  });
});
