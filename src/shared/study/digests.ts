// What a study's results depend on besides its settings, by content (issue #15 §6): the model's
// weights and each task's data at each data seed the study reads. The runner's callers (ipt, the
// app's worker) put these digests in the spec, and plan.ts folds them into the unit keys, so a
// retrained model or an edited task file gets fresh results instead of old ones under its name.
import { sha256Hex } from '../artifacts/identity';
import { canonicalJson } from '../hash';
import type { TaskData } from '../tasks/types';
import { IST_SETTINGS, StudyError, type StudySpec } from './spec';

/** The key of a task's data at a seed in `StudySpec.taskDigests`. */
export function dataKey(task: string, seed: number): string {
  return `${task}@${seed}`;
}

/** 16 hex digits of SHA-256 over the task's metric and examples (its name is in the key already). */
export async function taskDataDigest(t: TaskData): Promise<string> {
  return (await sha256Hex(canonicalJson({ metric: t.metric, train: t.train, dev: t.dev, test: t.test }))).slice(0, 16);
}

/** The (task, data seed) pairs a study reads: every task at the data seed, training tasks at the diff seed when unseen-data IST runs. */
export function dataReads(spec: StudySpec): [string, number][] {
  const reads: [string, number][] = [...spec.tasks.train, ...spec.tasks.test].map((t) => [t, spec.dataSeed]);
  if (spec.intrinsicDims.length && (spec.istSettings ?? IST_SETTINGS).includes('train_diff') && spec.diffSeed !== spec.dataSeed) {
    for (const t of spec.tasks.train) reads.push([t, spec.diffSeed]);
  }
  return reads;
}

/** The digests of every task's data the study reads. */
export async function taskDigests(spec: StudySpec, taskAt: (name: string, seed: number) => TaskData): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [task, seed] of dataReads(spec)) out[dataKey(task, seed)] = await taskDataDigest(taskAt(task, seed));
  return out;
}

/**
 * A spec that carries digests, checked against the data it would run on now (a resumed study): a
 * StudyError naming every task whose data changed since the study started, as its stored units
 * were computed on the old data.
 */
export async function checkTaskDigests(spec: StudySpec, taskAt: (name: string, seed: number) => TaskData): Promise<void> {
  if (!spec.taskDigests) return;
  const now = await taskDigests(spec, taskAt);
  const changed = Object.keys(now).filter((k) => spec.taskDigests![k] !== now[k]);
  if (changed.length) {
    throw new StudyError(`study "${spec.name}": the data of ${changed.join(', ')} changed since the study started, so its stored runs are of other data; start a new study`);
  }
}
