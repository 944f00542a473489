// PCA of a handful of vectors (intrinsic vectors of tens of tasks, d_I up to a few hundred),
// exactly, with the cyclic Jacobi eigenvalue method on the smaller of the covariance (d x d)
// and Gram (n x n) matrices. Plain TS, no TF.js: the study runner uses it after training, and the page
// for the Explore screen's map and walk.

export interface PcaResult {
  /** [k][d] unit principal directions, by decreasing variance; sign fixed so the largest |entry| is positive. */
  readonly components: number[][];
  /** [n][k] coordinates of each centred row. */
  readonly projected: number[][];
  /** [k] variance along each component (divided by n - 1). */
  readonly variance: number[];
  /** [k] share of the total variance. */
  readonly explainedRatio: number[];
  readonly mean: number[];
}

/** Eigen-decomposition of a symmetric matrix: values descending, vectors as rows. */
export function symmetricEigen(a: readonly (readonly number[])[], maxSweeps = 100): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r, i) => {
    if (r.length !== n) throw new RangeError(`symmetricEigen: row ${i} has ${r.length} entries, expected ${n}`);
    return [...r];
  });
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!, mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!, mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!, vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j]![j]! - m[i]![i]!);
  return {
    values: order.map((i) => m[i]![i]!),
    vectors: order.map((i) => v.map((row) => row[i]!)),
  };
}

export function pca(rows: readonly (readonly number[] | Float32Array)[], k: number): PcaResult {
  const n = rows.length;
  if (n < 2) throw new RangeError(`pca: need at least 2 rows, got ${n}`);
  const d = rows[0]!.length;
  rows.forEach((r, i) => { if (r.length !== d) throw new RangeError(`pca: row ${i} has ${r.length} entries, expected ${d}`); });
  if (!Number.isInteger(k) || k < 1 || k > Math.min(d, n)) throw new RangeError(`pca: k must be in 1..${Math.min(d, n)}, got ${k}`);
  const mu = Array.from({ length: d }, (_, j) => rows.reduce((a, r) => a + r[j]!, 0) / n);
  const x = rows.map((r) => Array.from({ length: d }, (_, j) => r[j]! - mu[j]!));
  let components: number[][];
  let values: number[];
  if (d <= n) {
    const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => x.reduce((a, r) => a + r[i]! * r[j]!, 0) / (n - 1)));
    const e = symmetricEigen(cov);
    components = e.vectors.slice(0, k);
    values = e.values;
  } else {
    // Gram trick: X X^T u = l u  =>  X^T u / |X^T u| is a direction of X^T X with the same l.
    const gram = x.map((a) => x.map((b) => a.reduce((s, ai, j) => s + ai * b[j]!, 0) / (n - 1)));
    const e = symmetricEigen(gram);
    values = e.values;
    components = e.vectors.slice(0, k).map((u) => {
      const w = Array.from({ length: d }, (_, j) => x.reduce((s, r, i) => s + r[j]! * u[i]!, 0));
      const norm = Math.hypot(...w) || 1;
      return w.map((wj) => wj / norm);
    });
  }
  components = components.map((c) => {
    let big = 0;
    for (const cj of c) if (Math.abs(cj) > Math.abs(big)) big = cj;
    return big < 0 ? c.map((cj) => -cj) : c;
  });
  const total = values.reduce((a, b) => a + Math.max(0, b), 0);
  const variance = values.slice(0, k).map((l) => Math.max(0, l));
  return {
    components,
    projected: x.map((r) => components.map((c) => c.reduce((s, cj, j) => s + cj * r[j]!, 0))),
    variance,
    explainedRatio: variance.map((l) => (total > 0 ? l / total : 0)),
    mean: mu,
  };
}

/** Coordinates of any vector on the first `k` principal directions of a fit (0 where it has fewer). */
export function projectOnto(fit: PcaResult, v: ArrayLike<number>, k = fit.components.length): number[] {
  return Array.from({ length: k }, (_, i) =>
    (fit.components[i] ?? []).reduce((a, w, j) => a + w * ((v[j] ?? 0) - fit.mean[j]!), 0),
  );
}

/** `from` moved along each principal direction by steps[k] of its standard deviations. */
export function alongComponents(fit: PcaResult, from: readonly number[], steps: readonly number[]): number[] {
  const z = [...from];
  fit.components.forEach((c, k) => {
    const s = Math.sqrt(fit.variance[k] ?? 0) * (steps[k] ?? 0);
    c.forEach((w, j) => (z[j] = z[j]! + w * s));
  });
  return z;
}

/**
 * The PCA map of intrinsic vectors of dimension dI (two or more): their coordinates on the first
 * two and three principal directions, and the share of the variance along each of the first three.
 * The Results map and the live map (src/shared/study/live.ts) both draw this one computation.
 */
export function vectorMap(rows: readonly (readonly number[] | Float32Array)[], dI: number): { pca2: number[][]; pca3: number[][]; explained: number[] } {
  const p2 = pca(rows, Math.min(2, dI, rows.length));
  const p3 = pca(rows, Math.min(3, dI, rows.length));
  return { pca2: p2.projected, pca3: p3.projected, explained: p3.explainedRatio };
}
