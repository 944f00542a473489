// The training tasks nearest to a vector, for the list beside the Explore map: plain Euclidean
// distance in the d_I space itself (not on the map's two principal directions, which hide the rest).
import { EMBEDDED_MODEL } from '../../../shared/embedded';
import { TASK_FAMILIES } from '../../../shared/tasks/world/index';

export interface Neighbour {
  name: string;
  category: string;
  /** The built-in world's family of the task, or null for a task of another bundle. */
  family: string | null;
  distance: number;
}

const FAMILY_OF = new Map(TASK_FAMILIES.flatMap((f) => f.tasks.map((t) => [t, f.family] as const)));

/**
 * A task's family in the built-in world, for bundles made for the embedded model (their tasks are
 * the world's); null for any other bundle, whose tasks only have their category.
 */
export function familyOf(modelId: string, task: string): string | null {
  return modelId === `embedded:${EMBEDDED_MODEL}` ? (FAMILY_OF.get(task) ?? null) : null;
}

export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`vectors of length ${a.length} and ${b.length} cannot be compared`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** The `k` tasks nearest to `z`, nearest first; equal distances keep the bundle's order. */
export function nearestTasks(
  modelId: string,
  tasks: readonly { name: string; category: string; vector: ArrayLike<number> }[],
  z: ArrayLike<number>,
  k: number,
): Neighbour[] {
  return tasks
    .map((t, i) => ({ i, n: { name: t.name, category: t.category || 'unknown', family: familyOf(modelId, t.name), distance: euclidean(t.vector, z) } }))
    .sort((a, b) => a.n.distance - b.n.distance || a.i - b.i)
    .slice(0, Math.max(0, k))
    .map((x) => x.n);
}
