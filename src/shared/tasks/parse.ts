// Parsers for one file's text: CrossFit TSV, MetaICL-style JSONL, and a user's TSV/CSV/JSONL table.
// They never throw anything but TaskError, and report every bad line with its file and number.

import type { Example, SplitName } from './types';
import { ProblemList, problem, type TaskProblem } from './errors';
import type { TextFile } from './source';

const SPLIT_NAMES: readonly SplitName[] = ['train', 'dev', 'test'];

export function isSplitName(s: string): s is SplitName {
  return (SPLIT_NAMES as readonly string[]).includes(s);
}

/** An example with the line it came from, so later checks (duplicates, sampling) can point at it. */
export interface LineExample extends Example {
  readonly line: number;
}

interface Line {
  readonly text: string;
  readonly number: number;
}

/**
 * Splits into lines (LF or CRLF). Blank lines at the end of a file are an editor's newline, not
 * data; a blank line anywhere else is reported because it usually means a broken export.
 */
function contentLines(file: TextFile, problems: ProblemList): Line[] {
  const raw = file.text.split('\n');
  let last = raw.length - 1;
  while (last >= 0 && (raw[last] ?? '').trim() === '') last--;
  const lines: Line[] = [];
  for (let i = 0; i <= last; i++) {
    const text = (raw[i] ?? '').replace(/\r$/, '');
    if (text.trim() === '') {
      problems.add(problem('empty-line', 'empty line', file.path, i + 1));
      continue;
    }
    lines.push({ text, number: i + 1 });
  }
  if (last < 0) problems.add(problem('empty-file', 'the file has no examples', file.path));
  return lines;
}

