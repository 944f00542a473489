// What the embedded BART is pre-trained on: text from the built-in task world's TRAINING tasks
// only. A task that any split evaluates on (test or out-of-domain test, in any of the three
// splits) is excluded, with its name and every one of its examples; see README.md here.
//
// The corpus is generated with the world's own sampler under data seeds that no downstream
// few-shot split uses (PRETRAIN_SEEDS, disjoint from CrossFit's 100/13/21/42/87), from the
// train and dev draws of each task; test draws are never used. Examples whose input occurs in
// any task's test set or anywhere in a held-out task are dropped too: closed-world families
// share inputs across variants and splits by design, and this removes even those collisions.
import type { Example, Task } from '../../shared/tasks/types';
import { CROSSFIT_SEEDS } from '../../shared/tasks/sampling';
import { builtinSplits, builtinTasks } from '../../shared/tasks/world/index';

export class CorpusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorpusError';
  }
}

/** A task split as the built-in world (and CrossFit) define it: task names only. */
export interface SplitLike {
  readonly train: readonly string[];
  readonly test: readonly string[];
  readonly testOutOfDomain?: readonly string[];
}

/** Where the corpus comes from: tasks per data seed, the splits, and the downstream seeds. */
export interface TaskWorld {
  tasks(seed: number): readonly Task[];
  readonly splits: Readonly<Record<string, SplitLike>>;
  /** Seeds whose few-shot data downstream runs use (CrossFit's five). */
  readonly downstreamSeeds: readonly number[];
}

/** Data seeds for pre-training text; chosen outside CrossFit's seeds {100, 13, 21, 42, 87}. */
export const PRETRAIN_SEEDS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8];

export interface CorpusOptions {
  /** Data seeds to draw training-task examples from (must not be downstream seeds). */
  readonly seeds: readonly number[];
  /** Examples of one task concatenated into one denoising document (gives sentence permutation something to permute). */
  readonly examplesPerDocument: number;
  /** Also emit supervised multi-task pairs (" [task] input" -> output) from the training tasks. */
  readonly supervised: boolean;
}

export const CORPUS_DEFAULTS: CorpusOptions = { seeds: PRETRAIN_SEEDS, examplesPerDocument: 4, supervised: false };

export interface SupervisedExample {
  readonly task: string;
  readonly input: string;
  readonly output: string;
}

export interface PretrainCorpus {
  /** Tasks the text comes from, sorted: in some split's train list and in no split's test lists. */
  readonly trainingTasks: readonly string[];
  /** Union over all splits of test and testOutOfDomain, sorted: never seen in pre-training. */
  readonly heldOutTasks: readonly string[];
  /** Training tasks that contribute nothing: every draw collided with a test input (closed-world families). */
  readonly emptyTasks: readonly string[];
  /** Every kept example, grouped by task (sorted by name), in the order documents are cut from. */
  readonly examples: readonly SupervisedExample[];
  /** Denoising documents (plain text, no task names): runs of examplesPerDocument examples of one task. */
  readonly documents: readonly string[];
  /** Supervised pairs (empty unless options.supervised). */
  readonly supervised: readonly SupervisedExample[];
  readonly stats: {
    readonly examplesDrawn: number;
    readonly duplicatesDropped: number;
    /** Examples dropped because their input occurs in a test set or in a held-out task. */
    readonly overlapDropped: number;
    readonly examplesKept: number;
  };
}

/** Every task that some split tests on (in-domain or out-of-domain). */
export function heldOutTaskNames(splits: Readonly<Record<string, SplitLike>>): Set<string> {
  const out = new Set<string>();
  for (const s of Object.values(splits)) {
    for (const n of s.test) out.add(n);
    for (const n of s.testOutOfDomain ?? []) out.add(n);
  }
  return out;
}

/** Tasks in some split's train list and in no split's test lists, sorted. */
export function trainingTaskNames(splits: Readonly<Record<string, SplitLike>>): string[] {
  const held = heldOutTaskNames(splits);
  const train = new Set<string>();
  for (const s of Object.values(splits)) for (const n of s.train) if (!held.has(n)) train.add(n);
  return [...train].sort();
}

