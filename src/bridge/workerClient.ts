// The one way the UI reaches a worker, for every worker of the app (src/protocol/rpc.ts). Every call
// returns a Promise, streams throttled progress objects and takes two optional signals: `signal`
// (AbortSignal = cancel: the worker stops at its next checkpoint and the call rejects with
// CANCELLED) and `pauseSignal` (pause: the worker stops where the work can resume and answers).
// The worker is never terminated for either, so its state survives; it starts on the first call,
// so the first paint never waits for it.
//
// A client is typed from its worker's method map: `client.call('name', params, options)`, and the
// same as a method, `client.name(params, options)`, for every entry of the map (see withMethods).
import { EngineError, fromWireError } from '../protocol/errors';
import type { FromWorker, MethodMap, MethodName, Params, Progress, Result, ToWorker, WorkerEvent } from '../protocol/rpc';

export interface CallOptions<P> {
  /** Cancel: the call rejects with CANCELLED once the worker has stopped. */
  signal?: AbortSignal;
  /** Pause: the worker stops where the work can be resumed and answers (work that cannot pause ignores it). */
  pauseSignal?: AbortSignal;
  onProgress?: (progress: P) => void;
  /** Minimum ms between progress messages (worker default 100 ms; 0 = every step). */
  progressIntervalMs?: number;
  /** Buffers to move instead of copy (they become unusable on this side). */
  transfer?: Transferable[];
}

/** The parts of a Worker the client uses (a fake can stand in for tests). */
export interface WorkerLike<Ms extends MethodMap<Ms>, Ev = never> {
  postMessage(message: ToWorker<Ms>, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<FromWorker<Ms, Ev>>) => void): void;
  addEventListener(type: 'error' | 'messageerror', listener: (event: Event) => void): void;
  terminate(): void;
}

export type WorkerFactory<Ms extends MethodMap<Ms>, Ev = never> = () => WorkerLike<Ms, Ev>;

/** One method per entry of the map; params may be left out where the method takes none. */
export type Methods<Ms extends MethodMap<Ms>> = {
  readonly [M in MethodName<Ms>]: Record<string, never> extends Params<Ms, M>
    ? (params?: Params<Ms, M>, options?: CallOptions<Progress<Ms, M>>) => Promise<Result<Ms, M>>
    : (params: Params<Ms, M>, options?: CallOptions<Progress<Ms, M>>) => Promise<Result<Ms, M>>;
};

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(error: EngineError): void;
  onProgress: ((progress: never) => void) | undefined;
  cleanup(): void;
}

export class WorkerClient<Ms extends MethodMap<Ms>, Ev = never> {
  readonly #createWorker: WorkerFactory<Ms, Ev>;
  /** "engine", "tasks": names the worker in errors and logs. */
  readonly #name: string;
  #worker: WorkerLike<Ms, Ev> | null = null;
  #ready = false;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(event: WorkerEvent | Ev) => void>();

  constructor(createWorker: WorkerFactory<Ms, Ev>, name: string) {
    this.#createWorker = createWorker;
    this.#name = name;
  }

  /** Whether the worker has been started (it is started by the first call). */
  get started(): boolean {
    return this.#worker !== null;
  }

