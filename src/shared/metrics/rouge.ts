// Rouge-L as CrossFit computed it: the F of "rouge-l" from the `rouge` PyPI package
// (summary-level union LCS with set semantics), best over the acceptable answers.
//
// That package's quirks are part of the metric and are reproduced on purpose:
// - text is cut into "sentences" at every '.', pieces are whitespace-normalised, and a
//   piece that was only spaces survives as the empty word "";
// - words are split on single spaces and counted as SETS: a repeated word counts once in
//   the lengths and the LCS union, so "the the the" has length 1;
// - F = 2PR / (P + R + 1e-8), so a perfect match scores 1 - 5e-9, not 1.
import { pySplit, removePunctuation } from './python';

function sentences(text: string): string[] {
  return text.split('.').filter((s) => s.length > 0).map((s) => pySplit(s).join(' '));
}

function words(sents: readonly string[]): string[] {
  return sents.flatMap((s) => s.split(' '));
}

/**
 * The words of one longest common subsequence, with the package's tie-breaking.
 *
 * Which LCS matters (words count as a set), so the result must be the one the package's full
 * n x m table backtracks to, not just its length. The table is never held whole: the forward pass
 * keeps two rows plus every k-th row (k = ceil(sqrt(n))), and the backtrack recomputes one band of
 * k rows at a time from its checkpoint. Memory O(m sqrt n) instead of O(n m) (23 MB instead of
 * 1.6 GB for two 20,000-word strings), for about twice the time.
 */
export function lcsWords(x: readonly string[], y: readonly string[]): string[] {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return [];
  // Integer ids: the inner loop compares numbers, not strings.
  const ids = new Map<string, number>();
  const id = (word: string) => {
    let v = ids.get(word);
    if (v === undefined) ids.set(word, (v = ids.size));
    return v;
  };
  const xs = Int32Array.from(x, id);
  const ys = Int32Array.from(y, id);
  const w = m + 1;
  const k = Math.ceil(Math.sqrt(n));
  // Row i of the table, computed from row i - 1, for columns 0..upto.
  const fill = (i: number, up: Int32Array, row: Int32Array, upto: number) => {
    const xi = xs[i - 1]!;
    row[0] = 0;
    for (let j = 1; j <= upto; j++) {
      row[j] = xi === ys[j - 1] ? up[j - 1]! + 1 : Math.max(up[j]!, row[j - 1]!);
    }
  };
  const checkpoints = new Int32Array((Math.floor(n / k) + 1) * w); // rows 0, k, 2k, ...
  let prev = new Int32Array(w);
  let cur = new Int32Array(w);
  for (let i = 1; i <= n; i++) {
    fill(i, prev, cur, m);
    [prev, cur] = [cur, prev];
    if (i % k === 0) checkpoints.set(prev, (i / k) * w);
  }
  // Backtrack iteratively (the reference recurses); on a tie it moves along y first.
  const band = new Int32Array((k + 1) * w);
  const rowOf = (r: number) => band.subarray(r * w, (r + 1) * w);
  const out: string[] = [];
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    // Rows lo..i of the table; columns past j are never looked at again.
    const lo = Math.floor((i - 1) / k) * k;
    band.set(checkpoints.subarray((lo / k) * w, (lo / k + 1) * w), 0);
    for (let r = 1; r <= i - lo; r++) fill(lo + r, rowOf(r - 1), rowOf(r), j);
    while (i > lo && j > 0) {
      const r = (i - lo) * w;
      if (xs[i - 1] === ys[j - 1]) {
        out.push(x[i - 1]!);
        i--;
        j--;
      } else if (band[r - w + j]! > band[r + j - 1]!) i--;
      else j--;
    }
  }
  return out.reverse();
}

/** Rouge-L F between one prediction and one reference (no empty-prediction shortcut). */
export function rougeLF(prediction: string, reference: string): number {
  const hyp = sentences(prediction);
  const ref = sentences(reference);
  if (hyp.length === 0 || ref.length === 0) {
    throw new Error(`Rouge-L: ${hyp.length === 0 ? 'prediction' : 'reference'} has no sentence: ${JSON.stringify(hyp.length === 0 ? prediction : reference)}`);
  }
  const m = new Set(words(ref)).size;
  const n = new Set(words(hyp)).size;
  // Only the union's final size matters: the per-reference increments sum to it.
  const union = new Set<string>();
  for (const r of ref) {
    const refWords = r.split(' ');
    for (const h of hyp) for (const word of lcsWords(refWords, h.split(' '))) union.add(word);
  }
  const r = union.size / m;
  const p = union.size / n;
  return 2 * ((p * r) / (p + r + 1e-8));
}

/** CrossFit's per-example Rouge-L: 0 for a prediction without a non-punctuation character. */
export function rougeL(prediction: string, golds: readonly string[]): number {
  if (removePunctuation(prediction).length === 0) return 0;
  let best = 0;
  for (const g of golds) best = Math.max(best, rougeLF(prediction, g));
  return best;
}
