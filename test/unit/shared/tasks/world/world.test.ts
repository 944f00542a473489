// The built-in task world: determinism, CrossFit's shapes (K, test size, taxonomy, metrics),
// splits, and that the tiny vocabulary covers every text.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, type Task } from '../../../../../src/shared/tasks/types';
import {
  builtinSplits, builtinTasks, builtinVocabulary, CLOSED_WORLD_FAMILIES, TASK_FAMILIES, TEST_SIZE,
} from '../../../../../src/shared/tasks/world/index';
import { CROSSFIT_SEEDS, K_CLASSIFICATION, K_OTHER } from '../../../../../src/shared/tasks/sampling';
import { fnv1a32 } from '../../../../../src/shared/hash';
import { makeSampler } from '../../../../../src/shared/tasks/world/sampler';

const tasks = builtinTasks();
const byName = new Map(tasks.map((t) => [t.name, t]));
const isCls = (t: Task): boolean => t.category.startsWith('cls/');
const familyOf = (name: string): string => TASK_FAMILIES.find((f) => f.tasks.includes(name))!.family;
const labelsOf = (t: Task): Set<string> => new Set([...t.train, ...t.dev, ...t.test].map((e) => e.outputs[0]!));
const countBy = <T>(xs: readonly T[]): Map<T, number> => {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};

