// A small worker for task imports: reading and parsing a folder of task files (CrossFit's full
// release is 160 tasks x 5 seeds x 3 files) would freeze the page if done on the UI thread. Pure
// core code only (no TF.js), so it starts fast and stays separate from the engine worker, which
// may be busy training. Started by src/ui/stores/tasks.svelte.ts.
import { TaskError, type TaskProblem } from '../shared/tasks/errors';
import { loadTasks, type LoadResult } from '../shared/tasks/loader';
import { fetchTextFiles, readPickedFiles, type PickedFile } from '../shared/tasks/source';

/** Mirrored in src/ui/stores/tasks.svelte.ts (the UI does not import from workers/). */
export type TaskImportRequest = { id: number; files: PickedFile[] } | { id: number; urls: string[] };

export type TaskImportReply =
  | { id: number; ok: true; result: LoadResult }
  | { id: number; ok: false; problems: TaskProblem[] };

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.addEventListener('message', (event: MessageEvent<TaskImportRequest>) => {
  const request = event.data;
  void (async (): Promise<TaskImportReply> => {
    try {
      const files = 'files' in request ? await readPickedFiles(request.files) : await fetchTextFiles(request.urls);
      return { id: request.id, ok: true, result: loadTasks(files) };
    } catch (error) {
      if (error instanceof TaskError) return { id: request.id, ok: false, problems: [...error.problems] };
      return { id: request.id, ok: false, problems: [{ code: 'fetch-failed', message: error instanceof Error ? error.message : String(error) }] };
    }
  })().then((reply) => scope.postMessage(reply));
});
