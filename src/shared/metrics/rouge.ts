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

/** The words of one longest common subsequence, with the package's tie-breaking. */
function lcsWords(x: readonly string[], y: readonly string[]): string[] {
  const n = x.length;
  const m = y.length;
  const w = m + 1;
  const table = new Int32Array((n + 1) * w);
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      table[i * w + j] = x[i - 1] === y[j - 1]
        ? table[(i - 1) * w + j - 1]! + 1
        : Math.max(table[(i - 1) * w + j]!, table[i * w + j - 1]!);
    }
  }
  // Backtrack iteratively (the reference recurses); on a tie it moves along y first.
  const out: string[] = [];
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    if (x[i - 1] === y[j - 1]) {
      out.push(x[i - 1]!);
      i--;
      j--;
    } else if (table[(i - 1) * w + j]! > table[i * w + j - 1]!) i--;
    else j--;
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
