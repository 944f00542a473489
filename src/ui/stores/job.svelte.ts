// One cancellable engine call at a time, with the state a component shows while it runs and after:
// whether it waits behind other requests in the engine, its progress, its result or failure.
// Screens make their own (SelfTestRun), so what it shows is gone when the user comes back, or hold
// one at module level to keep the answer across visits (the Model screen's sampleTrial).
import type { QueuePosition } from '../../bridge/workerClient';
import { isCancelled } from '../../protocol/errors';

export class EngineJob<Result, Progress = never> {
  running = $state(false);
  /** While running: the requests ahead of it in the engine's queue, null once it has started. */
  waiting: QueuePosition | null = $state(null);
  progress: Progress | null = $state(null);
  result: Result | null = $state(null);
  /** Why the last call returned nothing: the user cancelled it, or it failed. */
  failure: { cancelled: boolean; message: string } | null = $state(null);
  #controller: AbortController | null = null;

  protected async run(
    call: (signal: AbortSignal, onProgress: (p: Progress) => void, onQueue: (waiting: QueuePosition | null) => void) => Promise<Result>,
  ): Promise<void> {
    const controller = (this.#controller = new AbortController());
    this.running = true;
    this.waiting = null;
    this.progress = null;
    this.result = null;
    this.failure = null;
    try {
      this.result = await call(controller.signal, (p) => (this.progress = p), (w) => (this.waiting = w));
    } catch (error) {
      this.failure = { cancelled: isCancelled(error), message: error instanceof Error ? error.message : String(error) };
    } finally {
      this.running = false;
      this.waiting = null;
      this.#controller = null;
    }
  }

  cancel(): void {
    this.#controller?.abort();
  }
}
