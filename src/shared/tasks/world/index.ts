// The built-in task world: 138 few-shot tasks over a few hundred words, in CrossFit's
// taxonomy and metrics, for the embedded demo (which cannot download real datasets).
// See README.md in this folder for the design.
import { K_CLASSIFICATION, K_OTHER } from '../sampling';
import type { Example, MetricName, Task } from '../types';
import { FAMILIES, type FamilySpec, type VariantSpec } from './families';
import * as lex from './lexicon';
import { fnv1a32 } from '../../hash';
import { makeSampler, type Sampler } from './sampler';

// Train and dev have CrossFit's K (../sampling): K_CLASSIFICATION per class for classification,
// K_OTHER examples for everything else. The data seeds are CrossFit's, CROSSFIT_SEEDS.
/** Test examples per task (at least; classification rounds up to whole classes). */
export const TEST_SIZE = 100;

// Attempts to draw an input not seen in earlier splits before accepting a repeat. Only the
// closed-world families (a few dozen distinct questions) ever run out.
const MAX_TRIES = 60;

const isClassificationCategory = (category: string): boolean => category.startsWith('cls/');

function drawSplit(variant: VariantSpec, rng: Sampler, perClass: number, total: number, seen: Set<string>): Example[] {
  const out: Example[] = [];
  const draw = (cls: number): void => {
    let ex = variant.make(rng, cls);
    for (let t = 1; t < MAX_TRIES && seen.has(ex.input); t++) ex = variant.make(rng, cls);
    seen.add(ex.input);
    out.push({ input: ex.input, outputs: [ex.output, ...(ex.alternatives ?? [])] });
  };
  if (variant.labels) {
    for (let c = 0; c < variant.labels.length; c++) for (let i = 0; i < perClass; i++) draw(c);
  } else {
    for (let i = 0; i < total; i++) draw(-1);
  }
  return rng.shuffle(out);
}

function buildTask(family: FamilySpec, variant: VariantSpec, seed: number, kScale: number): Task {
  const nLabels = variant.labels?.length ?? 0;
  const seen = new Set<string>();
  // The test set depends only on the task, so scores under different data seeds are comparable.
  const test = drawSplit(variant, makeSampler(fnv1a32(`${variant.name}|test`)), Math.ceil(TEST_SIZE / Math.max(nLabels, 1)), TEST_SIZE, seen);
  const rng = makeSampler(fnv1a32(`${variant.name}|seed=${seed}`));
  const [perClass, total] = [K_CLASSIFICATION * kScale, K_OTHER * kScale];
  const train = drawSplit(variant, rng, perClass, total, seen);
  const dev = drawSplit(variant, rng, perClass, total, seen);
  return {
    name: variant.name,
    category: family.category,
    metric: family.metric,
    k: nLabels > 0 ? perClass : total,
    seed,
    train,
    dev,
    test,
  };
}

/**
 * Every task of the world; train/dev are sampled per data seed, test is fixed. `kScale` multiplies
 * CrossFit's K (Fig. 6's data scale: 2 and 4); 1 gives the world's usual tasks, unchanged.
 */
export function builtinTasks(seed = 100, kScale = 1): Task[] {
  if (!Number.isInteger(seed)) throw new Error(`builtinTasks: seed must be an integer, got ${seed}`);
  if (!Number.isInteger(kScale) || kScale < 1) throw new Error(`builtinTasks: kScale must be a positive integer, got ${kScale}`);
  return FAMILIES.flatMap((f) => f.variants.map((v) => buildTask(f, v, seed, kScale)));
}

export type BuiltinSplitName = 'random' | 'cls' | 'non-cls';
export interface BuiltinSplit { train: string[]; test: string[]; testOutOfDomain?: string[] }

/** Tasks held out of training: every task of a held-out skill, and each family's `testVariant`. */
function heldOut(families: readonly FamilySpec[]): string[] {
  return families.flatMap((f) => {
    if (f.heldOutSkill) return f.variants.map((v) => v.name);
    return f.testVariant === undefined ? [] : [f.variants[f.testVariant]!.name];
  });
}

/**
 * The paper's three task splits over the world. random: train on everything but the held-out
 * tasks; cls / non-cls: train on one side only, test on that side's held-out tasks, and on the
 * other side's held-out tasks as out-of-domain.
 */
export function builtinSplits(): Record<BuiltinSplitName, BuiltinSplit> {
  const all = FAMILIES.flatMap((f) => f.variants.map((v) => v.name));
  const cls = FAMILIES.filter((f) => isClassificationCategory(f.category));
  const non = FAMILIES.filter((f) => !isClassificationCategory(f.category));
  const names = (fs: readonly FamilySpec[]): string[] => fs.flatMap((f) => f.variants.map((v) => v.name));
  const randomTest = heldOut(FAMILIES);
  const clsTest = heldOut(cls);
  const nonTest = heldOut(non);
  return {
    random: { train: all.filter((n) => !randomTest.includes(n)), test: randomTest },
    cls: { train: names(cls).filter((n) => !clsTest.includes(n)), test: clsTest, testOutOfDomain: nonTest },
    'non-cls': { train: names(non).filter((n) => !nonTest.includes(n)), test: nonTest, testOutOfDomain: clsTest },
  };
}

export interface TaskFamilyInfo {
  family: string;
  skill: string;
  category: string;
  metric: MetricName;
  tasks: string[];
  example: { input: string; output: string };
  /** No training task of any split has this skill. */
  heldOutSkill: boolean;
}

export const TASK_FAMILIES: TaskFamilyInfo[] = FAMILIES.map((f) => {
  const v = f.variants[0]!;
  const ex = v.make(makeSampler(fnv1a32(`${f.family}|example`)), v.labels ? 0 : -1);
  return {
    family: f.family,
    skill: f.skill,
    category: f.category,
    metric: f.metric,
    tasks: f.variants.map((x) => x.name),
    example: { input: ex.input, output: ex.output },
    heldOutSkill: f.heldOutSkill ?? false,
  };
});

/** Families whose inputs come from a small closed space, so train and test share inputs by design. */
export const CLOSED_WORLD_FAMILIES: readonly string[] = FAMILIES.filter((f) => f.closedWorld).map((f) => f.family);

/**
 * Every word (space-separated token, punctuation included) that can appear in any input or
 * output, sorted. Task names are not included: they are not part of the examples.
 */
export function builtinVocabulary(): string[] {
  const words = new Set<string>([
    ...lex.PEOPLE, ...lex.CITIES, ...lex.COUNTRIES, ...lex.JOBS, ...lex.ANIMALS, ...Object.values(lex.SOUNDS),
    ...lex.COLORS, ...lex.FOODS, ...Object.keys(lex.OPPOSITES), ...lex.DIGIT_WORDS, ...lex.NUMBERS,
    ...lex.POSITIVE, ...lex.NEGATIVE, ...lex.INTENSIFIERS, ...lex.REVIEWED,
    ...Object.keys(lex.TOPICS), ...Object.values(lex.TOPICS).flat(), ...Object.values(lex.TOPIC_ALT),
    ...Object.keys(lex.EMOTIONS), ...Object.values(lex.EMOTIONS).flat(), ...Object.values(lex.EMOTION_ALT),
    ...lex.EVENTS, ...lex.INSULTS, ...lex.DAYS, ...lex.FILLERS.flatMap((s) => s.split(' ')),
    ...lex.RELATIONS, ...lex.TEMPLATE_WORDS.split(/\s+/).filter((w) => w.length > 0),
    ...FAMILIES.flatMap((f) => f.variants.flatMap((v) => v.labels ?? [])),
  ]);
  return [...words].sort();
}

