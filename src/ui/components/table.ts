// Columns, sorting, cell formatting and export for DataTable.svelte (pure except downloadFile).
import { toCsvText } from '../../shared/csv';

export type CellValue = string | number | null;
/** A row of plain values, as the charts' data tables and the results tables hold them. */
export type TableRow = Record<string, CellValue>;

export interface Column {
  key: string;
  label: string;
  align?: 'left' | 'right' | 'center';
  /** Numbers are right-aligned, in tabular figures, and formatted with `digits` decimals. */
  numeric?: boolean;
  digits?: number;
}

export type SortDir = 'ascending' | 'descending';

const valueOf = (row: object, key: string): unknown => (row as Record<string, unknown>)[key];
const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/** Stable sort; missing values (null, absent, NaN) always last, whatever the direction. */
export function sortRows<Row extends object>(rows: readonly Row[], key: string, dir: SortDir): Row[] {
  const sign = dir === 'ascending' ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      const x = valueOf(a.row, key);
      const y = valueOf(b.row, key);
      if (isMissing(x) || isMissing(y)) return isMissing(x) === isMissing(y) ? a.i - b.i : isMissing(x) ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c === 0 ? a.i - b.i : sign * c;
    })
    .map((x) => x.row);
}

/** A cell's text; `missing` stands in for null, absent and non-finite values. */
export function formatCell(v: unknown, col: Column, missing = ''): string {
  if (v === null || v === undefined) return missing;
  if (typeof v === 'number') return Number.isFinite(v) ? (col.numeric ? v.toFixed(col.digits ?? 3) : String(v)) : missing;
  return String(v);
}

/** The rows as CSV under the columns' labels (the project's one CSV writer); null and absent cells are empty. */
export function toCsv(columns: readonly Column[], rows: readonly object[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return toCsvText(
    columns.map((c) => c.label),
    rows.map((r) => columns.map((c) => cell(valueOf(r, c.key)))),
  );
}

/** Saves text or bytes as a file through a temporary object URL. */
export function downloadFile(filename: string, text: string | Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([text as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
