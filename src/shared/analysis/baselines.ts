// Trivial baselines a prompt must beat to show it learned anything: answering every test input
// with the most frequent training output (the majority label on classification tasks), and
// answering with the input itself. Scored with the task's own metric on its test set.
import { score } from '../metrics/index';
import type { Example, MetricName } from '../tasks/types';

export interface BaselineScores {
  /** Test score of always answering the most frequent training output. */
  readonly majority: number;
  /** Test score of answering the input unchanged. */
  readonly copy: number;
}

interface ScorableTask {
  readonly metric: MetricName;
  readonly train: readonly Example[];
  readonly test: readonly Example[];
}

/** The most frequent first output of `examples`; ties go to the one seen first. */
export function mostFrequentOutput(examples: readonly Example[]): string {
  const counts = new Map<string, number>(); // insertion order = first seen
  for (const e of examples) counts.set(e.outputs[0] ?? '', (counts.get(e.outputs[0] ?? '') ?? 0) + 1);
  let best = '';
  let bestCount = 0;
  for (const [o, c] of counts) if (c > bestCount) { best = o; bestCount = c; }
  return best;
}

export function trivialBaselines(task: ScorableTask): BaselineScores {
  if (task.test.length === 0) return { majority: Number.NaN, copy: Number.NaN };
  const golds = task.test.map((e) => (e.outputs.length === 1 ? e.outputs[0]! : [...e.outputs]));
  const top = mostFrequentOutput(task.train);
  return {
    majority: score(task.metric, task.test.map(() => top), golds),
    copy: score(task.metric, task.test.map((e) => e.input), golds),
  };
}
