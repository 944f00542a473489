// What the Tasks screen's parts call things: the task sources, the splits (with what each means)
// and the columns every task table starts with.
import type { SplitChoice, TaskSourceName } from '../../stores/tasks.svelte';

export const SOURCES: { id: TaskSourceName; label: string }[] = [
  { id: 'builtin', label: 'Built-in task world' },
  { id: 'crossfit', label: 'CrossFit catalogue' },
  { id: 'imported', label: 'Imported tasks' },
];

export const SPLITS: { id: SplitChoice; label: string; help: string }[] = [
  { id: 'random', label: 'Random', help: 'Train on tasks of every kind; test on held-out tasks (the unseen-task challenge).' },
  { id: 'cls', label: 'Classification (cls)', help: 'Train on classification tasks only; test on unseen classification tasks, and on unseen non-classification tasks as out-of-domain.' },
  { id: 'non-cls', label: 'Non-classification (non-cls)', help: 'Train on non-classification tasks only; test on unseen ones, and on unseen classification tasks as out-of-domain.' },
  { id: 'custom', label: 'Custom', help: 'Tick the training and test tasks yourself in the task table.' },
];

/** A task's name, category and metric: the first columns of the task list and of the imported tasks. */
export const TASK_COLUMNS = [
  { key: 'name', label: 'Task' },
  { key: 'category', label: 'Category' },
  { key: 'metric', label: 'Metric' },
];
