// One CSV writer (RFC 4180 quoting) for the CLI's scores.csv and the app's table exports.

/** A cell as CSV: quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A header row and data rows as CSV text, one line each, with a final line break. */
export function toCsvText(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
