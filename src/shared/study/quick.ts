// The quick studies: the paper's pipeline at demo scale on the built-in task world, one per split.
// About 20 tasks each (the "quick scale"), chosen so that every test task has relatives
// among the training tasks: an unseen combination of a seen template and seen labels, which is
// what IST in a shared subspace can reach. Held-out *skills* (negation, dedupe) are left to the
// full splits, where they show the limit of the subspace.
import { builtinSplits, TASK_FAMILIES } from '../tasks/world/index';
import type { StudySpec } from './spec';

export type QuickSplit = 'random' | 'cls' | 'non-cls';
export const QUICK_SPLITS: readonly QuickSplit[] = ['random', 'cls', 'non-cls'];

const CLS_TRAIN = [
  'sentiment-review-goodbad', 'sentiment-double-posneg', 'sentiment-review-posneg',
  'topic-news-five', 'topic-talk-alt', 'emotion-after-four', 'emotion-when-adjectives',
];
const NON_CLS_TRAIN = [
  'slot-flight-to', 'slot-table-day', 'summary-first', 'summary-last',
  'record-city-job', 'record-pet-color', 'slot-flight-from',
];
const CLS_TEST = ['sentiment-double-goodbad', 'topic-news-alt', 'emotion-after-adjectives'];
const NON_CLS_TEST = ['slot-flight-day', 'summary-any', 'record-all'];
// Extra training tasks for the one-sided splits, so they also train on 14 tasks.
const CLS_MORE = ['sentiment-opinion-posneg', 'topic-headline-five', 'topic-talk-five', 'emotion-when-four', 'emotion-when-posneg', 'offensive-you', 'offensive-such'];
const NON_CLS_MORE = ['map-digit', 'copy-animals', 'select-first', 'choice-sound', 'rating-five', 'summary-headline', 'link-country'];

/** Training and test tasks of a quick study. `outOfDomain` lists the test tasks of the other side. */
export function quickTasks(split: QuickSplit): { train: string[]; test: string[]; outOfDomain: string[] } {
  switch (split) {
    case 'random': return { train: [...CLS_TRAIN, ...NON_CLS_TRAIN], test: [...CLS_TEST, ...NON_CLS_TEST], outOfDomain: [] };
    case 'cls': return { train: [...CLS_TRAIN, ...CLS_MORE], test: [...CLS_TEST, ...NON_CLS_TEST], outOfDomain: [...NON_CLS_TEST] };
    case 'non-cls': return { train: [...NON_CLS_TRAIN, ...NON_CLS_MORE], test: [...NON_CLS_TEST, ...CLS_TEST], outOfDomain: [...CLS_TEST] };
  }
}

/** The quick study of a split (model left to the caller). */
export function quickStudySpec(split: QuickSplit): Omit<StudySpec, 'model'> {
  const { train, test, outOfDomain } = quickTasks(split);
  return {
    name: `quick-${split}`, tasks: { train, test, ...(outOfDomain.length ? { testOutOfDomain: outOfDomain } : {}) },
    // One d_I keeps the run within 10 minutes on 2 cores; add more in a study.json for the curve.
    dataSeed: 100, diffSeed: 13, intrinsicDims: [10], seeds: [1], preset: 'smoke',
    // No " [task] " prefix: the embedded model saw task names in pre-training, so with the prefix a
    // prompt would have nothing left to encode. Without it, the task lives only in the prompt.
    taskPrefix: false,
  };
}

/** "cls" or "non-cls" for a built-in task (for E_rel by side). */
export function builtinSide(task: string): 'cls' | 'non-cls' {
  const f = TASK_FAMILIES.find((x) => x.tasks.includes(task));
  if (!f) throw new RangeError(`built-in task world has no task "${task}"`);
  return f.category.startsWith('cls/') ? 'cls' : 'non-cls';
}

/** Prompt tuning alone on every built-in task with the quick settings (the README's PT table). */
export function ptTableSpec(): Omit<StudySpec, 'model'> {
  return { ...quickStudySpec('random'), name: 'pt-table', tasks: { train: [], test: TASK_FAMILIES.flatMap((f) => f.tasks) }, intrinsicDims: [] };
}

/**
 * The study behind the projector that ships with the embedded model (`npm run ship:projector`):
 * the quick settings, so its PT units are the quick studies' and the PT table's, on every
 * training task of the random split; IST only on the held-out tasks, what Explore's users do
 * (training-task IST would double the cost), with a longer MSF for the larger task set.
 */
export function embeddedProjectorSpec(dI: number, seed: number, msfSteps: number, msfHidden: number): Omit<StudySpec, 'model'> {
  const split = builtinSplits().random;
  return {
    ...quickStudySpec('random'), name: `embedded-projector-d${dI}`,
    tasks: { train: split.train, test: split.test }, intrinsicDims: [dI], seeds: [seed],
    istSettings: ['test'],
    phases: { msf: { totalSteps: msfSteps, evalEvery: Math.min(msfSteps, 1000), hidden: msfHidden } },
  };
}

/** The d_I values of the lesson's live demo: enough for a curve, cheap enough for a class period. */
export const LESSON_DIMS: readonly number[] = [2, 5, 10];

/**
 * The lesson's live demo (the Start page's button): the random quick study's tasks at three d_I,
 * so it draws a curve with its random-subspace baseline. IST runs on the unseen tasks only, the
 * challenge a class watches for. Prompt tuning is the quick study's; subspace finding and IST run
 * half their steps (MSF 200, IST 50), which on 2026-12-02 kept the curve (E_rel on unseen tasks
 * 0.47 / 0.58 / 0.80 at d_I 2 / 5 / 10 against 0.48 / 0.66 / 0.82 with the full steps; the random
 * subspace 0.17-0.18 both times) for about a third less work.
 */
export function lessonSpec(): Omit<StudySpec, 'model'> {
  return {
    ...quickStudySpec('random'), name: 'lesson', intrinsicDims: [...LESSON_DIMS], istSettings: ['test'],
    phases: { msf: { totalSteps: 200, evalEvery: 200 }, ist: { totalSteps: 50, evalEvery: 50 } },
  };
}

/** The d_I values of the shipped study: the lesson's three and one past them, where the curve flattens. */
export const SHIPPED_DIMS: readonly number[] = [2, 5, 10, 25];
/**
 * The shipped study's run seeds per split: three on the random split (the spread its curves draw
 * and the stability table), one on the one-sided splits, which cost as much again each.
 */
export function shippedSeeds(split: QuickSplit): number[] {
  return split === 'random' ? [1, 2, 3] : [1];
}

/**
 * The study that ships with the embedded model, one per split (`npm run -s ship:study`), shown on
 * first open: the quick study's tasks and settings at SHIPPED_DIMS and shippedSeeds, with the
 * random-subspace baseline. IST runs on the unseen tasks only (the paper's T_test(IST)): the
 * training-task challenges would more than double its cost on 2 cores.
 */
export function shippedStudySpec(split: QuickSplit): Omit<StudySpec, 'model'> {
  return { ...quickStudySpec(split), name: `shipped-${split}`, intrinsicDims: [...SHIPPED_DIMS], seeds: shippedSeeds(split), istSettings: ['test'] };
}
