// A user's own labelled table as a CrossFit-style few-shot task: a fixed test set held out once,
// then train/dev drawn per seed (K per class for classification, K in total otherwise).

import type { Example, MetricName, SplitName, TableSplit, Task } from './types';
import { TaskError, problem } from './errors';
import { DEFAULT_METRIC, UNKNOWN_CATEGORY, isClassificationCategory } from './catalogue';
import { CROSSFIT_SEEDS, crossfitDrawFits, defaultK, holdOutTest, sampleFewShot, smallSplit } from './sampling';
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

const SPLIT_HINT = 'Or add a "split" column (train, dev or test on every row) to choose the split yourself.';

/**
 * Splits a user's table (see the module README for the whole rule):
 * - a `split` column with dev rows: used as given;
 * - otherwise a test set is held out (the `split` column's test rows, else a fixed 20% of the
 *   table), and when some label (for other tasks: the rest of the table) has more than K rows left,
 *   each seed draws CrossFit's K per label (K in total) for train and the next K for dev;
 * - when no label has, the table is too small for K and gets smallSplit instead: per label (the whole
 *   table for other tasks) one row in ten, at least one, for dev and, without a `split` column, the
 *   same for test (from the label's full count; test only from 3 rows, dev from 2), the rest train.
 * Refused only when that leaves dev empty: no label has 2 rows.
 */
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
    throw new TaskError([problem('bad-field', `${where}some rows have a split and this one has none (the "split" column needs train, dev or test on every row)`, path, row.line)]);
  }
  const given = (s: string) => rows.filter((r) => r.split === s);
  const base = { name, category, metric };
  const isClassification = (pool: readonly Example[]) =>
    opts.classification ?? (category !== UNKNOWN_CATEGORY ? isClassificationCategory(category) : looksLikeClassification(pool));
  const done = (k: number, bySeed: Task[], split: Pick<TableSplit, 'how' | 'test' | 'classification'>): LoadedTask => {
    const first = bySeed[0]!;
    return {
      ...base,
      k,
      seeds: bySeed.map((t) => t.seed),
      bySeed,
      origin: opts.category !== undefined || opts.metric !== undefined ? origin : 'unknown',
      format: 'table',
      files: [path],
      tableSplit: { ...split, rows: rows.length, k, counts: { train: first.train.length, dev: first.dev.length, test: first.test.length } },
    };
  };
  const tooFew = (detail: string) => new TaskError([problem('too-few-examples', detail, path)]);

  if (withSplit.length > 0 && given('dev').length > 0) {
    if (given('train').length === 0) throw tooFew('the "split" column has dev rows but no train rows: mark some rows "train"');
    const train = strip(given('train'));
    const split = { how: 'given', test: 'column', classification: isClassification(train) } as const;
    return done(train.length, [{ ...base, k: train.length, seed: GIVEN_SEED, train, dev: strip(given('dev')), test: strip(given('test')) }], split);
  }

  const fromColumn = withSplit.length > 0;
  let pool: readonly PoolRow[];
  let test: Example[];
  if (fromColumn) {
    pool = given('train');
    test = strip(given('test'));
    if (pool.length === 0) throw tooFew('the "split" column has no train rows (and no dev rows): mark rows "train" and "dev", or drop the column to have the table split for you');
  } else {
    const held = holdOutTest(rows, {
      ...(opts.testFraction !== undefined && { fraction: opts.testFraction }),
      ...(opts.maxTest !== undefined && { max: opts.maxTest }),
    });
    pool = held.rest;
    test = strip(held.test);
  }
  const testShare = `${Math.round((opts.testFraction ?? 0.2) * 100)}%`;
  const classification = isClassification(pool);
  const k = opts.k ?? defaultK(classification);
  const seeds = opts.seeds ?? CROSSFIT_SEEDS;
  const testFrom = fromColumn ? 'column' : 'held-out';

  if (crossfitDrawFits(pool, classification, k)) {
    const bySeed = seeds.map((seed): Task => {
      const s = sampleFewShot(pool, { seed, classification, k, source: path });
      return { ...base, k, seed, train: strip(s.train), dev: strip(s.dev), test };
    });
    return done(k, bySeed, { how: 'crossfit', test: testFrom, classification });
  }

  // Too few rows for K: the smaller split, of the whole table (or of its train rows, beside the column's test rows).
  const holdsTest = !fromColumn && (opts.testFraction ?? 0.2) > 0;
  const source = fromColumn ? pool : rows;
  const bySeed = seeds.map((seed): Task => {
    const s = smallSplit(source, { seed, classification, holdsTest });
    return { ...base, k, seed, train: strip(s.train), dev: strip(s.dev), test: fromColumn ? test : strip(s.test) };
  });
  if (bySeed[0]!.dev.length === 0) {
    const n = source.length;
    const what = fromColumn ? `the "split" column gives ${n} train row${n === 1 ? '' : 's'} and no dev rows, ` : `${n} row${n === 1 ? ' is' : 's are'} `;
    const need = classification ? 'at least 2 rows of some label' : 'at least 2 rows';
    const rule = fromColumn
      ? `dev is then drawn from the train rows (per label one in ten, at least one, while a train row is left), so it needs ${need}`
      : `a table with no more than K=${k} rows ${classification ? 'of any label ' : ''}once a ${testShare} test set is held out is split ${classification ? 'per label ' : ''}one row in ten, at least one, for dev and for test (dev from 2 rows, test from 3) and the rest for train, so it needs ${need}`;
    throw tooFew(`${what}too few for a train and a dev set: ${rule}. ${fromColumn ? 'Or mark some rows "dev" yourself.' : SPLIT_HINT}`);
  }
  return done(k, bySeed, { how: 'small', test: testFrom, classification });
}

/** The split a table got, in words, for the Tasks screen and `tasks inspect`: "20 rows: 16 train, 2 dev, 2 test (...)". */
export function describeTableSplit(s: TableSplit): string {
  const counts = `${s.rows} row${s.rows === 1 ? '' : 's'}: ${s.counts.train} train, ${s.counts.dev} dev, ${s.counts.test} test`;
  const per = s.classification ? ' per label' : '';
  const fromColumn = s.test === 'column' ? ', test from the split column' : '';
  if (s.how === 'given') return `${counts} (as the split column says)`;
  if (s.how === 'crossfit') {
    return `${counts} (CrossFit's K=${s.k}${per} for train and for dev${fromColumn || ', a fixed 20% held out for test'})`;
  }
  const shares = `${per.trim() ? 'per label ' : ''}a tenth, at least one, for dev${fromColumn ? '' : ' and for test'}`;
  return `${counts} (too few rows for CrossFit's K=${s.k}${per}, so a smaller split: ${shares}${fromColumn})`;
}
