// The one way the UI reaches a worker, for every worker of the app (src/protocol/rpc.ts). Every call
// returns a Promise, streams throttled progress objects and takes two optional signals: `signal`
// (AbortSignal = cancel: the worker stops at its next checkpoint and the call rejects with
// CANCELLED) and `pauseSignal` (pause: the worker stops where the work can resume and answers).
// The worker is never terminated for either, so its state survives; it starts on the first call,
// so the first paint never waits for it.
//
// Supervision: a worker that dies never answers, so the client watches it. While calls are pending
// it pings the worker (a `ping` the host answers with `pong`); a worker silent for `deadAfterMs`
// is taken for dead. The bound is generous because one training step on wasm blocks the worker's
// event loop for seconds (15 s measured for a BART-base step). A message that cannot be decoded
// loses an answer nobody can name, and an `error` before the worker came up means it never will:
// both are deaths too. On a death the worker is terminated, every pending call rejects with
// WORKER_CRASHED naming what happened, a `crashed` event goes out (the UI stores react to it), and
// the next call starts a fresh worker.
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
  /**
   * Called when the call has to wait behind others (how many, and the method now running) and
   * again whenever that changes; with null once it is the worker's turn (it has started).
   */
  onQueue?: (waiting: QueuePosition | null) => void;
}

/**
 * Where a call waits: the worker runs one request at a time, in the order they were sent (the
 * host's queue, src/worker/host.ts), so the calls still unanswered before this one are ahead of
 * it and the oldest of them is the one running.
 */
export interface QueuePosition {
  /** Unanswered calls sent before this one (the running one included). */
  readonly ahead: number;
  /** The method of the oldest of them, the one the worker runs now. */
  readonly running: string;
}

/** The parts of a Worker the client uses (a fake can stand in for tests). */
export interface WorkerLike<Ms extends MethodMap<Ms>, Ev = never> {
  postMessage(message: ToWorker<Ms>, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<FromWorker<Ms, Ev>>) => void): void;
  addEventListener(type: 'error' | 'messageerror', listener: (event: Event) => void): void;
  terminate(): void;
}

export type WorkerFactory<Ms extends MethodMap<Ms>, Ev = never> = () => WorkerLike<Ms, Ev>;

interface SupervisionOptions {
  /** Ping this often while calls are pending (default 5 s). */
  heartbeatMs?: number;
  /** A worker that sent nothing for this long while calls were pending is dead (default 60 s). */
  deadAfterMs?: number;
}

const HEARTBEAT_MS = 5_000;
const DEAD_AFTER_MS = 60_000;

/** One method per entry of the map; params may be left out where the method takes none. */
export type Methods<Ms extends MethodMap<Ms>> = {
  readonly [M in MethodName<Ms>]: Record<string, never> extends Params<Ms, M>
    ? (params?: Params<Ms, M>, options?: CallOptions<Progress<Ms, M>>) => Promise<Result<Ms, M>>
    : (params: Params<Ms, M>, options?: CallOptions<Progress<Ms, M>>) => Promise<Result<Ms, M>>;
};

interface Pending {
  method: string;
  onQueue: ((waiting: QueuePosition | null) => void) | undefined;
  /** The position last reported to onQueue (null: running, or never waited). */
  reported: QueuePosition | null;
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
  readonly #heartbeatMs: number;
  readonly #deadAfterMs: number;
  /** performance.now() of the worker's last message (or of the watch's start). */
  #lastHeard = 0;
  #watch: ReturnType<typeof setInterval> | null = null;

