// Sorting and export helpers for the result tables (pure, no DOM).
export type CellValue = string | number | null;
export type TableRow = Record<string, CellValue>;

export interface TableColumn {
  key: string;
  label: string;
  /** Numbers are right-aligned and formatted with `digits`. */
  numeric?: boolean;
  digits?: number;
}

export type SortDir = 'ascending' | 'descending';

/** Stable sort; nulls (and NaN) always last, whatever the direction. */
export function sortRows(rows: readonly TableRow[], key: string, dir: SortDir): TableRow[] {
  const sign = dir === 'ascending' ? 1 : -1;
  const missing = (v: CellValue) => v === null || (typeof v === 'number' && Number.isNaN(v));
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      const x = a.row[key] ?? null;
      const y = b.row[key] ?? null;
      if (missing(x) || missing(y)) return missing(x) === missing(y) ? a.i - b.i : missing(x) ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c === 0 ? a.i - b.i : sign * c;
    })
    .map((x) => x.row);
}

export function formatCell(v: CellValue, col: TableColumn): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isFinite(v) ? (col.numeric ? v.toFixed(col.digits ?? 3) : String(v)) : '–';
  return v;
}

export function toCsv(columns: readonly TableColumn[], rows: readonly TableRow[]): string {
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [columns.map((c) => esc(c.label)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => { const v = r[c.key]; return v === null || v === undefined ? '' : esc(String(v)); }).join(','));
  return lines.join('\n') + '\n';
}

/** Saves text as a file through a temporary object URL. */
export function downloadText(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
