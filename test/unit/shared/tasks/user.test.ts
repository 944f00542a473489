// Small tables of one's own: too few rows for CrossFit's K fall back to a smaller split (per label a
// tenth, at least one, for dev and for test), which the task records and describes; a table is
// refused only when that split leaves dev empty, with a message that states this rule and the
// `split` column. Boundaries: the smallest tables that import and the one row fewer that does not.
import { describe, expect, it } from 'vitest';
import {
  CROSSFIT_SEEDS, describeTableSplit, K_CLASSIFICATION, K_OTHER, loadTasks, sampleFewShot, smallShare, summarize, type Example, type LoadedTask,
} from '../../../../src/shared/tasks/index';
import { problemsOf } from './support';

type Row = readonly [input: string, output: string, split?: string];
const tsv = (rows: readonly Row[]) => {
  const withSplit = rows.some((r) => r[2] !== undefined);
  return `input\toutput${withSplit ? '\tsplit' : ''}\n${rows.map((r) => r.join('\t')).join('\n')}\n`;
};
/** `n[i]` rows of label i. */
const labelled = (...n: number[]): Row[] => n.flatMap((count, l) => Array.from({ length: count }, (_, i) => [`text ${l}-${i}`, `label${l}`] as const));
const generation = (n: number): Row[] => Array.from({ length: n }, (_, i) => [`question ${i}`, `answer ${i}`] as const);
const load = (rows: readonly Row[], path = 'mine.tsv', extra: { path: string; text: string }[] = []): LoadedTask =>
  loadTasks([{ path, text: tsv(rows) }, ...extra]).tasks[0]!;
const refusal = (rows: readonly Row[], extra: { path: string; text: string }[] = []) => {
  const p = problemsOf(() => loadTasks([{ path: 'mine.tsv', text: tsv(rows) }, ...extra]));
  expect(p).toHaveLength(1);
  expect(p[0]!.code).toBe('too-few-examples');
  return p[0]!.message;
};
const labelCounts = (list: readonly Example[]) => {
  const m: Record<string, number> = {};
  for (const e of list) m[e.outputs[0]!] = (m[e.outputs[0]!] ?? 0) + 1;
  return m;
};
/** A tasks.json that makes `mine` a classification task whatever its labels look like. */
const asClassification = [{ path: 'tasks.json', text: JSON.stringify({ mine: { category: 'cls/other', metric: 'ACC' } }) }];

describe('a table too small for CrossFit\'s K gets a smaller split', () => {
  it('20 rows, 10 positive and 10 negative: 16 train, 2 dev, 2 test, one of each label in dev and test, for every seed', () => {
    const rows: Row[] = [
      ...Array.from({ length: 10 }, (_, i) => [`great film ${i}`, 'positive'] as const),
      ...Array.from({ length: 10 }, (_, i) => [`dull film ${i}`, 'negative'] as const),
    ];
    const t = load(rows);
    expect(t.seeds).toEqual(CROSSFIT_SEEDS);
    expect(t.tableSplit).toEqual({ how: 'small', test: 'held-out', rows: 20, classification: true, k: K_CLASSIFICATION, counts: { train: 16, dev: 2, test: 2 } });
    expect(describeTableSplit(t.tableSplit!)).toBe(
      "20 rows: 16 train, 2 dev, 2 test (too few rows for CrossFit's K=16 per label, so a smaller split: per label a tenth, at least one, for dev and for test)",
    );
    const test = t.bySeed[0]!.test;
    expect(labelCounts(test)).toEqual({ positive: 1, negative: 1 });
    const devs = new Set<string>();
    for (const s of t.bySeed) {
      expect(s.test).toEqual(test);
      expect(labelCounts(s.dev)).toEqual({ positive: 1, negative: 1 });
      expect(labelCounts(s.train)).toEqual({ positive: 8, negative: 8 });
      // Every row is in exactly one split.
      expect(new Set([...s.train, ...s.dev, ...s.test].map((e) => e.input)).size).toBe(20);
      devs.add(s.dev.map((e) => e.input).join('|'));
    }
    // Dev is drawn per seed (test is not).
    expect(devs.size).toBeGreaterThan(1);
  });

  it('36 rows (18 per label) import too', () => {
    const t = load(labelled(18, 18));
    expect(t.bySeed[0]!.dev.length).toBeGreaterThan(0);
    expect(t.bySeed[0]!.test.length).toBeGreaterThan(0);
    expect(t.bySeed[0]!.train.length + t.bySeed[0]!.dev.length + t.bySeed[0]!.test.length).toBe(36);
  });

  it('a generation task of 8 rows: 6 train, 1 dev, 1 test', () => {
    const t = load(generation(8));
    expect(t.tableSplit).toMatchObject({ how: 'small', classification: false, k: K_OTHER, counts: { train: 6, dev: 1, test: 1 } });
    expect(describeTableSplit(t.tableSplit!)).toBe("8 rows: 6 train, 1 dev, 1 test (too few rows for CrossFit's K=32, so a smaller split: a tenth, at least one, for dev and for test)");
  });

  it('the shares: a tenth, at least one; dev from 2 rows, test from 3', () => {
    expect([1, 2, 3, 10, 19, 20, 40].map((n) => smallShare(n, true))).toEqual([
      { train: 1, dev: 0, test: 0 }, { train: 1, dev: 1, test: 0 }, { train: 1, dev: 1, test: 1 }, { train: 8, dev: 1, test: 1 },
      { train: 17, dev: 1, test: 1 }, { train: 16, dev: 2, test: 2 }, { train: 32, dev: 4, test: 4 },
    ]);
    expect(smallShare(10, false)).toEqual({ train: 9, dev: 1, test: 0 });
  });

  it('the switch to CrossFit\'s draw: 40 generation rows (32 left after the 20% test set) are small, 41 are CrossFit', () => {
    expect(load(generation(40)).tableSplit).toMatchObject({ how: 'small', counts: { train: 32, dev: 4, test: 4 } });
    const t = load(generation(41));
    expect(t.tableSplit).toMatchObject({ how: 'crossfit', counts: { train: 32, dev: 1, test: 8 } });
    expect(describeTableSplit(t.tableSplit!)).toBe("41 rows: 32 train, 1 dev, 8 test (CrossFit's K=32 for train and for dev, a fixed 20% held out for test)");
  });

  it('with a split column of train and test rows, dev comes from the train rows: CrossFit from K+1 train rows of a label, smaller below', () => {
    const rows = (train: number): Row[] => [
      ...labelled(train, 4).map(([i, o]) => [i, o, 'train'] as const),
      ['held a', 'label0', 'test'], ['held b', 'label1', 'test'],
    ];
    const big = load(rows(K_CLASSIFICATION + 1), 'mine.tsv', asClassification);
    expect(big.tableSplit).toMatchObject({ how: 'crossfit', test: 'column', counts: { train: K_CLASSIFICATION + 4, dev: 1, test: 2 } });
    const small = load(rows(K_CLASSIFICATION), 'mine.tsv', asClassification);
    expect(small.tableSplit).toMatchObject({ how: 'small', test: 'column', counts: { train: K_CLASSIFICATION - 1 + 3, dev: 2, test: 2 } });
    expect(small.bySeed[0]!.test.map((e) => e.input)).toEqual(['held a', 'held b']);
    expect(describeTableSplit(small.tableSplit!)).toBe(
      "22 rows: 18 train, 2 dev, 2 test (too few rows for CrossFit's K=16 per label, so a smaller split: per label a tenth, at least one, for dev, test from the split column)",
    );
  });

  it('a split column with dev rows is kept as given', () => {
    const t = load([['a', 'A', 'train'], ['b', 'B', 'dev'], ['c', 'C', 'test']]);
    expect(t.seeds).toEqual([0]);
    expect(describeTableSplit(t.tableSplit!)).toBe('3 rows: 1 train, 1 dev, 1 test (as the split column says)');
  });

  it('big tables keep CrossFit\'s draw', () => {
    const t = load(labelled(100, 100));
    expect(t.tableSplit).toMatchObject({ how: 'crossfit', counts: { train: 32, dev: 32, test: 40 } });
  });

  it('tasks inspect\'s summary says the split in words', () => {
    expect(summarize(load(generation(8))).split).toBe(describeTableSplit(load(generation(8)).tableSplit!));
  });
});

