// The one way the UI reaches the engine worker. Every call returns a Promise, takes an optional
// AbortSignal (a cooperative `cancel` message: the worker stops at its next checkpoint and keeps
// its state; it is never terminated for a cancel) and streams throttled progress objects.
// The worker starts on the first call, so the first paint never waits for TF.js.
import { EngineError, fromWireError } from '../protocol/errors';
import type {
  EngineEvent,
  FromWorker,
  InitParams,
  InitResult,
  MethodName,
  ParamsOf,
  ParityParams,
  ParityResult,
  ProgressOf,
  ResultOf,
  SelfTestParams,
  SelfTestProgress,
  SelfTestResult,
  ToWorker,
} from '../protocol/messages';

export interface CallOptions<P> {
  signal?: AbortSignal;
  onProgress?: (progress: P) => void;
  /** Minimum ms between progress messages (worker default 100 ms; 0 = every step). */
  progressIntervalMs?: number;
  /** Buffers to move instead of copy (they become unusable on this side). */
  transfer?: Transferable[];
}

/** The parts of a Worker the client uses (a fake can stand in for tests). */
export interface WorkerLike {
  postMessage(message: ToWorker, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<FromWorker>) => void): void;
  addEventListener(type: 'error' | 'messageerror', listener: (event: Event) => void): void;
  terminate(): void;
}

export type WorkerFactory = () => WorkerLike;

interface Pending {
  method: MethodName;
  resolve(result: unknown): void;
  reject(error: EngineError): void;
  onProgress: ((progress: never) => void) | undefined;
  cleanup(): void;
}

function createEngineWorker(): WorkerLike {
  // This exact `new Worker(new URL(...))` shape is what Vite recognises to bundle the worker.
  return new Worker(new URL('../worker/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'intrinsic-lab-engine',
  }) as WorkerLike;
}

export class EngineClient {
  readonly #createWorker: WorkerFactory;
  #worker: WorkerLike | null = null;
  #ready = false;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(event: EngineEvent) => void>();

  constructor(createWorker: WorkerFactory = createEngineWorker) {
    this.#createWorker = createWorker;
  }

  /** Whether the worker has been started (it is started by the first call). */
  get started(): boolean {
    return this.#worker !== null;
  }

  /** Choose and initialise a TF.js backend; calling it again re-initialises with the new choice. */
  init(params: InitParams = {}, options: CallOptions<never> = {}): Promise<InitResult> {
    return this.call('init', params, options);
  }

  /** A few small matmuls checked against plain JS: proves the backend and the protocol work. */
  selfTest(params: SelfTestParams, options: CallOptions<SelfTestProgress> = {}): Promise<SelfTestResult> {
    return this.call('selfTest', params, options);
  }

  /** Forward/backward parity of the BART implementation against the reference fixture. */
  parity(params: ParityParams, options: CallOptions<never> = {}): Promise<ParityResult> {
    return this.call('parity', params, options);
  }

  /** Subscribe to worker events (ready, backend changes, logs). Returns the unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  call<M extends MethodName>(
    method: M,
    params: ParamsOf<M>,
    options: CallOptions<ProgressOf<M>> = {},
  ): Promise<ResultOf<M>> {
    const { signal, onProgress, progressIntervalMs, transfer = [] } = options;
    if (signal?.aborted) {
      return Promise.reject(new EngineError('CANCELLED', `${method} was cancelled before it started`));
    }
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      // The promise settles when the worker answers, also after a cancel: then the caller knows
      // the worker has really stopped and is free for the next request.
      const onAbort = () => worker.postMessage({ type: 'cancel', id }, []);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        method,
        resolve: resolve as (result: unknown) => void,
        reject,
        onProgress: onProgress as ((progress: never) => void) | undefined,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      const message = {
        type: 'request',
        id,
        method,
        params,
        ...(progressIntervalMs === undefined ? {} : { progressIntervalMs }),
      } as ToWorker;
      try {
        worker.postMessage(message, transfer);
      } catch (error) {
        // DataCloneError: params that cannot cross (functions, DOM nodes ...).
        this.#settle(id)?.reject(
          new EngineError('BAD_REQUEST', `${method}: params cannot be sent to the worker: ${String(error)}`),
        );
      }
    });
  }

  /** Stop the worker for good (page teardown, tests). Pending calls reject with WORKER_CRASHED. */
  dispose(): void {
    this.#failAll('the engine was disposed');
    this.#worker?.terminate();
    this.#worker = null;
    this.#ready = false;
  }

  #ensureWorker(): WorkerLike {
    if (this.#worker) return this.#worker;
    const worker = this.#createWorker();
    worker.addEventListener('message', (event) => this.#onMessage(event.data));
    worker.addEventListener('error', (event) => this.#onWorkerError(worker, event));
    worker.addEventListener('messageerror', () => {
      this.#emit({ kind: 'log', level: 'warn', message: 'a message from the engine could not be decoded' });
    });
    this.#worker = worker;
    this.#ready = false;
    return worker;
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'event':
        if (message.event.kind === 'ready') this.#ready = true;
        this.#emit(message.event);
        return;
      case 'progress': {
        const pending = this.#pending.get(message.id);
        try {
          pending?.onProgress?.(message.progress as never);
        } catch (error) {
          // A throwing progress callback must not break the protocol; surface it and go on.
          console.error('engine progress callback threw', error);
        }
        return;
      }
      case 'result':
        this.#settle(message.id)?.resolve(message.result);
        return;
      case 'error':
        this.#settle(message.id)?.reject(fromWireError(message.error));
        return;
    }
  }

  #onWorkerError(worker: WorkerLike, event: Event): void {
    // ErrorEvent carries the message; a failed script fetch fires a plain Event without one.
    const message = (event as Partial<ErrorEvent>).message;
    const detail = typeof message === 'string' && message.length > 0 ? message : 'the worker script failed';
    if (this.#ready) {
      // The worker runs and answers requests itself; an uncaught error outside a request is news.
      this.#emit({ kind: 'log', level: 'warn', message: `engine worker: ${detail}` });
      return;
    }
    // It never came up (script failed to load or threw at top level): fail every call and let
    // the next call start a fresh worker.
    this.#failAll(`the engine worker failed to start: ${detail}`);
    worker.terminate();
    if (this.#worker === worker) this.#worker = null;
  }

  #failAll(message: string): void {
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id)?.reject(new EngineError('WORKER_CRASHED', message));
    }
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    pending.cleanup();
    return pending;
  }

  #emit(event: EngineEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
