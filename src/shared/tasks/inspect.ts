// The summary `npm run tasks -- inspect` prints, also usable by the UI: one line per task.

import type { MetricName } from './types';
import type { TaskProblem } from './errors';
import type { LoadedTask } from './types';
import { describeTableSplit } from './user';

export interface TaskSummary {
  readonly name: string;
  readonly category: string;
  readonly metric: MetricName;
  readonly k: number;
  readonly seeds: readonly number[];
  /** Example counts of the first seed. */
  readonly splits: { readonly train: number; readonly dev: number; readonly test: number };
  /** A user table's split in words (describeTableSplit). */
  readonly split?: string;
}

export interface InspectReport {
  readonly tasks: readonly TaskSummary[];
  readonly errors: readonly TaskProblem[];
}

export function summarize(task: LoadedTask): TaskSummary {
  const first = task.bySeed[0];
  return {
    name: task.name,
    category: task.category,
    metric: task.metric,
    k: task.k,
    seeds: [...task.seeds],
    splits: { train: first?.train.length ?? 0, dev: first?.dev.length ?? 0, test: first?.test.length ?? 0 },
    ...(task.tableSplit && { split: describeTableSplit(task.tableSplit) }),
  };
}

export function inspectReport(tasks: readonly LoadedTask[], errors: readonly TaskProblem[] = []): InspectReport {
  return { tasks: tasks.map(summarize), errors: [...errors] };
}
