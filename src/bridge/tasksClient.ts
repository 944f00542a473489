// The tasks worker's client: a WorkerClient (./workerClient.ts) over TaskMethods, so a task import
// goes through the same protocol and bridge as every engine call. Started on the first import.
import type { TaskMethods } from '../protocol/tasks';
import { WorkerClient, withMethods, type Methods, type WorkerFactory, type WorkerLike } from './workerClient';

function createTasksWorker(): WorkerLike<TaskMethods> {
  // This exact `new Worker(new URL(...))` shape is what Vite recognises to bundle the worker.
  return new Worker(new URL('../worker/tasks.ts', import.meta.url), {
    type: 'module',
    name: 'intrinsic-lab-tasks',
  }) as WorkerLike<TaskMethods>;
}

export interface TasksClient extends Methods<TaskMethods> {}

export class TasksClient extends WorkerClient<TaskMethods> {
  constructor(createWorker: WorkerFactory<TaskMethods> = createTasksWorker) {
    super(createWorker, 'tasks');
    return withMethods(this);
  }
}