/** Shortens user text quoted inside an error message. */
function quote(s: string, max = 40): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}...` : s);
}

/**
 * CrossFit TSV: `input TAB output [TAB output ...]`, one example a line, every output acceptable
 * (the first is the training target).
 */
export function parseCrossfitTsv(file: TextFile, problems: ProblemList): LineExample[] {
  const out: LineExample[] = [];
  for (const { text, number } of contentLines(file, problems)) {
    // Whitespace around the line goes, as in the reference reader, but not TABs: `x TAB` is an
    // empty output, not a line without a TAB.
    const cells = text.replace(/^[^\S\t]+|[^\S\t]+$/g, '').split('\t');
    const ex = exampleFromCells(cells, file.path, number, problems);
    if (ex) out.push({ ...ex, line: number });
  }
  return out;
}

function exampleFromCells(cells: readonly string[], path: string, line: number, problems: ProblemList): Example | undefined {
  if (cells.length < 2) {
    problems.add(problem('missing-tab', 'no TAB between input and output', path, line));
    return undefined;
  }
  const [input = '', ...outputs] = cells;
  let ok = true;
  if (input.trim() === '') {
    problems.add(problem('empty-input', 'empty input', path, line));
    ok = false;
  }
  outputs.forEach((o, i) => {
    if (o.trim() === '') {
      problems.add(problem('empty-output', `empty output (column ${i + 2})`, path, line));
      ok = false;
    }
  });
  return ok ? { input, outputs } : undefined;
}

export interface JsonlOptions {
  /** The task the file name says; a line whose `task` field differs is reported. */
  readonly expectedTask?: string;
  /**
   * Append `options` to the input as ` (A) x (B) y`, which is how CrossFit's TSV writes
   * multiple-choice questions (MetaICL keeps them apart for its scoring; a generator needs them).
   */
  readonly appendOptions?: boolean;
}

/**
 * The JSON value of every content line, with its line number, one at a time (so the caller's
 * problems for a line stay in line order); a line that is not JSON is reported and skipped.
 */
function* jsonLines(file: TextFile, problems: ProblemList): Generator<{ value: unknown; number: number }> {
  for (const { text, number } of contentLines(file, problems)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      problems.add(problem('bad-json', `bad JSON: ${(err as Error).message}`, file.path, number));
      continue;
    }
    yield { value, number };
  }
}

/** MetaICL-style JSON lines: `{"task", "input", "output", "options"}`; `output` may be a list. */
export function parseJsonl(file: TextFile, problems: ProblemList, opts: JsonlOptions = {}): (LineExample & { task?: string })[] {
  const out: (LineExample & { task?: string })[] = [];
  for (const { value, number } of jsonLines(file, problems)) {
    const ex = exampleFromObject(value, file.path, number, problems, opts);
    if (ex) out.push(ex);
  }
  return out;
}

function exampleFromObject(
  value: unknown,
  path: string,
  line: number,
  problems: ProblemList,
  opts: JsonlOptions,
): (LineExample & { task?: string }) | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add(problem('bad-field', 'each line must be a JSON object with "input" and "output"', path, line));
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  let ok = true;
  const bad = (p: TaskProblem) => {
    problems.add(p);
    ok = false;
  };
  const input = obj.input;
  if (typeof input !== 'string') {
    bad(problem('bad-field', '"input" must be a string', path, line));
  } else if (input.trim() === '') {
    bad(problem('empty-input', 'empty input', path, line));
  }
  const rawOut = obj.output;
  const outputs = typeof rawOut === 'string' ? [rawOut] : rawOut;
  if (!Array.isArray(outputs) || outputs.length === 0 || !outputs.every((o) => typeof o === 'string')) {
    bad(problem('bad-field', '"output" must be a string or a non-empty list of strings', path, line));
  } else if (outputs.some((o: string) => o.trim() === '')) {
    bad(problem('empty-output', 'empty output', path, line));
  }
  const task = obj.task;
  if (task !== undefined && typeof task !== 'string') {
    bad(problem('bad-field', '"task" must be a string', path, line));
  } else if (task !== undefined && opts.expectedTask !== undefined && task !== opts.expectedTask) {
    bad(problem('task-mismatch', `"task" is ${quote(task)} but the file name says ${quote(opts.expectedTask)}`, path, line));
  }
  const options = obj.options;
  if (options !== undefined && (!Array.isArray(options) || !options.every((o) => typeof o === 'string'))) {
    bad(problem('bad-field', '"options" must be a list of strings', path, line));
  }
  if (!ok) return undefined;
  let text = input as string;
  if (opts.appendOptions && Array.isArray(options) && options.length > 0) {
    text += (options as string[]).map((o, i) => ` (${optionLetter(i)}) ${o}`).join('');
  }
  return {
    input: text,
    outputs: outputs as string[],
    line,
    ...(typeof task === 'string' && { task }),
  };
}

/** A..Z, then AA, AB, ... for very long option lists. */
function optionLetter(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/** One CSV record: its cells and the line where it starts (quoted cells may span lines). */
export interface CsvRecord {
  readonly cells: string[];
  readonly line: number;
}

/**
 * RFC 4180: comma-separated, CRLF or LF between records, a field with commas, quotes or newlines is
 * quoted and doubles its quotes. Strict about stray quotes so a broken export is caught, not guessed.
 */
function parseCsv(file: TextFile, problems: ProblemList): CsvRecord[] {
  const s = file.text;
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let atCellStart = true;
  const endRecord = () => {
    cells.push(cell);
    // A record that is one empty cell is a blank line; kept so blank-line rules apply below.
    records.push({ cells, line: recordLine });
    cells = [];
    cell = '';
    atCellStart = true;
  };
  while (i < s.length) {
    const c = s[i];
    if (atCellStart && c === '"') {
      // Quoted field: read to the closing quote; "" is a literal quote.
      const startLine = line;
      i++;
      let closed = false;
      while (i < s.length) {
        const d = s[i];
        if (d === '"') {
          if (s[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (d === '\n') line++;
        cell += d;
        i++;
      }
      if (!closed) {
        problems.add(problem('bad-csv', 'quoted field is never closed', file.path, startLine));
        return [];
      }
      const next = s[i];
      if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && s[i + 1] === '\n')) {
        problems.add(problem('bad-csv', 'text after a closing quote (quotes inside a field must be doubled)', file.path, line));
        return [];
      }
      atCellStart = false;
      continue;
    }
    if (c === ',') {
      cells.push(cell);
      cell = '';
      atCellStart = true;
      i++;
    } else if (c === '\n' || (c === '\r' && s[i + 1] === '\n')) {
      endRecord();
      i += c === '\r' ? 2 : 1;
      line++;
      recordLine = line;
    } else if (c === '"') {
      problems.add(problem('bad-csv', 'a quote inside an unquoted field (quote the whole field)', file.path, line));
      return [];
    } else {
      cell += c;
      atCellStart = false;
      i++;
    }
  }
  if (!atCellStart || cells.length > 0 || cell !== '') endRecord();
  return records;
}

/** A row of a user's table: one example, and its split when the table has a `split` column. */
export interface UserRow extends LineExample {
  readonly split?: SplitName;
}

export type UserFormat = 'tsv' | 'csv' | 'jsonl';

export function userFormatOf(path: string): UserFormat | undefined {
  const m = /\.(tsv|csv|jsonl)$/i.exec(path);
  return m ? (m[1]!.toLowerCase() as UserFormat) : undefined;
}

/**
 * A user's own labelled table. TSV/CSV take a header row naming `input` and `output` (more columns
 * whose name starts with `output` are further acceptable outputs; `split` is optional; others are
 * ignored). A TSV whose first row is not such a header is read as CrossFit TSV. JSONL lines are
 * objects with `input` and `output` (and optionally `split`).
 */
export function parseUserTable(file: TextFile, problems: ProblemList): UserRow[] {
  const format = userFormatOf(file.path);
  if (format === 'jsonl') return parseUserJsonl(file, problems);
  if (format === 'tsv') {
    const first = file.text.split('\n', 1)[0] ?? '';
    const header = headerColumns(first.replace(/\r$/, '').split('\t'));
    if (!header) return parseCrossfitTsv(file, problems);
    const records: CsvRecord[] = [];
    for (const { text, number } of contentLines(file, problems)) records.push({ cells: text.split('\t'), line: number });
    return rowsFromRecords(file, records.slice(1), header, '\t', problems);
  }
  if (format === 'csv') {
    const before = problems.count;
    const records = parseCsv(file, problems);
    if (problems.count !== before) return [];
    // Trailing blank records are the final newline(s); blank records before that are reported.
    let last = records.length - 1;
    while (last >= 0 && isBlankRecord(records[last]!)) last--;
    const kept = records.slice(0, last + 1);
    if (kept.length === 0) {
      problems.add(problem('empty-file', 'the file has no rows', file.path));
      return [];
    }
    const header = headerColumns(kept[0]!.cells);
    if (!header) {
      problems.add(problem('bad-csv', 'the first row must be a header naming the "input" and "output" columns', file.path, 1));
      return [];
    }
    const body: CsvRecord[] = [];
    for (const r of kept.slice(1)) {
      if (isBlankRecord(r)) problems.add(problem('empty-line', 'empty line', file.path, r.line));
      else body.push(r);
    }
    return rowsFromRecords(file, body, header, ',', problems);
  }
  problems.add(problem('bad-field', 'unsupported file type (use .tsv, .csv or .jsonl)', file.path));
  return [];
}

function isBlankRecord(r: CsvRecord): boolean {
  return r.cells.length === 1 && (r.cells[0] ?? '').trim() === '';
}

interface Header {
  readonly width: number;
  readonly input: number;
  readonly outputs: number[];
  readonly split?: number;
}

function headerColumns(cells: readonly string[]): Header | undefined {
  const names = cells.map((c) => c.trim().toLowerCase());
  const input = names.indexOf('input');
  const outputs = names.flatMap((n, i) => (n.startsWith('output') ? [i] : []));
  if (input < 0 || outputs.length === 0) return undefined;
  const split = names.indexOf('split');
  return { width: cells.length, input, outputs, ...(split >= 0 && { split }) };
}

function rowsFromRecords(file: TextFile, records: readonly CsvRecord[], h: Header, sep: string, problems: ProblemList): UserRow[] {
  const rows: UserRow[] = [];
  if (records.length === 0) problems.add(problem('empty-file', 'the file has a header but no rows', file.path));
  for (const { cells, line } of records) {
    if (cells.length !== h.width) {
      const code = sep === '\t' && cells.length < h.width ? 'missing-tab' : sep === '\t' ? 'bad-field' : 'bad-csv';
      problems.add(problem(code, `${cells.length} columns but the header has ${h.width}`, file.path, line));
      continue;
    }
    const input = cells[h.input] ?? '';
    // Further output columns may be left blank for rows with fewer acceptable answers.
    const [first, ...rest] = h.outputs.map((i) => cells[i] ?? '');
    let ok = true;
    if (input.trim() === '') {
      problems.add(problem('empty-input', 'empty input', file.path, line));
      ok = false;
    }
    if ((first ?? '').trim() === '') {
      problems.add(problem('empty-output', 'empty output', file.path, line));
      ok = false;
    }
    const split = h.split === undefined ? undefined : (cells[h.split] ?? '').trim().toLowerCase();
    if (split !== undefined && !isSplitName(split)) {
      problems.add(problem('unknown-split', `unknown split ${quote(split)} (use train, dev or test)`, file.path, line));
      ok = false;
    }
    if (!ok) continue;
    rows.push({
      input,
      outputs: [first!, ...rest.filter((o) => o.trim() !== '')],
      line,
      ...(split !== undefined && { split: split as SplitName }),
    });
  }
  return rows;
}

function parseUserJsonl(file: TextFile, problems: ProblemList): UserRow[] {
  const rows: UserRow[] = [];
  for (const { value, number } of jsonLines(file, problems)) {
    const ex = exampleFromObject(value, file.path, number, problems, {});
    if (!ex) continue;
    const rawSplit = (value as Record<string, unknown>).split;
    if (rawSplit === undefined) {
      rows.push({ input: ex.input, outputs: ex.outputs, line: number });
    } else if (typeof rawSplit === 'string' && isSplitName(rawSplit.trim().toLowerCase())) {
      rows.push({ input: ex.input, outputs: ex.outputs, line: number, split: rawSplit.trim().toLowerCase() as SplitName });
    } else {
      problems.add(problem('unknown-split', `unknown split ${quote(String(rawSplit))} (use train, dev or test)`, file.path, number));
    }
  }
  return rows;
}
