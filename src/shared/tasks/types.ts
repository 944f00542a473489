// The task model shared by loaders, the built-in task world, metrics and the tuning pipeline.

/** CrossFit's seven metrics, under the names its reference code uses. */
export type MetricName =
  | 'ACC'
  | 'EM'
  | 'QA-F1'
  | 'Classification-F1'
  | 'Matthew-Correlation'
  | 'Pearson-Correlation'
  | 'Rouge-L';

export const METRIC_NAMES: readonly MetricName[] = [
  'ACC', 'EM', 'QA-F1', 'Classification-F1', 'Matthew-Correlation', 'Pearson-Correlation', 'Rouge-L',
];

export type SplitName = 'train' | 'dev' | 'test';

/** One example: an input text and one or more acceptable outputs (the first is the training target). */
export interface Example {
  readonly input: string;
  readonly outputs: readonly string[];
}

export interface Task {
  readonly name: string;
  /** Two-level category as in CrossFit's ontology, e.g. "cls/sentiment analysis"; "unknown" if not catalogued. */
  readonly category: string;
  readonly metric: MetricName;
  /** Shots (CrossFit's K; 16 in the released few-shot files). */
  readonly k: number;
  readonly seed: number;
  readonly train: readonly Example[];
  readonly dev: readonly Example[];
  readonly test: readonly Example[];
}

/** One task with all its seeds, as found in the files (name, category, metric and k as its Tasks'). */
export interface LoadedTask extends Pick<Task, 'name' | 'category' | 'metric' | 'k'> {
  /** CrossFit's seed order (100, 13, 21, 42, 87) first, then any others ascending. */
  readonly seeds: readonly number[];
  /** One Task per seed, in the order of `seeds`. */
  readonly bySeed: readonly Task[];
  /** Where category and metric came from. */
  readonly origin: 'tasks.json' | 'catalogue' | 'unknown' | 'given';
  readonly format: 'tsv' | 'jsonl' | 'table' | 'builtin';
  /** The files it was read from (empty for built-in tasks). */
  readonly files: readonly string[];
  /** How a user's table was split (format 'table' only); describeTableSplit says it in words. */
  readonly tableSplit?: TableSplit;
}

/**
 * Which split a user's table got: `given` (its `split` column has train and dev rows), `crossfit`
 * (CrossFit's K per label or K in total for train and for dev), `small` (too few rows for that K,
 * see smallSplit). Counts are of the first seed (they are the same for every seed).
 */
export interface TableSplit {
  readonly how: 'given' | 'crossfit' | 'small';
  /** Where test came from: the `split` column or held out of the table. */
  readonly test: 'column' | 'held-out';
  readonly rows: number;
  readonly classification: boolean;
  /** CrossFit's K that was (or, for `small`, could not be) applied. */
  readonly k: number;
  readonly counts: { readonly train: number; readonly dev: number; readonly test: number };
}

/** One task's data at one seed, as the tuning phases need it (a Task is one). */
export type TaskData = Pick<Task, 'name' | 'metric' | 'train' | 'dev' | 'test'>;
