// Task-by-task cosine similarity of intrinsic vectors (or of flattened prompts).

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cosine: lengths differ (${a.length} vs ${b.length})`);
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i]! * b[i]!; aa += a[i]! * a[i]!; bb += b[i]! * b[i]!; }
  // A zero vector has no direction; say 0 rather than NaN so the matrix stays plottable.
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

export interface SimilarityMatrix {
  readonly labels: readonly string[];
  /** [n][n], symmetric, 1 on the diagonal for non-zero vectors. */
  readonly values: number[][];
}

export function cosineMatrix(vectors: readonly { label: string; vector: ArrayLike<number> }[]): SimilarityMatrix {
  const values = vectors.map((a) => vectors.map((b) => cosine(a.vector, b.vector)));
  return { labels: vectors.map((v) => v.label), values };
}
