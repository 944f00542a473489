// The list beside the Explore map: the training tasks nearest to your vector in d_I space.
import { describe, expect, it } from 'vitest';
import { EMBEDDED_MODEL } from '../../../../../src/shared/embedded';
import { builtinSplits, TASK_FAMILIES } from '../../../../../src/shared/tasks/world/index';
import { euclidean, familyOf, nearestTasks } from '../../../../../src/ui/screens/explore/nearest';

const EMBEDDED = `embedded:${EMBEDDED_MODEL}`;

describe('nearestTasks', () => {
  const tasks = [
    { name: 'far', category: 'cls/a', vector: [10, 0, 0] },
    { name: 'near', category: 'cls/b', vector: [1, 0, 0] },
    { name: 'tie-first', category: '', vector: [0, 2, 0] },
    { name: 'tie-second', category: 'cg/c', vector: [0, 0, -2] },
  ];

  it('ranks by Euclidean distance in the full d_I space, nearest first, ties in bundle order', () => {
    const got = nearestTasks('hub:x', tasks, [0, 0, 0], 3);
    expect(got.map((n) => n.name)).toEqual(['near', 'tie-first', 'tie-second']);
    expect(got.map((n) => n.distance)).toEqual([1, 2, 2]);
    expect(got[1]!.category).toBe('unknown');
    expect(nearestTasks('hub:x', tasks, [9, 0, 0], 1)[0]).toEqual({ name: 'far', category: 'cls/a', family: null, distance: 1 });
    expect(nearestTasks('hub:x', tasks, [0, 0, 0], 10)).toHaveLength(4);
  });

  it('measures all dimensions, not just the first two', () => {
    expect(euclidean([0, 0, 3], [0, 0, -1])).toBe(4);
    expect(() => euclidean([1, 2], [1, 2, 3])).toThrow(/length 2 and 3/);
  });

  it('gives a built-in task its family, only for bundles of the embedded model', () => {
    const name = builtinSplits().random.train[0]!;
    const family = TASK_FAMILIES.find((f) => f.tasks.includes(name))!.family;
    expect(familyOf(EMBEDDED, name)).toBe(family);
    expect(familyOf('hub:facebook/bart-base', name)).toBeNull();
    expect(familyOf(EMBEDDED, 'not-a-world-task')).toBeNull();
    expect(nearestTasks(EMBEDDED, [{ name, category: 'x', vector: [0] }], [0], 1)[0]!.family).toBe(family);
  });
});
