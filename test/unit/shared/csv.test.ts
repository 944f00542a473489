import { describe, expect, it } from 'vitest';
import { csvCell, toCsvText } from '../../../src/shared/csv';

describe('CSV', () => {
  it('quotes a cell only when it holds a comma, a quote or a line break (RFC 4180)', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r')).toBe('"cr\r"');
  });

  it('writes a header and rows, one line each, ending with a line break', () => {
    expect(toCsvText(['task', 'score'], [['a,b', '1'], ['c', '']])).toBe('task,score\n"a,b",1\nc,\n');
  });
});
