// Any text or bytes in any file gives tasks or a TaskError: never another exception, never a hang.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TaskError, decodeUtf8, loadTasks, type TextFile } from '../../../../src/shared/tasks/index';

/** Loads and classifies the outcome; anything but a TaskError fails the property. */
function outcome(files: TextFile[]): 'tasks' | 'error' {
  const started = Date.now();
  try {
    const r = loadTasks(files);
    expect(r.tasks.length).toBeGreaterThan(0);
    for (const t of r.tasks) for (const s of t.bySeed) for (const ex of [...s.train, ...s.dev, ...s.test]) {
      expect(ex.input.trim()).not.toBe('');
      expect(ex.outputs.length).toBeGreaterThan(0);
    }
    return 'tasks';
  } catch (err) {
    if (!(err instanceof TaskError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) expect(p.message.length).toBeGreaterThan(0);
    return 'error';
  } finally {
    // Inputs here are at most a few kB: anything slow means a pathological (super-linear) path.
    expect(Date.now() - started).toBeLessThan(2000);
  }
}

// Text biased towards the characters that matter to the parsers.
const special = fc.constantFrom('\t', '\n', '\r\n', '\r', ',', '"', '{', '}', '[', ']', ':', ' ', '\\', '\u0000', '\ufeff', 'a', 'input', 'output', 'split', 'train', 'dev', 'test', '""');
const trickyText = fc.array(fc.oneof(special, fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 200 }).map((a) => a.join(''));
const anyText = fc.oneof(fc.string({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 500 }), trickyText);

const crossfitNames = ['t/t_16_100_train.tsv', 't/t_16_100_dev.tsv', 't/t_16_100_test.tsv', 't/t_16_100_train.jsonl', 't/t_16_100_dev.jsonl', 'tasks.json'];
const tableNames = ['u.tsv', 'u.csv', 'u.jsonl'];

describe('fuzz: loaders never crash', () => {
  it('CrossFit files with arbitrary content', () => {
    fc.assert(
      fc.property(fc.subarray(crossfitNames, { minLength: 1 }), fc.array(anyText, { minLength: 6, maxLength: 6 }), (names, texts) => {
        outcome(names.map((path, i) => ({ path, text: texts[i]! })));
      }),
      { numRuns: 400 },
    );
  });

  it('user tables (TSV, CSV, JSONL) with arbitrary content', () => {
    fc.assert(
      fc.property(fc.constantFrom(...tableNames), anyText, (path, text) => {
        outcome([{ path, text }]);
      }),
      { numRuns: 600 },
    );
    // Headers that make the body reach the row parsers.
    fc.assert(
      fc.property(fc.constantFrom('input,output\n', 'input\toutput\tsplit\n', 'split,input,output,output_2\n'), anyText, (head, body) => {
        outcome([{ path: head.includes('\t') ? 'u.tsv' : 'u.csv', text: head + body }]);
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary bytes, decoded strictly', () => {
    fc.assert(
      fc.property(fc.constantFrom(...crossfitNames, ...tableNames), fc.uint8Array({ maxLength: 1000 }), (path, bytes) => {
        try {
          const file = decodeUtf8(path, bytes);
          outcome([file]);
        } catch (err) {
          if (!(err instanceof TaskError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary file paths', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ path: fc.string({ maxLength: 40 }), text: trickyText }), { maxLength: 5 }), (files) => {
        outcome(files);
      }),
      { numRuns: 300 },
    );
  });

  it('a large adversarial CSV (one unclosed quote, 200k chars) is rejected quickly', () => {
    const text = 'input,output\n"' + 'a,'.repeat(100_000);
    expect(outcome([{ path: 'big.csv', text }])).toBe('error');
  });
});

describe('fuzz: round trips of valid data', () => {
  // Cells without the separators and not blank, as a valid file would have.
  const cell = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== '' && !/[\t\n\r]/.test(s) && s === s.trim());
  const example = fc.record({ input: cell, outputs: fc.array(cell, { minLength: 1, maxLength: 3 }) });

  it('CrossFit TSV: what is written is what is read', () => {
    fc.assert(
      fc.property(fc.array(example, { minLength: 1, maxLength: 20 }), fc.array(example, { minLength: 1, maxLength: 5 }), (train, dev) => {
        const tsv = (xs: typeof train) => xs.map((e) => [e.input, ...e.outputs].join('\t')).join('\n') + '\n';
        const t = loadTasks([
          { path: 'x/x_16_42_train.tsv', text: tsv(train) },
          { path: 'x/x_16_42_dev.tsv', text: tsv(dev) },
        ]).tasks[0]!.bySeed[0]!;
        expect(t.train).toEqual(train);
        expect(t.dev).toEqual(dev);
      }),
      { numRuns: 200 },
    );
  });

  it('CSV per RFC 4180: any cell text survives quoting', () => {
    const anyCell = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== '');
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    fc.assert(
      fc.property(fc.array(fc.tuple(anyCell, anyCell), { minLength: 1, maxLength: 15 }), fc.boolean(), (rows, crlf) => {
        const nl = crlf ? '\r\n' : '\n';
        const text = ['input,output,split', ...rows.map(([i, o]) => `${quote(i)},${quote(o)},train`)].join(nl) + nl;
        const dev = `${nl}"d",e,dev${nl}`.slice(nl.length);
        const t = loadTasks([{ path: 'r.csv', text: text + dev }]).tasks[0]!.bySeed[0]!;
        expect(t.train).toEqual(rows.map(([input, output]) => ({ input, outputs: [output] })));
      }),
      { numRuns: 200 },
    );
  });

  it('JSONL: any strings survive JSON encoding', () => {
    const anyCell = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== '');
    fc.assert(
      fc.property(fc.array(fc.record({ input: anyCell, output: fc.array(anyCell, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 10 }), (rows) => {
        const lines = rows.map((r) => JSON.stringify({ task: 'j', ...r })).join('\n');
        const t = loadTasks([
          { path: 'j/j_16_1_train.jsonl', text: lines },
          { path: 'j/j_16_1_dev.jsonl', text: lines },
        ]).tasks[0]!.bySeed[0]!;
        expect(t.train).toEqual(rows.map((r) => ({ input: r.input, outputs: r.output })));
      }),
      { numRuns: 200 },
    );
  });
});
