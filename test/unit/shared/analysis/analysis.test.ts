import { describe, expect, it } from 'vitest';
import { mean, relativePerformance, std } from '../../../../src/shared/analysis/erel';
import { pca, symmetricEigen } from '../../../../src/shared/analysis/pca';
import { cosine, cosineMatrix } from '../../../../src/shared/analysis/similarity';

describe('E_rel^PT', () => {
  it('averages per-task ratios', () => {
    const r = relativePerformance({ a: 0.4, b: 0.9, c: 0.25 }, { a: 0.8, b: 0.9, c: 0.5 });
    expect(r.perTask).toEqual({ a: 0.5, b: 1, c: 0.5 });
    expect(r.value).toBeCloseTo(2 / 3, 12);
    expect(r.n).toBe(3);
    expect(r.excluded).toEqual([]);
  });
  it('leaves out tasks whose PT score is 0, negative, NaN or missing, and says why', () => {
    const r = relativePerformance({ a: 0.3, zero: 0.2, neg: 0.1, nan: 0.5, missing: 1 }, { a: 0.6, zero: 0, neg: -0.2, nan: NaN });
    expect(r.value).toBeCloseTo(0.5, 12);
    expect(r.n).toBe(1);
    expect(r.excluded.map((e) => e.task).sort()).toEqual(['missing', 'nan', 'neg', 'zero']);
    expect(r.excluded.find((e) => e.task === 'zero')!.reason).toMatch(/<= 0/);
  });
  it('counts a non-finite IPT score as 0 and gives NaN when no task counts', () => {
    expect(relativePerformance({ a: NaN, b: 1 }, { a: 0.5, b: 0.5 }).value).toBeCloseTo(1, 12);
    expect(relativePerformance({ a: 1 }, { a: 0 }).value).toBeNaN();
  });
  it('mean and sample std ignore non-finite values', () => {
    expect(mean([1, 2, 3, NaN])).toBe(2);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(std([3])).toBe(0);
  });
});

describe('PCA', () => {
  it('diagonalises a known symmetric matrix', () => {
    const e = symmetricEigen([[2, 1], [1, 2]]);
    expect(e.values[0]).toBeCloseTo(3, 10);
    expect(e.values[1]).toBeCloseTo(1, 10);
    expect(Math.abs(e.vectors[0]![0]!)).toBeCloseTo(Math.SQRT1_2, 10);
  });

  // Points built from known orthonormal directions u1, u2 in 4-D with variances 9 and 1 (and a mean).
  const u1 = [0.5, 0.5, 0.5, 0.5];
  const u2 = [0.5, -0.5, 0.5, -0.5];
  const coeffs = [[3, 1], [-3, 1], [3, -1], [-3, -1]];
  const mu = [1, 2, 3, 4];
  const rows = coeffs.map(([a, b]) => mu.map((m, j) => m + a! * u1[j]! + b! * u2[j]!));

  it('recovers directions, variances and coordinates (covariance path, d <= n)', () => {
    const r = pca(rows, 2);
    expect(r.mean.map((x) => +x.toFixed(10))).toEqual(mu);
    // Directions are defined up to sign: compare |<c, u>| with 1.
    const dot = (a: number[], b: number[]) => a.reduce((s, x, j) => s + x * b[j]!, 0);
    expect(Math.abs(dot(r.components[0]!, u1))).toBeCloseTo(1, 8);
    expect(Math.abs(dot(r.components[1]!, u2))).toBeCloseTo(1, 8);
    expect(r.variance[0]).toBeCloseTo(12, 8); // 4 * 9 / (n - 1)
    expect(r.variance[1]).toBeCloseTo(4 / 3, 8);
    expect(r.explainedRatio[0]).toBeCloseTo(0.9, 8);
    r.projected.forEach((p, i) => {
      expect(Math.abs(p[0]!)).toBeCloseTo(3, 8);
      expect(Math.abs(p[1]!)).toBeCloseTo(1, 8);
      expect(Math.sign(p[0]! * r.projected[0]![0]!)).toBe(Math.sign(coeffs[i]![0]! * coeffs[0]![0]!));
    });
  });

  it('gives the same answer through the Gram path (d > n)', () => {
    const wide = rows.slice(0, 3).map((r) => [...r, ...r.map((x) => x * 0)]); // 8-D, 3 rows
    const viaGram = pca(wide, 2);
    const viaCov = pca(wide.map((r) => r.slice(0, 4)), 2);
    viaGram.variance.forEach((v, i) => expect(v).toBeCloseTo(viaCov.variance[i]!, 8));
    viaGram.projected.forEach((p, i) => p.forEach((x, j) => expect(x).toBeCloseTo(viaCov.projected[i]![j]!, 8)));
  });

  it('rejects bad shapes with a clear message', () => {
    expect(() => pca([[1, 2]], 1)).toThrow(/at least 2 rows/);
    expect(() => pca([[1, 2], [1]], 1)).toThrow(/row 1/);
  });
});

describe('cosine similarity', () => {
  it('computes a symmetric matrix with unit diagonal', () => {
    expect(cosine([1, 0], [0, 2])).toBe(0);
    expect(cosine([1, 1], [-2, -2])).toBeCloseTo(-1, 12);
    expect(cosine([0, 0], [1, 0])).toBe(0);
    const m = cosineMatrix([{ label: 'a', vector: [1, 0] }, { label: 'b', vector: [1, 1] }]);
    expect(m.values[0]![1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(m.values[1]![0]).toBe(m.values[0]![1]);
    expect(m.values[1]![1]).toBeCloseTo(1, 12);
  });
});