describe('PRNG', () => {
  it('is deterministic per seed and stays in range', () => {
    const a = makeSampler(42);
    const b = makeSampler(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const c = makeSampler(43);
    expect(Array.from({ length: 10 }, () => c.next())).not.toEqual(xs.slice(0, 10));
    const counts = countBy(Array.from({ length: 6000 }, () => a.int(1, 6)));
    for (let v = 1; v <= 6; v++) expect(counts.get(v)! / 6000).toBeCloseTo(1 / 6, 1);
    expect(fnv1a32('abc')).toBe(fnv1a32('abc'));
    expect(fnv1a32('abc')).not.toBe(fnv1a32('abd'));
  });
});

describe('determinism', () => {
  it('the same seed gives identical tasks', () => {
    expect(builtinTasks(100)).toEqual(tasks);
    expect(builtinSplits()).toEqual(builtinSplits());
  });
  it('another data seed resamples train/dev of every task but keeps the test set', () => {
    const other = builtinTasks(13);
    expect(other.map((t) => t.name)).toEqual(tasks.map((t) => t.name));
    for (const t of other) {
      const base = byName.get(t.name)!;
      expect(t.seed).toBe(13);
      expect(t.test).toEqual(base.test);
      expect(t.train).not.toEqual(base.train);
      expect(t.dev).not.toEqual(base.dev);
    }
  });
  it('kScale multiplies K in train and dev (Fig. 6), keeps the test set, and 1 is the usual world', () => {
    expect(builtinTasks(100, 1)).toEqual(tasks);
    const twice = builtinTasks(100, 2);
    for (const t of twice) {
      const base = byName.get(t.name)!;
      expect(t.k, t.name).toBe(2 * base.k);
      expect(t.train.length, t.name).toBe(2 * base.train.length);
      expect(t.dev.length, t.name).toBe(2 * base.dev.length);
      expect(t.test).toEqual(base.test);
    }
    expect(() => builtinTasks(100, 0)).toThrow(/kScale must be a positive integer/);
  });
  it('uses CrossFit\'s seeds', () => {
    expect([...CROSSFIT_SEEDS]).toEqual([100, 13, 21, 42, 87]);
    expect(tasks.every((t) => t.seed === 100)).toBe(true);
    expect(() => builtinTasks(1.5)).toThrow(/integer/);
  });
});

describe('counts and shapes', () => {
  it('has >= 120 tasks, >= 40 classification and >= 60 others, with unique names', () => {
    expect(tasks.length).toBeGreaterThanOrEqual(120);
    expect(tasks.filter(isCls).length).toBeGreaterThanOrEqual(40);
    expect(tasks.filter((t) => !isCls(t)).length).toBeGreaterThanOrEqual(60);
    expect(new Set(tasks.map((t) => t.name)).size).toBe(tasks.length);
  });
  it('samples K per class (classification) or K examples, and >= 100 test examples', () => {
    for (const t of tasks) {
      expect(t.test.length, t.name).toBeGreaterThanOrEqual(TEST_SIZE);
      if (isCls(t)) {
        expect(t.k).toBe(K_CLASSIFICATION);
        const labels = labelsOf(t);
        expect(labels.size, t.name).toBeGreaterThanOrEqual(2);
        for (const split of [t.train, t.dev]) {
          const counts = countBy(split.map((e) => e.outputs[0]!));
          expect([...counts.keys()].sort(), t.name).toEqual([...labels].sort());
          for (const n of counts.values()) expect(n, t.name).toBe(K_CLASSIFICATION);
        }
      } else {
        expect(t.k).toBe(K_OTHER);
        expect(t.train.length, t.name).toBe(K_OTHER);
        expect(t.dev.length, t.name).toBe(K_OTHER);
      }
    }
  });
  it('keeps inputs short (<= 24 words) and outputs to a few words', () => {
    for (const t of tasks) {
      for (const e of [...t.train, ...t.dev, ...t.test]) {
        expect(e.input.split(' ').length, `${t.name}: ${e.input}`).toBeLessThanOrEqual(24);
        expect(e.input.trim().length, t.name).toBeGreaterThan(0);
        for (const o of e.outputs) {
          expect(o.split(' ').length, `${t.name}: ${o}`).toBeLessThanOrEqual(12);
          expect(o.trim().length, t.name).toBeGreaterThan(0);
        }
      }
    }
  });
  it('never gives one input two different outputs within a task (no label noise)', () => {
    for (const t of tasks) {
      const seen = new Map<string, string>();
      for (const e of [...t.train, ...t.dev, ...t.test]) {
        const prev = seen.get(e.input);
        if (prev !== undefined) expect(e.outputs[0], `${t.name}: ${e.input}`).toBe(prev);
        seen.set(e.input, e.outputs[0]!);
      }
    }
  });
  it('keeps train, dev and test inputs disjoint except in the closed-world families', () => {
    for (const t of tasks) {
      if (CLOSED_WORLD_FAMILIES.includes(familyOf(t.name))) continue;
      const test = new Set(t.test.map((e) => e.input));
      const train = new Set(t.train.map((e) => e.input));
      expect(t.train.filter((e) => test.has(e.input)), t.name).toEqual([]);
      expect(t.dev.filter((e) => test.has(e.input) || train.has(e.input)), t.name).toEqual([]);
    }
  });
});

const ONTOLOGY = resolve(__dirname, '../../../../../../shared/crossfit-meta/ontology.json');
const haveOntology = existsSync(ONTOLOGY);
if (!haveOntology) console.warn(`SKIPPING the taxonomy check: ${ONTOLOGY} is absent`);

describe('taxonomy and metrics', () => {
  it.skipIf(!haveOntology)('every category is one of CrossFit\'s (../shared/crossfit-meta/ontology.json)', () => {
    const ontology = JSON.parse(readFileSync(ONTOLOGY, 'utf8')) as Record<string, string[]>;
    const categories = new Set(Object.values(ontology).flat());
    for (const t of tasks) expect(categories.has(t.category), `${t.name}: ${t.category}`).toBe(true);
    for (const f of TASK_FAMILIES) expect(categories.has(f.category), f.family).toBe(true);
  });
  it('every metric is one of the seven, and all seven are used', () => {
    for (const t of tasks) expect(METRIC_NAMES).toContain(t.metric);
    expect(new Set(tasks.map((t) => t.metric))).toEqual(new Set(METRIC_NAMES));
  });
  it('TASK_FAMILIES lists every task once, with its category and metric', () => {
    const listed = TASK_FAMILIES.flatMap((f) => f.tasks);
    expect([...listed].sort()).toEqual(tasks.map((t) => t.name).sort());
    for (const f of TASK_FAMILIES) {
      expect(f.example.input.length).toBeGreaterThan(0);
      expect(f.example.output.length).toBeGreaterThan(0);
      for (const n of f.tasks) {
        expect(byName.get(n)!.category).toBe(f.category);
        expect(byName.get(n)!.metric).toBe(f.metric);
      }
    }
  });
});

describe('splits', () => {
  const splits = builtinSplits();
  const cls = tasks.filter(isCls).map((t) => t.name);
  const non = tasks.filter((t) => !isCls(t)).map((t) => t.name);
  const heldOutFamilies = TASK_FAMILIES.filter((f) => f.heldOutSkill);

  it('every split names existing tasks, with train and test disjoint', () => {
    for (const [name, s] of Object.entries(splits)) {
      const all = [...s.train, ...s.test, ...(s.testOutOfDomain ?? [])];
      for (const n of all) expect(byName.has(n), `${name}: ${n}`).toBe(true);
      expect(new Set(all).size, name).toBe(all.length);
      expect(s.test.length, name).toBeGreaterThanOrEqual(5);
    }
  });
  it('random: about 100 train / 20 test over all tasks', () => {
    const r = splits.random;
    expect([...r.train, ...r.test].sort()).toEqual(tasks.map((t) => t.name).sort());
    expect(r.train.length).toBeGreaterThanOrEqual(100);
    expect(r.test.length).toBeGreaterThanOrEqual(15);
    expect(r.test.length).toBeLessThanOrEqual(25);
    expect(r.test.some((n) => cls.includes(n)) && r.test.some((n) => non.includes(n))).toBe(true);
  });
  it('cls / non-cls train on one side and test out of domain on the other', () => {
    const c = splits.cls;
    expect([...c.train, ...c.test].sort()).toEqual([...cls].sort());
    expect(c.testOutOfDomain!.every((n) => non.includes(n))).toBe(true);
    const n = splits['non-cls'];
    expect([...n.train, ...n.test].sort()).toEqual([...non].sort());
    expect(n.testOutOfDomain!.every((x) => cls.includes(x))).toBe(true);
  });
  it('holds out whole skills in every split, and other test tasks are new combinations of trained skills', () => {
    expect(heldOutFamilies.some((f) => f.category.startsWith('cls/'))).toBe(true);
    expect(heldOutFamilies.some((f) => !f.category.startsWith('cls/'))).toBe(true);
    for (const s of Object.values(splits)) {
      for (const f of heldOutFamilies) for (const t of f.tasks) expect(s.train).not.toContain(t);
      for (const t of s.test) {
        const fam = TASK_FAMILIES.find((f) => f.tasks.includes(t))!;
        if (!fam.heldOutSkill) expect(fam.tasks.some((x) => s.train.includes(x)), `${t}: its family is trained`).toBe(true);
      }
    }
  });
});

describe('vocabulary', () => {
  const vocab = builtinVocabulary();
  it('covers every word of every input and output for all five seeds, and has no unused words', () => {
    const used = new Set<string>();
    for (const seed of CROSSFIT_SEEDS) {
      for (const t of seed === 100 ? tasks : builtinTasks(seed)) {
        for (const e of [...t.train, ...t.dev, ...t.test]) {
          // A word is a space-separated piece, with sentence punctuation attached to its end
          // ("cow." in outputs, written so the decoder's " ." clean-up can match) counted apart.
          for (const text of [e.input, ...e.outputs]) for (const w of text.split(' ').flatMap((p) => p.match(/[^.?!,]+|[.?!,]/g) ?? [p])) used.add(w);
        }
      }
    }
    const set = new Set(vocab);
    expect([...used].filter((w) => !set.has(w))).toEqual([]);
    expect(vocab.filter((w) => !used.has(w))).toEqual([]);
  });
  it('is small, sorted, unique, lowercase and free of empty words', () => {
    expect(vocab.length).toBeLessThanOrEqual(500);
    expect([...vocab].sort()).toEqual(vocab);
    expect(new Set(vocab).size).toBe(vocab.length);
    for (const w of vocab) {
      expect(w.length).toBeGreaterThan(0);
      expect(w).toBe(w.toLowerCase());
      expect(/\s/.test(w)).toBe(false);
    }
  });
});