  constructor(createWorker: WorkerFactory<Ms, Ev>, name: string, supervision: SupervisionOptions = {}) {
    this.#createWorker = createWorker;
    this.#name = name;
    this.#heartbeatMs = supervision.heartbeatMs ?? HEARTBEAT_MS;
    this.#deadAfterMs = supervision.deadAfterMs ?? DEAD_AFTER_MS;
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
    const { signal, pauseSignal, onProgress, onQueue, progressIntervalMs, transfer = [] } = options;
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
        onQueue,
        reported: null,
        resolve: resolve as (result: unknown) => void,
        reject,
        onProgress: onProgress as ((progress: never) => void) | undefined,
        cleanup: () => {
          signal?.removeEventListener('abort', onAbort);
          pauseSignal?.removeEventListener('abort', onPause);
        },
      });
      this.#startWatch();
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
        this.#reportQueue();
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
    this.#stopWatch();
    this.#failAll(`the ${this.#name} was disposed`);
    this.#worker?.terminate();
    this.#worker = null;
    this.#ready = false;
  }

  /**
   * Terminates the worker as a crash would and handles it as one (pending calls fail, `crashed`,
   * a fresh worker on the next call): for the browser console and the tests of what the UI does
   * when its worker dies. `reason` goes into the messages.
   */
  kill(reason = 'killed from the page'): void {
    if (this.#worker) this.#died(this.#worker, `the ${this.#name} worker was stopped (${reason})`);
  }

  #ensureWorker(): WorkerLike<Ms, Ev> {
    if (this.#worker) return this.#worker;
    const worker = this.#createWorker();
    worker.addEventListener('message', (event) => this.#onMessage(event.data));
    worker.addEventListener('error', (event) => this.#onWorkerError(worker, event));
    worker.addEventListener('messageerror', () => {
      // Which call's answer was lost cannot be told: none of them could settle any more.
      this.#died(worker, `a message from the ${this.#name} worker could not be decoded, so an answer was lost`);
    });
    this.#worker = worker;
    this.#ready = false;
    return worker;
  }

  #onMessage(message: FromWorker<Ms, Ev>): void {
    this.#lastHeard = performance.now();
    switch (message.type) {
      case 'pong':
        return;
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
      // An uncaught error outside a request does not end a worker that runs; whether it still
      // answers, the heartbeat tells: ask now rather than at the next beat.
      this.#emit({ kind: 'log', level: 'warn', message: `${this.#name} worker: ${detail}` });
      if (this.#pending.size > 0) this.#ping(worker);
      return;
    }
    // It never came up (script failed to load or threw at top level).
    this.#died(worker, `the ${this.#name} worker failed to start: ${detail}`);
  }

  /** The worker is gone: terminate it, fail every pending call, say so, start afresh next time. */
  #died(worker: WorkerLike<Ms, Ev>, message: string): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    this.#ready = false;
    this.#stopWatch();
    try {
      worker.terminate();
    } catch {
      /* already gone */
    }
    this.#failAll(message);
    this.#emit({ kind: 'crashed', message });
  }

  #startWatch(): void {
    if (this.#watch !== null) return;
    this.#lastHeard = performance.now();
    this.#watch = setInterval(() => this.#beat(), this.#heartbeatMs);
  }

  #stopWatch(): void {
    if (this.#watch !== null) clearInterval(this.#watch);
    this.#watch = null;
  }

  #beat(): void {
    const worker = this.#worker;
    if (!worker || this.#pending.size === 0) return this.#stopWatch();
    const silent = performance.now() - this.#lastHeard;
    if (silent >= this.#deadAfterMs) {
      this.#died(worker, `the ${this.#name} worker stopped answering (nothing for ${Math.round(silent / 1000)} s); it was restarted`);
      return;
    }
    this.#ping(worker);
  }

  #ping(worker: WorkerLike<Ms, Ev>): void {
    try {
      worker.postMessage({ type: 'ping', id: this.#nextId++ }, []);
    } catch {
      /* a terminated worker; the next beat decides */
    }
  }

  #failAll(message: string): void {
    for (const id of [...this.#pending.keys()]) {
      const pending = this.#settle(id);
      pending?.reject(new EngineError('WORKER_CRASHED', `${message}; ${pending.method} did not finish`));
    }
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    pending.cleanup();
    if (this.#pending.size === 0) this.#stopWatch();
    this.#reportQueue();
    return pending;
  }

  /** Tells each waiting call that asked where it stands now, when that changed (Map order is send order). */
  #reportQueue(): void {
    let ahead = 0;
    let running = '';
    for (const pending of this.#pending.values()) {
      if (ahead === 0) running = pending.method;
      const now = ahead === 0 ? null : { ahead, running };
      const was = pending.reported;
      ahead++;
      if (!pending.onQueue || (now === null && was === null) || (now && was && now.ahead === was.ahead && now.running === was.running)) continue;
      pending.reported = now;
      try {
        pending.onQueue(now);
      } catch (error) {
        console.error(`${this.#name} queue callback threw`, error);
      }
    }
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
