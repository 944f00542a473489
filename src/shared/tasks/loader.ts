// From a list of {path, text} to tasks, all or nothing. Recognises CrossFit's layout
// `{task}/{task}_{k}_{seed}_{split}.tsv`, the same names with `.jsonl` (MetaICL-style lines), an
// optional `tasks.json` ({task: {category, metric}}, as in ../shared/crossfit-sample), and any
// other .tsv/.csv/.jsonl as a user's own table (one task, named after the file).

import type { Example, LoadedTask, MetricName, SplitName, Task } from './types';
import { ProblemList, TaskError, problem, type TaskProblem } from './errors';
import { basename, dirname, fetchTextFiles, normalizePath, readPickedFiles, type FetchLike, type PickedFile, type TextFile } from './source';
import { isSplitName, parseCrossfitTsv, parseJsonl, parseUserTable, userFormatOf, type LineExample } from './parse';
import { DEFAULT_METRIC, UNKNOWN_CATEGORY, catalogueEntry, checkRecategorize, isMetricName, type Recategorize } from './catalogue';
import { CROSSFIT_SEEDS } from './sampling';
import { userTask, type UserTaskOptions } from './user';
import { withTaskPrefix } from './transform';

export interface LoadResult {
  readonly tasks: readonly LoadedTask[];
  /** Files that were not read, and why (other formats of the same task, READMEs, hidden files). */
  readonly ignored: readonly { readonly path: string; readonly reason: string }[];
}

export interface LoadOptions {
  /** Which CrossFit-named files to read; `auto` takes TSV where a task has both. Default `auto`. */
  readonly format?: 'auto' | 'tsv' | 'jsonl';
  /** JSONL: append `options` to the input as CrossFit's TSV does (` (A) x (B) y`). Default false. */
  readonly appendOptions?: boolean;
  /** Prefix every input with ` [task_name] ` as the reference code did. Default false. */
  readonly taskPrefix?: boolean;
  /** How user tables (files not in CrossFit's naming) are turned into few-shot tasks. */
  readonly table?: UserTaskOptions;
}

const CROSSFIT_NAME = /^(.+)_(\d+)_(\d+)_([^_/]+)\.(tsv|jsonl)$/i;

interface CrossfitFile {
  readonly file: TextFile;
  readonly task: string;
  readonly k: number;
  readonly seed: number;
  readonly split: SplitName;
  readonly ext: 'tsv' | 'jsonl';
}

/** Orders seeds the way CrossFit lists them, so "the first seed" means the same everywhere. */
export function compareSeeds(a: number, b: number): number {
  const ia = CROSSFIT_SEEDS.indexOf(a);
  const ib = CROSSFIT_SEEDS.indexOf(b);
  if (ia >= 0 && ib >= 0) return ia - ib;
  if (ia >= 0) return -1;
  if (ib >= 0) return 1;
  return a - b;
}

