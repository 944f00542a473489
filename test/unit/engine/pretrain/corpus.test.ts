// The pre-training corpus may hold text of training tasks only. The held-out set is recomputed
// here straight from builtinSplits() and the world's tasks, independently of corpus.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildPretrainCorpus,
  builtinPretrainCorpus,
  CorpusError,
  exampleText,
  heldOutTaskNames,
  type PretrainCorpus,
  type TaskWorld,
} from '../../../../src/engine/pretrain/corpus';
import { CROSSFIT_SEEDS } from '../../../../src/shared/tasks/sampling';
import { builtinSplits, builtinTasks } from '../../../../src/shared/tasks/world/index';
import type { Task } from '../../../../src/shared/tasks/types';

const SEEDS = [1, 2];

describe('pre-training corpus of the built-in world', () => {
  let corpus: PretrainCorpus;
  let heldOut: Set<string>;
  let allTasks: Map<number, Task[]>;

  beforeAll(() => {
    corpus = builtinPretrainCorpus({ seeds: SEEDS, supervised: true });
    heldOut = new Set<string>();
    for (const s of Object.values(builtinSplits())) {
      s.test.forEach((n) => heldOut.add(n));
      (s.testOutOfDomain ?? []).forEach((n) => heldOut.add(n));
    }
    allTasks = new Map([...CROSSFIT_SEEDS, ...SEEDS].map((seed) => [seed, builtinTasks(seed)] as const));
  });

  it('held-out tasks are exactly the union of every split\'s test and out-of-domain tasks', () => {
    expect(new Set(corpus.heldOutTasks)).toEqual(heldOut);
    expect(heldOut.size).toBeGreaterThan(0);
    for (const s of Object.values(builtinSplits())) {
      for (const n of [...s.test, ...(s.testOutOfDomain ?? [])]) expect(corpus.heldOutTasks).toContain(n);
    }
  });

  it('training tasks are train-listed somewhere and never held out', () => {
    const trainListed = new Set(Object.values(builtinSplits()).flatMap((s) => s.train));
    expect(corpus.trainingTasks.length).toBeGreaterThan(50);
    for (const n of corpus.trainingTasks) {
      expect(heldOut.has(n)).toBe(false);
      expect(trainListed.has(n)).toBe(true);
    }
    // Tasks whose every draw collides with a test input contribute nothing, and are reported.
    const contributing = new Set(corpus.examples.map((e) => e.task));
    expect([...contributing].every((n) => corpus.trainingTasks.includes(n))).toBe(true);
    expect(corpus.emptyTasks).toEqual(corpus.trainingTasks.filter((n) => !contributing.has(n)));
    expect(contributing.size).toBeGreaterThan(corpus.trainingTasks.length * 0.8);
  });

  it('no held-out task name appears anywhere in the corpus', () => {
    const text = corpus.documents.join('\n');
    for (const name of heldOut) {
      expect(text.includes(name), `held-out task name "${name}" found in a document`).toBe(false);
      expect(corpus.supervised.some((e) => e.task === name || e.input.includes(name))).toBe(false);
    }
  });

  it('no example of a held-out task and no test example of any task is in the corpus', () => {
    const forbidden = new Set<string>();
    for (const tasks of allTasks.values()) {
      for (const t of tasks) {
        for (const ex of t.test) forbidden.add(ex.input);
        if (heldOut.has(t.name)) for (const ex of [...t.train, ...t.dev]) forbidden.add(ex.input);
      }
    }
    expect(forbidden.size).toBeGreaterThan(1000);
    for (const e of corpus.examples) expect(forbidden.has(e.input), `forbidden input in corpus: ${e.input}`).toBe(false);
    for (const e of corpus.supervised) expect(forbidden.has(e.input)).toBe(false);
    expect(corpus.stats.overlapDropped).toBeGreaterThan(0);
  });

  it('documents are made of the kept examples and nothing else', () => {
    const rebuilt: string[] = [];
    let i = 0;
    while (i < corpus.examples.length) {
      const task = corpus.examples[i]!.task;
      const run: string[] = [];
      while (i < corpus.examples.length && corpus.examples[i]!.task === task && run.length < 4) {
        const e = corpus.examples[i++]!;
        run.push(exampleText({ input: e.input, outputs: [e.output] }));
      }
      rebuilt.push(run.join(' '));
    }
    expect(corpus.documents).toEqual(rebuilt);
  });

  it('is deterministic', () => {
    const again = builtinPretrainCorpus({ seeds: SEEDS, supervised: true });
    expect(again.documents).toEqual(corpus.documents);
    expect(again.supervised).toEqual(corpus.supervised);
  });

  it('refuses downstream few-shot seeds', () => {
    expect(() => builtinPretrainCorpus({ seeds: [1, 42] })).toThrow(/42 are downstream few-shot seeds/);
  });
});

