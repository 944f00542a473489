// DataTable's pure helpers: sorting (missing values last), cell text, and the CSV export.
import { describe, expect, it } from 'vitest';
import { formatCell, sortRows, toCsv, type Column } from '../../../../src/ui/components/table';

const COLUMNS: Column[] = [
  { key: 'task', label: 'Task' },
  { key: 'score', label: 'Score, test', numeric: true, digits: 2 },
];

describe('table helpers', () => {
  it('sorts stably, with missing values last in either direction', () => {
    const rows = [{ task: 'a', score: 2 }, { task: 'b', score: null }, { task: 'c', score: 1 }, { task: 'd', score: 2 }];
    expect(sortRows(rows, 'score', 'ascending').map((r) => r.task)).toEqual(['c', 'a', 'd', 'b']);
    expect(sortRows(rows, 'score', 'descending').map((r) => r.task)).toEqual(['a', 'd', 'c', 'b']);
  });

  it('formats numeric cells with their digits and missing ones as told', () => {
    expect(formatCell(0.5, COLUMNS[1]!)).toBe('0.50');
    expect(formatCell(Number.NaN, COLUMNS[1]!, '–')).toBe('–');
    expect(formatCell(null, COLUMNS[0]!, '–')).toBe('–');
    expect(formatCell(3, COLUMNS[0]!)).toBe('3');
  });

  it('exports CSV under the column labels, raw values, empty cells for null and absent, RFC 4180 quoting', () => {
    const csv = toCsv(COLUMNS, [{ task: 'glue-sst2', score: 0.123456 }, { task: 'say "hi", twice', score: null }, { task: 'x' }]);
    expect(csv).toBe('Task,"Score, test"\nglue-sst2,0.123456\n"say ""hi"", twice",\nx,\n');
  });
});