  /** Subscribe to worker events (ready, logs, the worker's own). Returns the unsubscribe function. */
  onEvent(listener: (event: WorkerEvent | Ev) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  call<M extends MethodName<Ms>>(
    method: M,
    params: Params<Ms, M>,
    options: CallOptions<Progress<Ms, M>> = {},
  ): Promise<Result<Ms, M>> {
    const { signal, pauseSignal, onProgress, progressIntervalMs, transfer = [] } = options;
    if (signal?.aborted) {
      return Promise.reject(new EngineError('CANCELLED', `${method} was cancelled before it started`));
    }
    let worker: WorkerLike<Ms, Ev>;
    try {
      worker = this.#ensureWorker();
    } catch (error) {
      // `new Worker` itself threw (no module workers here, a blocked script URL ...).
      return Promise.reject(new EngineError('WORKER_CRASHED', `the ${this.#name} worker could not be created: ${String(error)}`));
    }
    const id = this.#nextId++;
    return new Promise<Result<Ms, M>>((resolve, reject) => {
      // The promise settles when the worker answers, also after a cancel or a pause: then the
      // caller knows the worker has really stopped and is free for the next request.
      const control = (type: 'cancel' | 'pause') => () => worker.postMessage({ type, id }, []);
      const onAbort = control('cancel');
      const onPause = control('pause');
      signal?.addEventListener('abort', onAbort, { once: true });
      pauseSignal?.addEventListener('abort', onPause, { once: true });
      this.#pending.set(id, {
        method,
        resolve: resolve as (result: unknown) => void,
        reject,
        onProgress: onProgress as ((progress: never) => void) | undefined,
        cleanup: () => {
          signal?.removeEventListener('abort', onAbort);
          pauseSignal?.removeEventListener('abort', onPause);
        },
      });
      const message = {
        type: 'request',
        id,
        method,
        params,
        ...(progressIntervalMs === undefined ? {} : { progressIntervalMs }),
      } as ToWorker<Ms>;
      try {
        worker.postMessage(message, transfer);
        if (pauseSignal?.aborted) onPause();
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
    this.#failAll(`the ${this.#name} was disposed`);
    this.#worker?.terminate();
    this.#worker = null;
    this.#ready = false;
  }

  #ensureWorker(): WorkerLike<Ms, Ev> {
    if (this.#worker) return this.#worker;
    const worker = this.#createWorker();
    worker.addEventListener('message', (event) => this.#onMessage(event.data));
    worker.addEventListener('error', (event) => this.#onWorkerError(worker, event));
    worker.addEventListener('messageerror', () => {
      this.#emit({ kind: 'log', level: 'warn', message: `a message from the ${this.#name} could not be decoded` });
    });
    this.#worker = worker;
    this.#ready = false;
    return worker;
  }

  #onMessage(message: FromWorker<Ms, Ev>): void {
    switch (message.type) {
      case 'event':
        if ((message.event as WorkerEvent).kind === 'ready') this.#ready = true;
        this.#emit(message.event);
        return;
      case 'progress': {
        const pending = this.#pending.get(message.id);
        try {
          pending?.onProgress?.(message.progress as never);
        } catch (error) {
          // A throwing progress callback must not break the protocol; surface it and go on.
          console.error(`${this.#name} progress callback threw`, error);
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

  #onWorkerError(worker: WorkerLike<Ms, Ev>, event: Event): void {
    // ErrorEvent carries the message; a failed script fetch fires a plain Event without one.
    const message = (event as Partial<ErrorEvent>).message;
    const detail = typeof message === 'string' && message.length > 0 ? message : 'the worker script failed';
    if (this.#ready) {
      // The worker runs and answers requests itself; an uncaught error outside a request is news.
      this.#emit({ kind: 'log', level: 'warn', message: `${this.#name} worker: ${detail}` });
      return;
    }
    // It never came up (script failed to load or threw at top level): fail every call and let
    // the next call start a fresh worker.
    this.#failAll(`the ${this.#name} worker failed to start: ${detail}`);
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

  #emit(event: WorkerEvent | Ev): void {
    for (const listener of this.#listeners) listener(event);
  }
}

type ClientMember = keyof WorkerClient<Record<never, never>>;

/**
 * The client, with a method for every entry of the map: `client.selfTest(p, o)` is
 * `client.call('selfTest', p, o)`. Derived from the map's type, so adding an entry is the only
 * step. The client's own members (call, dispose, onEvent, started) come first: no method may be
 * named like one (the map's constraint says so).
 */
export function withMethods<Ms extends MethodMap<Ms> & { [K in ClientMember]?: never }, Ev>(
  client: WorkerClient<Ms, Ev>,
): WorkerClient<Ms, Ev> & Methods<Ms> {
  return new Proxy(client, {
    get(target, prop) {
      // `then` stays undefined, or awaiting the client would call a method named "then".
      if (typeof prop !== 'string' || prop in target || prop === 'then') {
        const value: unknown = Reflect.get(target, prop, target);
        // Bound: the client's private fields live on the target, not on the proxy.
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      const method = prop as MethodName<Ms>;
      return (params: Params<Ms, typeof method> = {}, options?: CallOptions<Progress<Ms, typeof method>>) => target.call(method, params, options);
    },
  }) as WorkerClient<Ms, Ev> & Methods<Ms>;
}
