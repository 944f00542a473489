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
  let train: E[];
  let dev: E[];
  if (opts.classification) {
    // Labels in order of first appearance after the shuffle, as CrossFit's dict insertion order.
    const byLabel = new Map<string, E[]>();
    for (const ex of order) {
      const label = ex.outputs[0] ?? '';
      const list = byLabel.get(label);
      if (list) list.push(ex);
      else byLabel.set(label, [ex]);
    }
    train = [];
    dev = [];
    for (const list of byLabel.values()) {
      train.push(...list.slice(0, k));
      dev.push(...list.slice(k, 2 * k));
    }
  } else {
    train = order.slice(0, k);
    dev = order.slice(k, 2 * k);
  }
  if (train.length === 0 || dev.length === 0) {
    const need = opts.classification ? 'at least 2 examples of some label' : 'at least 2 examples';
    throw new TaskError([
      problem('too-few-examples', `${pool.length} examples are too few for a train and a dev set (need ${need})`, opts.source),
    ]);
  }
  return { k, train, dev };
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