/** Loads every task in `files`, or throws one TaskError listing every problem found. */
export function loadTasks(files: readonly TextFile[], opts: LoadOptions = {}): LoadResult {
  const problems = new ProblemList();
  const ignored: { path: string; reason: string }[] = [];
  const crossfit: CrossfitFile[] = [];
  const tables: TextFile[] = [];
  const metadataFiles: TextFile[] = [];
  const seenPaths = new Map<string, string>();

  for (const raw of files) {
    const path = normalizePath(raw.path) || raw.path;
    const file: TextFile = { path, text: raw.text };
    const prior = seenPaths.get(path);
    if (prior !== undefined) {
      problems.add(problem('duplicate-task', 'the same file was given twice', path));
      continue;
    }
    seenPaths.set(path, path);
    const name = basename(path);
    if (name.startsWith('.')) {
      ignored.push({ path, reason: 'hidden file' });
      continue;
    }
    if (name === 'tasks.json') {
      metadataFiles.push(file);
      continue;
    }
    const m = CROSSFIT_NAME.exec(name);
    if (m) {
      const [, task, k, seed, split, ext] = m as unknown as [string, string, string, string, string, string];
      if (!isSplitName(split)) {
        problems.add(problem('unknown-split', `unknown split "${split}" in the file name (CrossFit names end in _train, _dev or _test; rename a table that is not CrossFit data)`, path));
        continue;
      }
      crossfit.push({ file, task, k: Number(k), seed: Number(seed), split, ext: ext.toLowerCase() as 'tsv' | 'jsonl' });
      continue;
    }
    if (userFormatOf(name)) tables.push(file);
    else ignored.push({ path, reason: 'not a task file (.tsv, .csv, .jsonl or tasks.json)' });
  }

  const metadata = readMetadata(metadataFiles, problems);
  const chosen = chooseFormat(crossfit, opts.format ?? 'auto', ignored);
  const loaded: LoadedTask[] = [];
  const byTask = groupBy(chosen, (f) => f.task);
  for (const [task, taskFiles] of byTask) {
    const t = buildCrossfitTask(task, taskFiles, metadata, opts, problems);
    if (t) loaded.push(t);
  }

  // Each table is its own task; its name must not clash with another task.
  const names = new Map<string, string>(loaded.map((t) => [t.name, t.files[0] ?? '']));
  for (const file of tables) {
    const name = basename(file.path).replace(/\.(tsv|csv|jsonl)$/i, '');
    const clash = names.get(name);
    if (clash !== undefined) {
      problems.add(problem('duplicate-task', `task "${name}" is also defined by ${clash}`, file.path));
      continue;
    }
    names.set(name, file.path);
    const before = problems.count;
    const rows = parseUserTable(file, problems);
    if (problems.count !== before) continue;
    try {
      // Explicit options win over tasks.json, which wins over the catalogue.
      const meta = metadata.get(name) ?? catalogueEntry(name);
      const given = opts.table?.category !== undefined || opts.table?.metric !== undefined;
      const origin = given ? 'given' : metadata.has(name) ? 'tasks.json' : meta ? 'catalogue' : 'unknown';
      const tableOpts = { ...(meta && { category: meta.category, metric: meta.metric }), ...opts.table };
      loaded.push(userTask(name, rows, tableOpts, file.path, origin));
    } catch (err) {
      if (!(err instanceof TaskError)) throw err;
      err.problems.forEach((p) => problems.add(p));
    }
  }

  for (const name of metadata.keys()) {
    if (!names.has(name) && !byTask.has(name) && loaded.length > 0) {
      // Metadata for a task that is not there is harmless (a shared tasks.json), so only noted.
      ignored.push({ path: 'tasks.json', reason: `entry "${name}" has no task files` });
    }
  }

  if (problems.empty && loaded.length === 0) {
    problems.add(
      problem('no-tasks', 'no task files found (expected {task}/{task}_{k}_{seed}_{train|dev|test}.tsv, .jsonl, or a .tsv/.csv/.jsonl table)'),
    );
  }
  problems.throwIfAny();
  loaded.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tasks = opts.taskPrefix ? loaded.map((t) => ({ ...t, bySeed: t.bySeed.map(withTaskPrefix) })) : loaded;
  return { tasks, ignored };
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

function chooseFormat(files: readonly CrossfitFile[], format: 'auto' | 'tsv' | 'jsonl', ignored: { path: string; reason: string }[]): CrossfitFile[] {
  const out: CrossfitFile[] = [];
  for (const [, taskFiles] of groupBy(files, (f) => f.task)) {
    const hasTsv = taskFiles.some((f) => f.ext === 'tsv');
    const keep: 'tsv' | 'jsonl' = format === 'auto' ? (hasTsv ? 'tsv' : 'jsonl') : format;
    for (const f of taskFiles) {
      if (f.ext === keep) out.push(f);
      else ignored.push({ path: f.file.path, reason: format === 'auto' ? 'the task also has CrossFit TSV files, which are read instead' : `format "${format}" was asked for` });
    }
  }
  return out;
}

type Metadata = Map<string, { category: string; metric: MetricName }>;

function readMetadata(files: readonly TextFile[], problems: ProblemList): Metadata {
  const out: Metadata = new Map();
  for (const file of files) {
    let value: unknown;
    try {
      value = JSON.parse(file.text);
    } catch (err) {
      problems.add(problem('bad-json', `bad JSON: ${(err as Error).message}`, file.path, jsonErrorLine(file.text, err)));
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.add(problem('bad-metadata', 'tasks.json must be an object {task: {category, metric}}', file.path));
      continue;
    }
    for (const [task, entry] of Object.entries(value as Record<string, unknown>)) {
      const e = entry as { category?: unknown; metric?: unknown } | null;
      const category = e && typeof e === 'object' ? e.category : undefined;
      const metric = e && typeof e === 'object' ? e.metric : undefined;
      if (typeof category !== 'string' || !isMetricName(metric)) {
        problems.add(problem('bad-metadata', `entry "${task}" needs a string "category" and a CrossFit "metric"`, file.path, lineOfKey(file.text, task)));
        continue;
      }
      try {
        checkRecategorize({ category, metric });
      } catch (err) {
        if (!(err instanceof TaskError)) throw err;
        problems.add(problem('bad-metadata', `entry "${task}": ${err.problems[0]?.message ?? 'bad value'}`, file.path, lineOfKey(file.text, task)));
        continue;
      }
      const prior = out.get(task);
      if (prior && (prior.category !== category || prior.metric !== metric)) {
        problems.add(problem('bad-metadata', `entry "${task}" disagrees with another tasks.json`, file.path, lineOfKey(file.text, task)));
        continue;
      }
      out.set(task, { category, metric });
    }
  }
  return out;
}

/** V8 reports "at position N"; turn that into a line number when present. */
function jsonErrorLine(text: string, err: unknown): number | undefined {
  const m = /position (\d+)/.exec((err as Error).message ?? '');
  if (!m) return undefined;
  return text.slice(0, Number(m[1])).split('\n').length;
}

function lineOfKey(text: string, key: string): number | undefined {
  const at = text.indexOf(JSON.stringify(key));
  return at < 0 ? undefined : text.slice(0, at).split('\n').length;
}

function buildCrossfitTask(
  task: string,
  files: readonly CrossfitFile[],
  metadata: Metadata,
  opts: LoadOptions,
  problems: ProblemList,
): LoadedTask | undefined {
  const before = problems.count;
  const first = files[0]!;

  // A task lives in one folder; two folders holding it mean two copies that could disagree.
  const dirs = [...new Set(files.map((f) => dirname(f.file.path)))];
  if (dirs.length > 1) {
    const other = files.find((f) => dirname(f.file.path) !== dirname(first.file.path))!;
    problems.add(problem('duplicate-task', `task "${task}" is also in ${other.file.path}`, first.file.path));
  }
  const byKey = new Map<string, CrossfitFile>();
  for (const f of files) {
    const key = `${f.seed}/${f.split}`;
    const prior = byKey.get(key);
    if (prior) problems.add(problem('duplicate-task', `task "${task}" seed ${f.seed} ${f.split} is also in ${prior.file.path}`, f.file.path));
    else byKey.set(key, f);
  }
  const ks = [...new Set(files.map((f) => f.k))];
  if (ks.length > 1) {
    const odd = files.find((f) => f.k !== first.k)!;
    problems.add(problem('inconsistent-k', `task "${task}" mixes K=${first.k} (${first.file.path}) and K=${odd.k}`, odd.file.path));
  }

  const seedsOf = (split: SplitName) => new Set(files.filter((f) => f.split === split).map((f) => f.seed));
  const train = seedsOf('train');
  const dev = seedsOf('dev');
  const test = seedsOf('test');
  const seeds = [...new Set([...train, ...dev, ...test])].sort(compareSeeds);
  for (const seed of seeds) {
    const missing = (['train', 'dev'] as const).filter((s) => !(s === 'train' ? train : dev).has(seed));
    if (missing.length > 0) {
      const any = files.find((f) => f.seed === seed)!;
      problems.add(
        problem(
          'inconsistent-seeds',
          `task "${task}" seed ${seed} has no ${missing.join(' or ')} file (seeds with train: ${fmtSeeds(train)}; with dev: ${fmtSeeds(dev)})`,
          any.file.path,
        ),
      );
    }
  }

  const examples = new Map<string, LineExample[]>();
  for (const f of byKey.values()) {
    const parsed =
      f.ext === 'tsv'
        ? parseCrossfitTsv(f.file, problems)
        : parseJsonl(f.file, problems, { expectedTask: task, ...(opts.appendOptions !== undefined && { appendOptions: opts.appendOptions }) });
    examples.set(`${f.seed}/${f.split}`, parsed);
  }
  if (problems.count !== before) return undefined;

  const meta = metadata.get(task) ?? catalogueEntry(task);
  const origin = metadata.has(task) ? 'tasks.json' : meta ? 'catalogue' : 'unknown';
  const category = meta?.category ?? UNKNOWN_CATEGORY;
  const metric = meta?.metric ?? DEFAULT_METRIC;
  // CrossFit's test split is the original test set, identical for every seed, so a seed without
  // a test file (the sample ships it once) uses the first seed's that has one.
  const sharedTestSeed = seeds.find((s) => test.has(s));
  const strip = (list: readonly LineExample[] | undefined): Example[] => (list ?? []).map(({ input, outputs }) => ({ input, outputs }));
  const bySeed: Task[] = seeds.map((seed) => ({
    name: task,
    category,
    metric,
    k: first.k,
    seed,
    train: strip(examples.get(`${seed}/train`)),
    dev: strip(examples.get(`${seed}/dev`)),
    test: strip(examples.get(`${test.has(seed) ? seed : sharedTestSeed}/test`)),
  }));
  return {
    name: task,
    category,
    metric,
    k: first.k,
    seeds,
    bySeed,
    origin,
    format: first.ext,
    files: files.map((f) => f.file.path).sort(),
  };
}

function fmtSeeds(s: ReadonlySet<number>): string {
  return s.size === 0 ? 'none' : [...s].sort(compareSeeds).join(', ');
}

/** A loaded task under a user-chosen category and/or metric, for every seed. */
export function withLoadedCategory(task: LoadedTask, change: Recategorize): LoadedTask {
  checkRecategorize(change);
  const category = change.category ?? task.category;
  const metric = change.metric ?? task.metric;
  return { ...task, category, metric, origin: 'given', bySeed: task.bySeed.map((t) => ({ ...t, category, metric })) };
}

/** Files picked in the browser (`<input type=file multiple webkitdirectory>` or drag and drop). */
export async function loadPickedFiles(files: ArrayLike<PickedFile> | Iterable<PickedFile>, opts: LoadOptions = {}): Promise<LoadResult> {
  return loadTasks(await readPickedFiles(files), opts);
}

/** Files by URL; see fetchTextFiles for giving each URL the relative path the loader should see. */
export async function loadFromUrls(
  entries: readonly (string | { readonly url: string; readonly path?: string })[],
  opts: LoadOptions = {},
  fetchImpl?: FetchLike,
): Promise<LoadResult> {
  return loadTasks(await fetchTextFiles(entries, fetchImpl), opts);
}