/** The text of one example in a denoising document: its input followed by its (first) output. */
export function exampleText(ex: Example): string {
  const out = ex.outputs[0] ?? '';
  return out.length > 0 ? `${ex.input} ${out}` : ex.input;
}

export function buildPretrainCorpus(world: TaskWorld, options: CorpusOptions = CORPUS_DEFAULTS): PretrainCorpus {
  if (!Number.isInteger(options.examplesPerDocument) || options.examplesPerDocument < 1) {
    throw new CorpusError(`examplesPerDocument must be a positive integer, got ${options.examplesPerDocument}`);
  }
  if (options.seeds.length === 0) throw new CorpusError('no data seeds given for the pre-training corpus');
  const clash = options.seeds.filter((s) => world.downstreamSeeds.includes(s));
  if (clash.length > 0) {
    throw new CorpusError(`pre-training seeds ${clash.join(', ')} are downstream few-shot seeds; pick seeds outside ${world.downstreamSeeds.join(', ')}`);
  }
  const held = heldOutTaskNames(world.splits);
  const training = new Set(trainingTaskNames(world.splits));
  if (training.size === 0) throw new CorpusError('the splits leave no training task for the pre-training corpus');

  // Inputs that must never be seen: every test input of every task, and every input of a
  // held-out task under any seed we look at (downstream and pre-training).
  const forbidden = new Set<string>();
  const perSeed = new Map<number, readonly Task[]>();
  for (const seed of [...new Set([...world.downstreamSeeds, ...options.seeds])]) {
    const tasks = world.tasks(seed);
    perSeed.set(seed, tasks);
    for (const t of tasks) {
      for (const ex of t.test) forbidden.add(ex.input);
      if (held.has(t.name)) for (const ex of [...t.train, ...t.dev]) forbidden.add(ex.input);
    }
  }

  const byTask = new Map<string, Example[]>();
  const seen = new Set<string>();
  let drawn = 0;
  let duplicates = 0;
  let overlap = 0;
  for (const seed of options.seeds) {
    for (const t of perSeed.get(seed)!) {
      if (!training.has(t.name)) continue;
      for (const ex of [...t.train, ...t.dev]) {
        drawn++;
        if (forbidden.has(ex.input)) { overlap++; continue; }
        const key = `${t.name}\u0000${ex.input}\u0000${ex.outputs[0] ?? ''}`;
        if (seen.has(key)) { duplicates++; continue; }
        seen.add(key);
        let list = byTask.get(t.name);
        if (!list) byTask.set(t.name, (list = []));
        list.push(ex);
      }
    }
  }

  const documents: string[] = [];
  const examples: SupervisedExample[] = [];
  for (const name of [...byTask.keys()].sort()) {
    const list = byTask.get(name)!;
    for (let i = 0; i < list.length; i += options.examplesPerDocument) {
      documents.push(list.slice(i, i + options.examplesPerDocument).map(exampleText).join(' '));
    }
    for (const ex of list) examples.push({ task: name, input: ex.input, output: ex.outputs[0] ?? '' });
  }
  return {
    trainingTasks: [...training].sort(),
    heldOutTasks: [...held].sort(),
    emptyTasks: [...training].filter((n) => !byTask.has(n)).sort(),
    examples,
    documents,
    supervised: options.supervised ? examples.filter((e) => e.output.length > 0) : [],
    stats: { examplesDrawn: drawn, duplicatesDropped: duplicates, overlapDropped: overlap, examplesKept: seen.size },
  };
}

/** The built-in task world as a corpus source (tasks per seed are generated once and cached). */
function builtinTaskWorld(): TaskWorld {
  const cache = new Map<number, readonly Task[]>();
  return {
    tasks(seed: number): readonly Task[] {
      let t = cache.get(seed);
      if (!t) cache.set(seed, (t = builtinTasks(seed)));
      return t;
    },
    splits: builtinSplits(),
    downstreamSeeds: CROSSFIT_SEEDS,
  };
}

/** The embedded model's pre-training corpus (see README.md for exactly what it contains). */
export function builtinPretrainCorpus(options: Partial<CorpusOptions> = {}): PretrainCorpus {
  return buildPretrainCorpus(builtinTaskWorld(), { ...CORPUS_DEFAULTS, ...options });
}
