// The tasks worker: reading and parsing a folder of task files (CrossFit's full release is 160
// tasks x 5 seeds x 3 files), or a PyTorch .pt file, would freeze the page if done on the UI thread. Pure shared code (no
// TF.js), so it starts fast and stays separate from the engine worker, which may be busy training.
// Served by the same host as the engine worker; reached through src/bridge/tasksClient.ts.
import type { TaskImportParams, TaskImportResult, TaskMethods, TorchConvertParams } from '../protocol/tasks';
import { torchFileToArtifact, type TorchArtifact } from '../shared/artifacts/reference';
import { TaskError } from '../shared/tasks/errors';
import { loadFromUrls, loadPickedFiles } from '../shared/tasks/loader';
import { serve, type WorkerScope } from './host';

async function importTasks(params: TaskImportParams): Promise<TaskImportResult> {
  try {
    return { ok: true, loaded: 'files' in params ? await loadPickedFiles(params.files) : await loadFromUrls(params.urls) };
  } catch (error) {
    if (error instanceof TaskError) return { ok: false, problems: [...error.problems] };
    return { ok: false, problems: [{ code: 'fetch-failed', message: error instanceof Error ? error.message : String(error) }] };
  }
}

/** Reads a .pt file (src/shared/torch: never executes anything) and converts it; errors go back as they are. */
async function convertTorchFile(params: TorchConvertParams): Promise<TorchArtifact> {
  return torchFileToArtifact(params.bytes, { identity: params.identity, name: params.name });
}

serve<TaskMethods>(self as unknown as WorkerScope, { importTasks, convertTorchFile }, 'tasks worker');
