// One cancellable engine call at a time, with the state a component shows while it runs and after.
// Screens make their own (SampleTrial, SelfTestRun), so what it shows is gone when the user comes back.
import { isCancelled } from '../../protocol/errors';

export class EngineJob<Result, Progress = never> {
  running = $state(false);
  progress: Progress | null = $state(null);
  result: Result | null = $state(null);
  /** Why the last call returned nothing: the user cancelled it, or it failed. */
  failure: { cancelled: boolean; message: string } | null = $state(null);
  #controller: AbortController | null = null;

  protected async run(call: (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<Result>): Promise<void> {
    const controller = (this.#controller = new AbortController());
    this.running = true;
    this.progress = null;
    this.result = null;
    this.failure = null;
    try {
      this.result = await call(controller.signal, (p) => (this.progress = p));
    } catch (error) {
      this.failure = { cancelled: isCancelled(error), message: error instanceof Error ? error.message : String(error) };
    } finally {
      this.running = false;
      this.#controller = null;
    }
  }

  cancel(): void {
    this.#controller?.abort();
  }
}
