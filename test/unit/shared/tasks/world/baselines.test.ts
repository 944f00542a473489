// The world's outputs are scorable by their metrics, and no task is solved by a trivial rule:
// the majority label, copying the input, or (for held-out skills) the nearest trained skill.
import { describe, expect, it } from 'vitest';
import { score } from '../../../../../src/shared/metrics/index';
import type { Task } from '../../../../../src/shared/tasks/types';
import { builtinTasks, TASK_FAMILIES } from '../../../../../src/shared/tasks/world/index';
import { NEGATIVE, POSITIVE } from '../../../../../src/shared/tasks/world/lexicon';

const tasks = builtinTasks();
const golds = (t: Task): string[][] => t.test.map((e) => [...e.outputs]);
const familyOf = (name: string): string => TASK_FAMILIES.find((f) => f.tasks.includes(name))!.family;

describe('scorability', () => {
  it('a perfect prediction scores (almost) 1 with the task\'s metric', () => {
    for (const t of tasks) {
      const s = score(t.metric, t.test.map((e) => e.outputs[0]!), golds(t));
      // Rouge-L's F carries the rouge package's +1e-8 in its denominator.
      expect(s, t.name).toBeGreaterThan(1 - 1e-6);
      expect(s, t.name).toBeLessThanOrEqual(1 + 1e-12);
    }
  });
  it('Pearson tasks have numeric, non-constant golds', () => {
    for (const t of tasks.filter((x) => x.metric === 'Pearson-Correlation')) {
      const ys = t.test.map((e) => Number(e.outputs[0]));
      expect(ys.every((y) => Number.isFinite(y)), t.name).toBe(true);
      expect(new Set(ys).size, t.name).toBeGreaterThan(2);
    }
  });
});

describe('no trivial baseline solves a task', () => {
  it('majority label of the training set scores < 0.75 on classification tasks', () => {
    for (const t of tasks.filter((x) => x.category.startsWith('cls/'))) {
      const counts = new Map<string, number>();
      for (const e of t.train) counts.set(e.outputs[0]!, (counts.get(e.outputs[0]!) ?? 0) + 1);
      const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      const s = score(t.metric, t.test.map(() => majority), golds(t));
      expect(s, t.name).toBeLessThan(0.75);
    }
  });
  it('most frequent training output scores < 0.75 on the other tasks', () => {
    for (const t of tasks.filter((x) => !x.category.startsWith('cls/'))) {
      const counts = new Map<string, number>();
      for (const e of t.train) counts.set(e.outputs[0]!, (counts.get(e.outputs[0]!) ?? 0) + 1);
      const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      const s = score(t.metric, t.test.map(() => top), golds(t));
      expect(Number.isNaN(s) || s < 0.75, `${t.name}: ${s}`).toBe(true);
    }
  });
  it('copying the input is perfect only for the copy family', () => {
    for (const t of tasks) {
      const s = score(t.metric, t.test.map((e) => e.input), golds(t));
      if (familyOf(t.name) === 'copy') expect(s, t.name).toBeGreaterThan(1 - 1e-6);
      // Rewriting keeps most words, so Rouge-L gives copying a high (but imperfect) score there.
      else expect(Number.isNaN(s) || s < (familyOf(t.name) === 'rewrite' ? 0.95 : 0.75), `${t.name}: ${s}`).toBe(true);
    }
  });
  it('held-out skills are not solved by the closest trained skill', () => {
    // Negated sentiment: reading the adjective's polarity (the trained skill) gets every label wrong.
    for (const name of ['negation-review-posneg', 'negation-opinion-yesno']) {
      const t = tasks.find((x) => x.name === name)!;
      const [pos, neg] = name.endsWith('posneg') ? ['positive', 'negative'] : ['yes', 'no'];
      const preds = t.test.map((e) => (e.input.split(' ').some((w) => POSITIVE.includes(w)) ? pos! : neg!));
      expect(preds.some((p) => p === neg)).toBe(true);
      expect(score(t.metric, preds, golds(t)), name).toBe(0);
      expect(t.test.every((e) => e.input.split(' ').some((w) => POSITIVE.includes(w) || NEGATIVE.includes(w)))).toBe(true);
    }
    // Dedupe: copying or sorting (trained skills) never removes the repeats.
    for (const t of tasks.filter((x) => familyOf(x.name) === 'dedupe')) {
      expect(score(t.metric, t.test.map((e) => e.input), golds(t)), t.name).toBe(0);
      expect(score(t.metric, t.test.map((e) => e.input.split(' ').sort().join(' ')), golds(t)), t.name).toBe(0);
    }
  });
});