describe('buildPretrainCorpus on a synthetic world', () => {
  const ex = (input: string, output: string) => ({ input, outputs: [output] });
  const task = (name: string, seed: number): Task => ({
    name, category: 'other/other', metric: 'EM', k: 2, seed,
    train: [ex(`${name} train ${seed} a`, 'x'), ex('shared input', 'y')],
    dev: [ex(`${name} dev ${seed}`, 'z')],
    test: [ex(`SECRET test of ${name}`, 'w')],
  });
  const world = (splits: TaskWorld['splits']): TaskWorld => ({
    tasks: (seed) => ['alpha', 'beta', 'gamma', 'delta'].map((n) => task(n, seed)),
    splits,
    downstreamSeeds: [100],
  });

  it('excludes out-of-domain test tasks and inputs shared with a held-out task; never uses test draws', () => {
    const w = world({
      a: { train: ['alpha', 'beta'], test: ['gamma'] },
      b: { train: ['gamma'], test: ['beta'], testOutOfDomain: ['delta'] },
    });
    const c = buildPretrainCorpus(w, { seeds: [1], examplesPerDocument: 2, supervised: true });
    expect(c.heldOutTasks).toEqual(['beta', 'delta', 'gamma']);
    expect(c.trainingTasks).toEqual(['alpha']);
    const text = c.documents.join('\n');
    expect(text).not.toMatch(/SECRET|beta|gamma|delta/);
    // "shared input" also occurs in held-out tasks, so alpha's copy is dropped too.
    expect(text).not.toContain('shared input');
    expect(c.examples.map((e) => e.input)).toEqual(['alpha train 1 a', 'alpha dev 1']);
    expect(c.documents).toEqual(['alpha train 1 a x alpha dev 1 z']);
    expect(c.stats).toEqual({ examplesDrawn: 3, duplicatesDropped: 0, overlapDropped: 1, examplesKept: 2 });
  });

  it('fails clearly when no training task is left', () => {
    const w = world({ a: { train: ['alpha'], test: ['alpha'] } });
    expect(() => buildPretrainCorpus(w, { seeds: [1], examplesPerDocument: 2, supervised: false })).toThrow(CorpusError);
  });

  it('drops exact duplicates across seeds', () => {
    const w: TaskWorld = { ...world({ a: { train: ['alpha'], test: [] } }), tasks: () => [task('alpha', 0)] };
    const c = buildPretrainCorpus(w, { seeds: [1, 2], examplesPerDocument: 10, supervised: false });
    expect(c.stats.duplicatesDropped).toBe(3);
    expect(c.examples).toHaveLength(3);
    expect(c.supervised).toHaveLength(0);
  });

  it('heldOutTaskNames is the union over splits', () => {
    expect([...heldOutTaskNames({ x: { train: [], test: ['a'] }, y: { train: [], test: ['b'], testOutOfDomain: ['c', 'a'] } })].sort()).toEqual(['a', 'b', 'c']);
  });
});
