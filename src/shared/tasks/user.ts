// A user's own labelled table as a CrossFit-style few-shot task: a fixed test set held out once,
// then train/dev drawn per seed (K per class for classification, K in total otherwise).

import type { Example, MetricName, SplitName, Task } from './types';
import { TaskError, problem } from './errors';
import { DEFAULT_METRIC, UNKNOWN_CATEGORY, isClassificationCategory } from './catalogue';
import { CROSSFIT_SEEDS, defaultK, holdOutTest, sampleFewShot } from './sampling';
import type { LoadedTask } from './types';

export interface UserTaskOptions {
  readonly category?: string;
  readonly metric?: MetricName;
  /** Default: CrossFit's 100, 13, 21, 42, 87. */
  readonly seeds?: readonly number[];
  /** Default: from the category ("cls/..."), else guessed from the labels (see looksLikeClassification). */
  readonly classification?: boolean;
  /** Default 16 per class (classification) or 32. */
  readonly k?: number;
  /** Share of a table without a `split` column held out as the test set (default 0.2, at most 1000). */
  readonly testFraction?: number;
  readonly maxTest?: number;
}

/**
 * Few labels, each seen several times, means classification. Only a default for tables nobody
 * categorised; the user can say otherwise.
 */
function looksLikeClassification(examples: readonly Example[]): boolean {
  const labels = new Set(examples.map((e) => e.outputs[0]));
  return labels.size <= 50 && labels.size * 4 <= examples.length;
}

/** An example of a user's pool; `line` (for errors) and `split` are optional. */
export type PoolRow = Example & { readonly line?: number; readonly split?: SplitName };

/** Seed 0 marks data used as given (train and dev both in the table): nothing was sampled. */
const GIVEN_SEED = 0;

export function userTask(
  name: string,
  rows: readonly PoolRow[],
  opts: UserTaskOptions = {},
  path = name,
  origin: LoadedTask['origin'] = 'unknown',
): LoadedTask {
  const category = opts.category ?? UNKNOWN_CATEGORY;
  const metric = opts.metric ?? DEFAULT_METRIC;
  const strip = (list: readonly PoolRow[]): Example[] => list.map(({ input, outputs }) => ({ input, outputs }));
  const withSplit = rows.filter((r) => r.split !== undefined);
  if (withSplit.length > 0 && withSplit.length < rows.length) {
    const row = rows.find((r) => r.split === undefined)!;
    const where = row.line === undefined ? `row ${rows.indexOf(row) + 1}: ` : '';
    throw new TaskError([problem('bad-field', `${where}some rows have a split and this one has none`, path, row.line)]);
  }
  const given = (s: string) => rows.filter((r) => r.split === s);
  const base = { name, category, metric };
  const done = (k: number, bySeed: Task[]): LoadedTask => ({
    ...base,
    k,
    seeds: bySeed.map((t) => t.seed),
    bySeed,
    origin: opts.category !== undefined || opts.metric !== undefined ? origin : 'unknown',
    format: 'table',
    files: [path],
  });

  if (withSplit.length > 0 && given('dev').length > 0) {
    if (given('train').length === 0) throw new TaskError([problem('too-few-examples', 'the table has dev rows but no train rows', path)]);
    const train = strip(given('train'));
    return done(train.length, [{ ...base, k: train.length, seed: GIVEN_SEED, train, dev: strip(given('dev')), test: strip(given('test')) }]);
  }

  let pool: readonly PoolRow[];
  let test: Example[];
  if (withSplit.length > 0) {
    pool = given('train');
    test = strip(given('test'));
  } else {
    const held = holdOutTest(rows, {
      ...(opts.testFraction !== undefined && { fraction: opts.testFraction }),
      ...(opts.maxTest !== undefined && { max: opts.maxTest }),
    });
    pool = held.rest;
    test = strip(held.test);
  }
  const classification =
    opts.classification ?? (category !== UNKNOWN_CATEGORY ? isClassificationCategory(category) : looksLikeClassification(pool));
  const k = opts.k ?? defaultK(classification);
  const seeds = opts.seeds ?? CROSSFIT_SEEDS;
  const bySeed = seeds.map((seed): Task => {
    const s = sampleFewShot(pool, { seed, classification, k, source: path });
    return { ...base, k, seed, train: strip(s.train), dev: strip(s.dev), test };
  });
  return done(k, bySeed);
}
