// What the Explore screen reads from its fields: examples for tuning, typed as rows (an input and
// an output field each) or pasted / loaded as TSV ("input<TAB>output", one per line, more tabs for
// more acceptable outputs: the old text box's rules) or CSV, and sample inputs for the walk.

export interface TypedExample {
  input: string;
  outputs: string[];
}

/** One row of the examples table: what the two fields hold. */
export interface ExampleRow {
  input: string;
  /** One output, or several acceptable ones separated by "|". */
  output: string;
}

/** Separates several acceptable outputs in one output field. */
export const OUTPUT_SEPARATOR = '|';

/** Blank lines are skipped; a line without an input and an output throws, naming it. */
export function parseExamples(text: string): TypedExample[] {
  const out: TypedExample[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const parts = line.split('\t');
    if (parts.length < 2 || !parts[0]!.trim() || !parts[1]!.trim()) throw new Error(`line ${i + 1}: expected "input<TAB>output", got ${JSON.stringify(line.slice(0, 60))}`);
    out.push({ input: parts[0]!.trim(), outputs: parts.slice(1).map((s) => s.trim()).filter(Boolean) });
  });
  return out;
}

/**
 * CSV records (RFC 4180: comma-separated, quoted fields with doubled quotes, which may span
 * lines), with their first line numbers. Throws naming the line for an unclosed quote or text
 * after a closing quote.
 */
function csvRecords(text: string): { cells: string[]; line: number }[] {
  const records: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let start = 1;
  let i = 0;
  const endRecord = () => {
    cells.push(cell);
    if (cells.some((c) => c.trim())) records.push({ cells, line: start });
    cells = [];
    cell = '';
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' && cell === '') {
      const quoteLine = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`line ${quoteLine}: a quoted field is never closed`);
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') { cell += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (c === '\n') line++;
        cell += c;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') throw new Error(`line ${line}: text after a closing quote (quotes inside a field must be doubled)`);
      continue;
    }
    if (ch === ',') { cells.push(cell); cell = ''; i++; continue; }
    if (ch === '\r' && text[i + 1] === '\n') { i++; continue; }
    if (ch === '\n') { endRecord(); line++; start = line; i++; continue; }
    cell += ch;
    i++;
  }
  endRecord();
  return records;
}

/** A first row naming the columns ("input", "output"), which is not an example. */
const isHeader = (cells: readonly string[]) => cells[0]?.trim().toLowerCase() === 'input' && /^outputs?$/.test(cells[1]?.trim().toLowerCase() ?? '');

/**
 * Pasted or loaded text as rows: TSV when any line has a tab (parseExamples' rules, extra columns
 * joined as more acceptable outputs), else CSV (input, output, more outputs). A header row
 * "input, output" is skipped. Throws naming the line that has no input or no output.
 */
export function parseTable(text: string): ExampleRow[] {
  const join = (outputs: readonly string[]) => outputs.join(` ${OUTPUT_SEPARATOR} `);
  if (text.includes('\t')) {
    const lines = text.split(/\r?\n/);
    const first = lines.findIndex((l) => l.trim());
    const body = first >= 0 && isHeader(lines[first]!.split('\t')) ? lines.map((l, i) => (i === first ? '' : l)).join('\n') : text;
    return parseExamples(body).map((e) => ({ input: e.input, output: join(e.outputs) }));
  }
  const records = csvRecords(text);
  return records
    .filter((r, i) => !(i === 0 && isHeader(r.cells)))
    .map((r) => {
      const [input = '', ...outputs] = r.cells.map((c) => c.trim());
      const kept = outputs.filter(Boolean);
      if (!input || kept.length === 0) throw new Error(`line ${r.line}: expected "input,output" (or input<TAB>output), got ${JSON.stringify(r.cells.join(',').slice(0, 60))}`);
      return { input, output: join(kept) };
    });
}

/** Whether a paste into an input field is a table to split into rows (more than one line, or a tab). */
export function isTablePaste(text: string): boolean {
  return /\t/.test(text) || text.trim().split(/\r?\n/).length > 1;
}

/**
 * The rows as examples for tuning. Rows with both fields empty are skipped; a row with only one
 * of them throws, naming the row (1-based, as the screen numbers them) and the missing field.
 */
export function rowsToExamples(rows: readonly ExampleRow[]): TypedExample[] {
  const out: TypedExample[] = [];
  rows.forEach((row, i) => {
    const input = row.input.trim();
    const outputs = row.output.split(OUTPUT_SEPARATOR).map((s) => s.trim()).filter(Boolean);
    if (!input && outputs.length === 0) return;
    if (!input) throw new Error(`row ${i + 1}: the input is empty`);
    if (outputs.length === 0) throw new Error(`row ${i + 1}: the output is empty`);
    out.push({ input, outputs });
  });
  return out;
}

/** The walk decodes at most this many inputs per point. */
export const MAX_WALK_INPUTS = 8;

export function parseSampleInputs(text: string): string[] {
  return text.split(/\r?\n/).map((s) => s.trim()).filter(Boolean).slice(0, MAX_WALK_INPUTS);
}
