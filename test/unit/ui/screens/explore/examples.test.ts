// The Explore screen's fields: typed examples for tuning (rows, pasted or loaded TSV/CSV, the old
// text box's rules), sample inputs for the walk.
import { describe, expect, it } from 'vitest';
import { isTablePaste, parseExamples, parseSampleInputs, parseTable, rowsToExamples } from '../../../../../src/ui/screens/explore/examples';

describe('parseExamples', () => {
  it('reads input<TAB>output lines, trims, skips blank lines, takes extra tabs as more outputs', () => {
    expect(parseExamples(' good film \tpositive\r\n\nok\tfine\tgood\t\n')).toEqual([
      { input: 'good film', outputs: ['positive'] },
      { input: 'ok', outputs: ['fine', 'good'] },
    ]);
    expect(parseExamples('')).toEqual([]);
  });

  it('names the line that has no output', () => {
    expect(() => parseExamples('a\tb\nno tab here')).toThrow('line 2: expected "input<TAB>output", got "no tab here"');
    expect(() => parseExamples('\t positive')).toThrow(/^line 1:/);
  });
});

describe('parseTable (a paste or a file into rows)', () => {
  it('reads TSV by the old rules, more columns as more acceptable outputs, and skips a header', () => {
    expect(parseTable('input\toutput\r\ngood film\tpositive\n\nok\tfine\tgood\n')).toEqual([
      { input: 'good film', output: 'positive' },
      { input: 'ok', output: 'fine | good' },
    ]);
    expect(() => parseTable('a\tb\nno tab here')).toThrow(/^line 2: expected "input<TAB>output"/);
  });

  it('reads CSV with quoted fields (commas, doubled quotes, line breaks inside) and a header', () => {
    const csv = 'Input,Output\n"good, really",positive\n"she said ""no""",negative\n"two\nlines",x,y\n\nplain,done\n';
    expect(parseTable(csv)).toEqual([
      { input: 'good, really', output: 'positive' },
      { input: 'she said "no"', output: 'negative' },
      { input: 'two\nlines', output: 'x | y' },
      { input: 'plain', output: 'done' },
    ]);
  });

  it('names the CSV line that is broken or has no output', () => {
    expect(() => parseTable('a,b\nlonely\n')).toThrow(/^line 2: expected "input,output"/);
    expect(() => parseTable('a,b\n"never closed,x\n')).toThrow('line 2: a quoted field is never closed');
    expect(() => parseTable('"a"b,c')).toThrow(/^line 1: text after a closing quote/);
  });

  it('splits a paste only when it is a table (a tab or several lines), not a sentence with a comma', () => {
    expect(isTablePaste('hello, world')).toBe(false);
    expect(isTablePaste('good\tpositive')).toBe(true);
    expect(isTablePaste('a,b\nc,d')).toBe(true);
    expect(isTablePaste('one line\n')).toBe(false);
  });
});

describe('rowsToExamples', () => {
  it('skips empty rows, splits "|" into acceptable outputs, names the row missing a field', () => {
    expect(rowsToExamples([{ input: ' good ', output: 'positive' }, { input: '', output: ' ' }, { input: 'ok', output: 'fine | good |' }])).toEqual([
      { input: 'good', outputs: ['positive'] },
      { input: 'ok', outputs: ['fine', 'good'] },
    ]);
    expect(() => rowsToExamples([{ input: 'a', output: 'b' }, { input: 'c', output: '' }])).toThrow('row 2: the output is empty');
    expect(() => rowsToExamples([{ input: '', output: 'b' }])).toThrow('row 1: the input is empty');
  });
});

describe('parseSampleInputs', () => {
  it('keeps the non-blank lines, trimmed, at most eight', () => {
    expect(parseSampleInputs(' a \n\nb\r\n')).toEqual(['a', 'b']);
    expect(parseSampleInputs(Array.from({ length: 10 }, (_, i) => `x${i}`).join('\n'))).toHaveLength(8);
  });
});
