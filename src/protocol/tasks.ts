// The tasks worker's contract (src/worker/tasks.ts): parse what a user imports off the page's
// thread: a folder of task files, and PyTorch .pt files (the paper authors' prompts and
// autoencoders, hundreds of MB for bart-base). Same protocol as the engine worker (./rpc.ts), its
// own small method map.
import type { ModelIdentity } from '../shared/artifacts/identity';
import type { TorchArtifact } from '../shared/artifacts/reference';
import type { TaskProblem } from '../shared/tasks/errors';
import type { LoadResult } from '../shared/tasks/loader';
import type { PickedFile } from '../shared/tasks/source';

/** Picked files (a folder or single files), or URLs to fetch. */
export type TaskImportParams = { files: PickedFile[] } | { urls: string[] };

/** Files that do not make tasks are an answer, not a failure: the problems say what to fix. */
export type TaskImportResult = { ok: true; loaded: LoadResult } | { ok: false; problems: TaskProblem[] };

/** A .pt file's bytes (transferred, not copied), converted for `identity`; a refusal is an ArtifactError. */
export interface TorchConvertParams {
  bytes: Uint8Array;
  identity: ModelIdentity;
  name: string;
}

export interface TaskMethods {
  importTasks: { params: TaskImportParams; result: TaskImportResult; progress: never };
  convertTorchFile: { params: TorchConvertParams; result: TorchArtifact; progress: never };
}
