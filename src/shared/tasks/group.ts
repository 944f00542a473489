// Gathers per-seed Task values (e.g. the built-in world sampled with each seed) into LoadedTasks.

import type { Task } from './types';
import { TaskError, problem } from './errors';
import { compareSeeds } from './loader';
import type { LoadedTask } from './types';

export function groupTasks(tasks: readonly Task[], format: LoadedTask['format'] = 'builtin'): LoadedTask[] {
  const byName = new Map<string, Task[]>();
  for (const t of tasks) {
    const list = byName.get(t.name);
    if (list) list.push(t);
    else byName.set(t.name, [t]);
  }
  const out: LoadedTask[] = [];
  for (const [name, list] of byName) {
    const first = list[0]!;
    const bad = list.find((t) => t.category !== first.category || t.metric !== first.metric || t.k !== first.k);
    if (bad) throw new TaskError([problem('inconsistent-seeds', `task "${name}" differs in category, metric or K between seeds ${first.seed} and ${bad.seed}`)]);
    const seeds = list.map((t) => t.seed);
    if (new Set(seeds).size !== seeds.length) throw new TaskError([problem('duplicate-task', `task "${name}" has a seed twice`)]);
    const bySeed = list.slice().sort((a, b) => compareSeeds(a.seed, b.seed));
    out.push({
      name,
      category: first.category,
      metric: first.metric,
      k: first.k,
      seeds: bySeed.map((t) => t.seed),
      bySeed,
      origin: 'given',
      format,
      files: [],
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
