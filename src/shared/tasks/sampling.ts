// Few-shot sampling the CrossFit way, for users who bring a larger labelled set. CrossFit shuffles
// the training set with the seed, then for classification takes the first K examples of every
// label for train and the next K for dev; for other tasks the first K and the next K. Its test set
// is the original test set, the same for every seed. We cannot reproduce numpy's shuffle stream,
// so the draws differ from the released files, but the procedure and determinism are the same.

import type { Example } from './types';
import { TaskError, problem } from './errors';
import { mulberry32 } from '../random';

/** CrossFit's five seeds, in its order. */
export const CROSSFIT_SEEDS: readonly number[] = [100, 13, 21, 42, 87];
/** Shots per class for classification tasks (train and dev each). */
export const K_CLASSIFICATION = 16;
/** Shots for all other tasks (train and dev each). */
export const K_OTHER = 32;

/** mulberry32 with the seed scrambled first, so CrossFit's small seeds start far apart. */
export function seededRandom(seed: number): () => number {
  return mulberry32(Math.imul(seed | 0, 0x9e3779b1) ^ 0x5bd1e995);
}

/** Fisher-Yates on a copy. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = seededRandom(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

export interface FewShotOptions {
  readonly seed: number;
  /** Sample K per label (the first output is the label) instead of K in total. */
  readonly classification: boolean;
  /** Defaults: 16 per class for classification, 32 otherwise. */
  readonly k?: number;
  /** Named in errors. */
  readonly source?: string;
}

export interface FewShotSample<E extends Example = Example> {
  readonly k: number;
  readonly train: E[];
  readonly dev: E[];
}

export function defaultK(classification: boolean): number {
  return classification ? K_CLASSIFICATION : K_OTHER;
}

/**
 * Train and dev for one seed. A label with fewer than 2K examples gives what it has (train first),
 * as CrossFit does; a sample that would leave train or dev empty is an error.
 */
export function sampleFewShot<E extends Example>(pool: readonly E[], opts: FewShotOptions): FewShotSample<E> {
  const k = opts.k ?? defaultK(opts.classification);
  if (!Number.isInteger(k) || k < 1) {
    throw new TaskError([problem('too-few-examples', `K must be a positive integer, got ${k}`, opts.source)]);
  }
  const order = shuffled(pool, opts.seed);
  // Labels in order of first appearance after the shuffle, as CrossFit's dict insertion order;
  // one group when not classifying.
  const train: E[] = [];
  const dev: E[] = [];
  for (const list of groupByLabel(order, opts.classification)) {
    train.push(...list.slice(0, k));
    dev.push(...list.slice(k, 2 * k));
  }
  if (train.length === 0 || dev.length === 0) {
    // The rule applied above: train takes the first K (of each label), dev only what is left.
    const need = opts.classification
      ? `more than K=${k} examples of some label: the first ${k} of each label go to train, dev gets the next ${k}`
      : `more than K=${k} examples: the first ${k} go to train, dev gets the next ${k}`;
    throw new TaskError([
      problem('too-few-examples', `${pool.length} examples are too few for a train and a dev set (a CrossFit draw needs ${need}). A table's "split" column (train, dev or test on every row) chooses the split yourself.`, opts.source),
    ]);
  }
  return { k, train, dev };
}

/** Whether a CrossFit draw from `pool` gives a dev set: some label (or the pool) has more than K examples. */
export function crossfitDrawFits(pool: readonly Example[], classification: boolean, k: number): boolean {
  if (!classification) return pool.length > k;
  const counts = new Map<string, number>();
  for (const ex of pool) {
    const label = ex.outputs[0] ?? '';
    const n = (counts.get(label) ?? 0) + 1;
    if (n > k) return true;
    counts.set(label, n);
  }
  return false;
}

/**
 * How many of a group's `n` rows a small split keeps for dev (and, when it holds out a test set,
 * for test): one in ten, at least one, and only while train keeps one (dev from 2 rows, test from 3).
 */
export function smallShare(n: number, holdsTest: boolean): { train: number; dev: number; test: number } {
  const share = Math.max(1, Math.floor(n / 10));
  const test = holdsTest && n >= 3 ? share : 0;
  const dev = n >= 2 ? share : 0;
  return { train: n - test - dev, dev, test };
}

export interface SmallSplitOptions {
  readonly seed: number;
  readonly classification: boolean;
  /** Hold out a test set too (a table without a `split` column); else the rows are train and dev only. */
  readonly holdsTest: boolean;
}

/**
 * The split of a table too small for CrossFit's K (see crossfitDrawFits): per group (each label for
 * classification, the whole table otherwise) smallShare's counts. The test rows are drawn once with
 * a seed of their own, so they are the same for every few-shot seed; dev is drawn per seed from the
 * rest. Train or dev may come out empty (no group has 2 rows): the caller says so.
 */
export function smallSplit<E extends Example>(pool: readonly E[], opts: SmallSplitOptions): { train: E[]; dev: E[]; test: E[] } {
  const groups = groupByLabel(shuffled(pool, HOLDOUT_SEED), opts.classification);
  const train: E[] = [];
  const dev: E[] = [];
  const test: E[] = [];
  for (const group of groups) {
    const n = smallShare(group.length, opts.holdsTest);
    test.push(...group.slice(0, n.test));
    const rest = shuffled(group.slice(n.test), opts.seed);
    dev.push(...rest.slice(0, n.dev));
    train.push(...rest.slice(n.dev));
  }
  return { train, dev, test };
}

/** Groups by label in order of first appearance (or one group when not classifying). */
function groupByLabel<E extends Example>(order: readonly E[], classification: boolean): E[][] {
  if (!classification) return [order.slice()];
  const byLabel = new Map<string, E[]>();
  for (const ex of order) {
    const label = ex.outputs[0] ?? '';
    const list = byLabel.get(label);
    if (list) list.push(ex);
    else byLabel.set(label, [ex]);
  }
  return [...byLabel.values()];
}

/**
 * A test set held out once, before any few-shot draw, with a seed of its own so it is the same for
 * every few-shot seed (CrossFit evaluates all seeds on one test set).
 */
const HOLDOUT_SEED = 0;

export function holdOutTest<E extends Example>(
  pool: readonly E[],
  opts: { readonly fraction?: number; readonly max?: number } = {},
): { rest: E[]; test: E[] } {
  const fraction = opts.fraction ?? 0.2;
  const max = opts.max ?? 1000;
  const n = Math.min(max, Math.floor(pool.length * fraction));
  const order = shuffled(pool, HOLDOUT_SEED);
  return { test: order.slice(0, n), rest: order.slice(n) };
}
