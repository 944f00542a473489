// Input transforms applied to whole tasks (tasks are immutable values).

import type { Task } from './types';

/** The reference code fed BART `" [task_name] input"`; MSF mixes tasks, so the name tells them apart. */
export function taskPrefixed(name: string, input: string): string {
  return ` [${name}] ${input}`;
}

export function withTaskPrefix(task: Task): Task {
  const map = (list: Task['train']) => list.map((ex) => ({ input: taskPrefixed(task.name, ex.input), outputs: ex.outputs }));
  return { ...task, train: map(task.train), dev: map(task.dev), test: map(task.test) };
}
