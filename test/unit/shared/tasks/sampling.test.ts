import { describe, expect, it } from 'vitest';
import {
  CROSSFIT_SEEDS, K_CLASSIFICATION, K_OTHER, holdOutTest, loadTasks, sampleFewShot, seededRandom, shuffled, userTask, type Example,
} from '../../../../src/shared/tasks/index';
import { problemsOf } from './support';

/** A labelled pool: `perLabel[i]` examples of label i, inputs unique. */
function pool(perLabel: number[]): Example[] {
  return perLabel.flatMap((n, label) => Array.from({ length: n }, (_, i) => ({ input: `x${label}-${i}`, outputs: [`label${label}`] })));
}
const key = (e: Example) => e.input;
const countBy = (list: readonly Example[]) => {
  const m = new Map<string, number>();
  for (const e of list) m.set(e.outputs[0]!, (m.get(e.outputs[0]!) ?? 0) + 1);
  return m;
};

describe('seeded PRNG and shuffle', () => {
  it('is deterministic per seed, differs between seeds, stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const c = seededRandom(43);
    expect(Array.from({ length: 10 }, () => c())).not.toEqual(xs.slice(0, 10));
    // Roughly uniform: the mean of 1000 draws is near 0.5.
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.05);
  });
  it('shuffles into a permutation without touching the input', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const s = shuffled(items, 7);
    expect(s.slice().sort((x, y) => x - y)).toEqual(items);
    expect(s).not.toEqual(items);
    expect(items[0]).toBe(0);
  });
});

describe('CrossFit few-shot sampling', () => {
  const data = pool([60, 45, 33]);

  it('classification: K=16 per class in train and 16 per class in dev, disjoint', () => {
    for (const seed of CROSSFIT_SEEDS) {
      const s = sampleFewShot(data, { seed, classification: true });
      expect(s.k).toBe(K_CLASSIFICATION);
      expect([...countBy(s.train).values()]).toEqual([16, 16, 16]);
      expect([...countBy(s.dev).values()]).toEqual([16, 16, 16]);
      const trainKeys = new Set(s.train.map(key));
      expect(s.dev.filter((e) => trainKeys.has(key(e)))).toEqual([]);
    }
  });

  it('other tasks: K=32 in train and 32 in dev, disjoint', () => {
    const s = sampleFewShot(data, { seed: 13, classification: false });
    expect(s.k).toBe(K_OTHER);
    expect(s.train).toHaveLength(32);
    expect(s.dev).toHaveLength(32);
    const trainKeys = new Set(s.train.map(key));
    expect(s.dev.some((e) => trainKeys.has(key(e)))).toBe(false);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const a = sampleFewShot(data, { seed: 21, classification: true });
    const b = sampleFewShot(data, { seed: 21, classification: true });
    const c = sampleFewShot(data, { seed: 87, classification: true });
    expect(b).toEqual(a);
    expect(c.train.map(key)).not.toEqual(a.train.map(key));
  });

  it('a rare label gives what it has, train first (as CrossFit)', () => {
    const s = sampleFewShot(pool([40, 20]), { seed: 100, classification: true });
    expect(countBy(s.train).get('label1')).toBe(16);
    expect(countBy(s.dev).get('label1')).toBe(4);
  });

  it('too small a pool for train and dev is an error naming the source', () => {
    const p = problemsOf(() => sampleFewShot(pool([1]), { seed: 1, classification: true, source: 'mine.csv' }));
    expect(p[0]!.code).toBe('too-few-examples');
    expect(p[0]!.file).toBe('mine.csv');
  });

  it('holds out one test set, the same for every seed, never sampled into train or dev', () => {
    const t = userTask('mine', pool([100, 100]).map((e, i) => ({ ...e, line: i + 2 })), { category: 'cls/other' });
    expect(t.seeds).toEqual(CROSSFIT_SEEDS);
    const test = t.bySeed[0]!.test;
    expect(test).toHaveLength(40);
    const testKeys = new Set(test.map(key));
    for (const s of t.bySeed) {
      expect(s.test).toEqual(test);
      expect(s.train).toHaveLength(32);
      expect([...s.train, ...s.dev].some((e) => testKeys.has(key(e)))).toBe(false);
    }
    const again = holdOutTest(pool([100, 100]));
    expect(again.test).toEqual(test);
  });
});

