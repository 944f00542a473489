// A study's task lookup: (name, data seed) -> the task's splits, from tasks the caller brings
// (imported files, a CrossFit folder) and, where allowed, the built-in task world, whose seeds
// are generated once each and kept.
import { StudyError } from '../study/spec';
import type { Task, TaskData } from './types';
import { builtinTasks, TASK_FAMILIES } from './world/index';

export interface TaskLookup {
  (name: string, seed: number): TaskData;
  /** The category of a task ("" when unknown). */
  category(name: string): string;
}

export interface TaskLookupOptions {
  /** Tasks at given seeds; they win over built-in tasks of the same name. */
  readonly tasks?: readonly (TaskData & { readonly seed: number; readonly category?: string })[];
  /** Fall back to the built-in task world (default true). */
  readonly builtin?: boolean;
  /** Where the given tasks come from, for messages (e.g. a folder path). */
  readonly origin?: string;
  /** K x this for the built-in tasks (StudySpec.kScale; default 1). Given tasks come as they are. */
  readonly kScale?: number;
}

export function taskLookup(o: TaskLookupOptions = {}): TaskLookup {
  const given = new Map<string, Map<number, TaskData & { category?: string }>>();
  for (const t of o.tasks ?? []) {
    let bySeed = given.get(t.name);
    if (!bySeed) given.set(t.name, (bySeed = new Map()));
    bySeed.set(t.seed, t);
  }
  const builtin = new Map<number, Map<string, Task>>();
  const builtinAt = (seed: number) => {
    let m = builtin.get(seed);
    if (!m) builtin.set(seed, (m = new Map(builtinTasks(seed, o.kScale ?? 1).map((t) => [t.name, t]))));
    return m;
  };
  const toData = (t: TaskData): TaskData => ({ name: t.name, metric: t.metric, train: t.train, dev: t.dev, test: t.test });
  const lookup = (name: string, seed: number): TaskData => {
    const own = given.get(name);
    // A given task's files have the K they have: a study that scales K runs built-in tasks only.
    if (own && (o.kScale ?? 1) !== 1) throw new StudyError(`task "${name}" is ${o.origin ?? 'given'} data, whose K is its files'; kScale ${o.kScale} scales the built-in tasks only (for CrossFit at K 32 or 64, give a folder of those files)`);
    const hit = own?.get(seed);
    if (hit) return toData(hit);
    if (own && o.builtin === false) throw new StudyError(`${o.origin ?? 'tasks'}: task "${name}" has no data seed ${seed} (has ${[...own.keys()].join(', ')})`);
    if (o.builtin !== false) {
      const t = builtinAt(seed).get(name);
      if (t) return toData(t);
    }
    const where = o.builtin === false ? `${o.origin ?? 'tasks'}: no task "${name}" (found: ${[...given.keys()].slice(0, 20).join(', ')})`
      : o.tasks?.length ? `task "${name}" at data seed ${seed} is neither in the built-in task world nor among the ${o.origin ?? 'given'} tasks`
        : `built-in task world has no task "${name}"`;
    throw new StudyError(where);
  };
  const category = (name: string): string => {
    const own = given.get(name);
    if (own) return [...own.values()][0]?.category ?? '';
    if (o.builtin === false) return '';
    // From the families, not from generated data: a study whose units are all reused never
    // generates a task, and its projector's map and results still need the categories.
    return TASK_FAMILIES.find((f) => f.tasks.includes(name))?.category ?? '';
  };
  return Object.assign(lookup, { category });
}
