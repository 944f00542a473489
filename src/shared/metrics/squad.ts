// String-match metrics: ACC, EM and QA-F1 as CrossFit computes them per example.
// EM and QA-F1 use the SQuAD answer normalisation; ACC deliberately does not.
import { pySplit, removePunctuation } from './python';

// Python's `\b` on str patterns is Unicode-aware (\w = letters, numbers, underscore);
// JS `\b` is ASCII-only even with /u, so spell the boundary out.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** SQuAD normalisation: lowercase, drop ASCII punctuation, drop articles, collapse whitespace. */
export function normalizeAnswer(s: string): string {
  const noPunct = removePunctuation(s.toLowerCase());
  return pySplit(noPunct.replace(ARTICLES, ' ')).join(' ');
}

/** ACC for one example: case-insensitive string equality, nothing else normalised. */
export function accuracy(prediction: string, gold: string): number {
  return prediction.toLowerCase() === gold.toLowerCase() ? 1 : 0;
}

export function exactMatch(prediction: string, gold: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(gold) ? 1 : 0;
}

/** Token-level F1 over normalised bags of words; 0 when nothing overlaps (also when both are empty). */
export function qaF1(prediction: string, gold: string): number {
  const pred = normalizeAnswer(prediction).split(' ').filter((w) => w.length > 0);
  const ref = normalizeAnswer(gold).split(' ').filter((w) => w.length > 0);
  const counts = new Map<string, number>();
  for (const w of ref) counts.set(w, (counts.get(w) ?? 0) + 1);
  let same = 0;
  for (const w of pred) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      same += 1;
      counts.set(w, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / pred.length;
  const recall = same / ref.length;
  return (2 * precision * recall) / (precision + recall);
}

/** CrossFit's "over list": the best score against any acceptable answer, 0 for no answers. */
export function maxOverGolds(prediction: string, golds: readonly string[], fn: (p: string, g: string) => number): number {
  let best = 0;
  for (const g of golds) best = Math.max(best, fn(prediction, g));
  return best;
}