describe('the smallest tables that import, and one row fewer', () => {
  it('a generation table: 2 rows import (1 train, 1 dev); 1 row is refused with the rule and the split column', () => {
    expect(load(generation(2)).tableSplit!.counts).toEqual({ train: 1, dev: 1, test: 0 });
    expect(refusal(generation(1))).toBe(
      'mine.tsv: 1 row is too few for a train and a dev set: a table with no more than K=32 rows once a 20% test set is held out is split one row in ten, at least one, for dev and for test (dev from 2 rows, test from 3) and the rest for train, so it needs at least 2 rows. Or add a "split" column (train, dev or test on every row) to choose the split yourself.',
    );
  });

  it('a classification table: 2 rows of one label import; with no label twice it is refused naming "2 rows of some label"', () => {
    expect(load([...labelled(2, 1, 1)], 'mine.tsv', asClassification).tableSplit!.counts).toEqual({ train: 3, dev: 1, test: 0 });
    const message = refusal(labelled(1, 1, 1), asClassification);
    expect(message).toContain('3 rows are too few for a train and a dev set');
    expect(message).toContain('no more than K=16 rows of any label once a 20% test set is held out is split per label one row in ten');
    expect(message).toContain('so it needs at least 2 rows of some label');
    expect(message).toContain('add a "split" column');
  });

  it('a split column with one train row and no dev rows is refused: mark some rows "dev"', () => {
    const message = refusal([['a', 'A', 'train'], ['b', 'B', 'test']]);
    expect(message).toBe(
      'mine.tsv: the "split" column gives 1 train row and no dev rows, too few for a train and a dev set: dev is then drawn from the train rows (per label one in ten, at least one, while a train row is left), so it needs at least 2 rows. Or mark some rows "dev" yourself.',
    );
    expect(load([['a', 'A', 'train'], ['a2', 'A2', 'train'], ['b', 'B', 'test']]).tableSplit!.counts).toEqual({ train: 1, dev: 1, test: 1 });
  });

  it('a split column without train rows, or with dev rows and no train rows, says what to mark', () => {
    expect(refusal([['b', 'B', 'test']])).toContain('the "split" column has no train rows (and no dev rows): mark rows "train" and "dev"');
    expect(refusal([['b', 'B', 'dev']])).toContain('the "split" column has dev rows but no train rows: mark some rows "train"');
  });
});

describe('CrossFit\'s draw states its own rule', () => {
  it('"more than K examples of some label", not "2 examples"', () => {
    const pool = Array.from({ length: 16 }, (_, i) => ({ input: `x${i}`, outputs: [i % 2 ? 'a' : 'b'] }));
    const p = problemsOf(() => sampleFewShot(pool, { seed: 1, classification: true, source: 'mine.csv' }));
    expect(p[0]!.message).toBe(
      'mine.csv: 16 examples are too few for a train and a dev set (a CrossFit draw needs more than K=16 examples of some label: the first 16 of each label go to train, dev gets the next 16). A table\'s "split" column (train, dev or test on every row) chooses the split yourself.',
    );
  });
});