describe('user tables', () => {
  it('a CSV (RFC 4180 quoting) becomes a few-shot task; uncatalogued labels are guessed as classification', () => {
    const rows = ['input,output'];
    for (let i = 0; i < 100; i++) rows.push(`"text ${i}, with ""quotes""",${i % 2 ? 'yes' : 'no'}`);
    const { tasks } = loadTasks([{ path: 'reviews.csv', text: rows.join('\r\n') + '\r\n' }]);
    const t = tasks[0]!;
    expect(t.name).toBe('reviews');
    expect(t.category).toBe('unknown');
    expect(t.format).toBe('table');
    expect(t.k).toBe(16);
    expect(t.bySeed[0]!.train).toHaveLength(32);
    expect(t.bySeed[0]!.test).toHaveLength(20);
    expect(t.bySeed[0]!.train[0]!.input).toMatch(/^text \d+, with "quotes"$/);
  });

  it('a table with a split column is used as given when it has dev rows', () => {
    const text = 'split\tinput\toutput\toutput_2\ntrain\ta\tA\t\ntrain\tb\tB\tbee\ndev\tc\tC\t\ntest\td\tD\t\n';
    const t = loadTasks([{ path: 'given.tsv', text }]).tasks[0]!;
    expect(t.seeds).toEqual([0]);
    expect(t.bySeed[0]!.train).toEqual([{ input: 'a', outputs: ['A'] }, { input: 'b', outputs: ['B', 'bee'] }]);
    expect(t.bySeed[0]!.dev).toEqual([{ input: 'c', outputs: ['C'] }]);
    expect(t.bySeed[0]!.test).toEqual([{ input: 'd', outputs: ['D'] }]);
  });

  it('JSONL tables take a catalogued name\'s category and sample with K=32 for non-classification', () => {
    const lines = Array.from({ length: 80 }, (_, i) => JSON.stringify({ input: `q${i}`, output: [`a${i}`, `alt${i}`] }));
    const t = loadTasks([{ path: 'squad-no_context.jsonl', text: lines.join('\n') }]).tasks[0]!;
    expect(t.category).toBe('qa/closed-book qa');
    expect(t.metric).toBe('EM');
    expect(t.origin).toBe('catalogue');
    expect(t.bySeed[0]!.train).toHaveLength(32);
    expect(t.bySeed[0]!.dev).toHaveLength(32);
    expect(t.bySeed[0]!.test).toHaveLength(16);
    expect(t.bySeed[0]!.train[0]!.outputs).toHaveLength(2);
  });

  it('table errors name file and line', () => {
    const cases: [string, string, string, number | undefined][] = [
      ['a.csv', 'input,output\n"unclosed,x\n', 'bad-csv', 2],
      ['a.csv', 'input,output\nab"c,x\n', 'bad-csv', 2],
      ['a.csv', 'input,output\n"a"b,x\n', 'bad-csv', 2],
      ['a.csv', 'text,label\na,b\n', 'bad-csv', 1],
      ['a.csv', 'input,output\na,b\nc\n', 'bad-csv', 3],
      ['a.csv', 'input,output\na,\n', 'empty-output', 2],
      ['a.csv', 'input,output\n\n,b\n', 'empty-line', 2],
      ['a.tsv', 'input\toutput\nx\n', 'missing-tab', 2],
      ['a.tsv', 'input\toutput\tsplit\nx\ty\tvalid\n', 'unknown-split', 2],
      ['a.jsonl', '{"input":"a","output":"b"}\n[1]\n', 'bad-field', 2],
      ['a.csv', 'input,output\n', 'empty-file', undefined],
      ['a.csv', '', 'empty-file', undefined],
    ];
    for (const [path, text, code, line] of cases) {
      const p = problemsOf(() => loadTasks([{ path, text }]));
      expect(p.map((q) => q.code), `${path} ${JSON.stringify(text)}`).toContain(code);
      const q = p.find((x) => x.code === code)!;
      expect(q.file).toBe(path);
      expect(q.line, `${JSON.stringify(text)}`).toBe(line);
    }
  });

  it('quoted CSV fields keep commas, doubled quotes and newlines; the next record\'s line is right', () => {
    const text = 'id,input,output\n1,"a, ""b""\nc",yes\n2,"",no\n';
    const p = problemsOf(() => loadTasks([{ path: 'q.csv', text }]));
    // Record 2 starts on line 4 (record 1 spans lines 2-3) and has an empty input.
    expect(p).toEqual([expect.objectContaining({ code: 'empty-input', line: 4 })]);
  });
});
