// The tasks worker's contract (src/worker/tasks.ts): parse a folder of task files off the page's
// thread. Same protocol as the engine worker (./rpc.ts), its own small method map.
import type { TaskProblem } from '../shared/tasks/errors';
import type { LoadResult } from '../shared/tasks/loader';
import type { PickedFile } from '../shared/tasks/source';

/** Picked files (a folder or single files), or URLs to fetch. */
export type TaskImportParams = { files: PickedFile[] } | { urls: string[] };

/** Files that do not make tasks are an answer, not a failure: the problems say what to fix. */
export type TaskImportResult = { ok: true; loaded: LoadResult } | { ok: false; problems: TaskProblem[] };

export interface TaskMethods {
  importTasks: { params: TaskImportParams; result: TaskImportResult; progress: never };
}
