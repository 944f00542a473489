// The engine worker's client: a WorkerClient (./workerClient.ts) over EngineMethods, with a typed
// method for every request (engine.selfTest(params, options), engine.startStudy(...) ...). The UI
// holds one instance (src/ui/stores/engine.svelte.ts); the worker starts on the first call.
import type { BackendEvent, EngineMethods } from '../protocol/messages';
import { WorkerClient, withMethods, type Methods, type WorkerFactory, type WorkerLike } from './workerClient';

function createEngineWorker(): WorkerLike<EngineMethods, BackendEvent> {
  // This exact `new Worker(new URL(...))` shape is what Vite recognises to bundle the worker.
  return new Worker(new URL('../worker/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'intrinsic-lab-engine',
  }) as WorkerLike<EngineMethods, BackendEvent>;
}

// The methods come from the map (withMethods), declared here so `new EngineClient()` has them.
export interface EngineClient extends Methods<EngineMethods> {}

export class EngineClient extends WorkerClient<EngineMethods, BackendEvent> {
  constructor(createWorker: WorkerFactory<EngineMethods, BackendEvent> = createEngineWorker) {
    super(createWorker, 'engine');
    return withMethods(this);
  }
}
