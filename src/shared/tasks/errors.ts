// Every way task data can be wrong. Loaders collect all problems they find and throw them together
// in one TaskError, so a user fixes a folder in one pass and nothing is ever half-imported.

export type TaskProblemCode =
  | 'missing-tab'
  | 'empty-input'
  | 'empty-output'
  | 'empty-line'
  | 'empty-file'
  | 'bad-json'
  | 'bad-field'
  | 'bad-csv'
  | 'bad-encoding'
  | 'unknown-split'
  | 'duplicate-task'
  | 'inconsistent-seeds'
  | 'inconsistent-k'
  | 'task-mismatch'
  | 'bad-metadata'
  | 'no-tasks'
  | 'too-few-examples'
  | 'bad-category'
  | 'fetch-failed'
  | 'not-found'
  /** A path that is a device, FIFO, socket (or a folder where a file was expected). */
  | 'not-a-file'
  /** A file over the reader's size limit. */
  | 'too-large';

export interface TaskProblem {
  readonly code: TaskProblemCode;
  /** The file (path as given by the source: relative path, URL or picked name). */
  readonly file?: string;
  /** 1-based line (for CSV: the line where the record starts). */
  readonly line?: number;
  /** Complete sentence naming file and line, ready to show. */
  readonly message: string;
}

export class TaskError extends Error {
  constructor(readonly problems: readonly TaskProblem[]) {
    super(TaskError.summary(problems));
    this.name = 'TaskError';
  }

  private static summary(problems: readonly TaskProblem[]): string {
    const shown = problems.slice(0, 5).map((p) => p.message);
    const more = problems.length > 5 ? [`... and ${problems.length - 5} more problems`] : [];
    return [...shown, ...more].join('\n') || 'invalid task data';
  }
}

/** Builds a problem whose message starts with `file:line: ` so it can be read on its own. */
export function problem(code: TaskProblemCode, detail: string, file?: string, line?: number): TaskProblem {
  const where = file === undefined ? '' : line === undefined ? `${file}: ` : `${file}:${line}: `;
  return { code, message: where + detail, ...(file !== undefined && { file }), ...(line !== undefined && { line }) };
}

/** Collects problems; throws them all at once at a checkpoint. */
export class ProblemList {
  readonly items: TaskProblem[] = [];
  private dropped = 0;
  /** Stop recording after this many so a huge broken file cannot exhaust memory. */
  constructor(private readonly max = 1000) {}

  add(p: TaskProblem): void {
    if (this.items.length < this.max) this.items.push(p);
    else this.dropped++;
  }

  /** Problems seen so far, listed or not: compare before/after a step to see if it found any. */
  get count(): number {
    return this.items.length + this.dropped;
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  throwIfAny(): void {
    if (this.items.length === 0) return;
    const more = this.dropped > 0 ? [{ code: this.items[0]!.code, message: `... and ${this.dropped} more problems not listed` }] : [];
    throw new TaskError([...this.items, ...more]);
  }
}
