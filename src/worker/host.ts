// The worker side of the protocol (src/protocol/rpc.ts), for every worker of the app and independent
// of TF.js so it can be driven in-process in tests: it routes requests to handlers one at a time,
// throttles their progress, turns thrown errors into wire errors, and turns the control messages
// into signals the running handler sees at its next checkpoint: `cancel` aborts `signal`, `pause`
// aborts `pauseSignal`. A `ping` (the client's heartbeat) is answered with `pong` at once.
import { EngineError, toWireError } from '../protocol/errors';
import {
  PROGRESS_INTERVAL_MS,
  type FromWorker,
  type MethodMap,
  type MethodName,
  type Params,
  type Progress,
  type RequestMessage,
  type Result,
  type ToWorker,
} from '../protocol/rpc';

export interface RequestContext<P> {
  /** Aborted by `cancel`: stop, and let the call fail with CANCELLED. */
  readonly signal: AbortSignal;
  /** Aborted by `pause`: stop where the work can be resumed, and answer (handlers that cannot pause ignore it). */
  readonly pauseSignal: AbortSignal;
  /** Report progress; throttled per request, the latest value is always delivered before the answer. */
  progress(progress: P): void;
  /** Yield to the event loop, so that a control message (cancel, pause) that was sent can arrive. */
  yieldToControl(): Promise<void>;
  /**
   * yieldToControl(), then throw CANCELLED if a cancel arrived. Call it between steps of any long
   * loop; `what` names the point for the error message.
   */
  checkpoint(what: string): Promise<void>;
}

type Handler<Ms extends MethodMap<Ms>, M extends keyof Ms> = (
  params: Params<Ms, M>,
  context: RequestContext<Progress<Ms, M>>,
) => Promise<Result<Ms, M>>;

export type Handlers<Ms extends MethodMap<Ms>> = { [M in keyof Ms]: Handler<Ms, M> };

export type Post<Ms extends MethodMap<Ms>, Ev = never> = (message: FromWorker<Ms, Ev>, transfer?: Transferable[]) => void;

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** `name` says whose method is missing in an UNKNOWN_METHOD error ("the engine has no method 'x'"). */
export function createHost<Ms extends MethodMap<Ms>, Ev = never>(
  handlers: Handlers<Ms>,
  post: Post<Ms, Ev>,
  name = 'worker',
): (message: ToWorker<Ms>) => void {
  const running = new Map<number, { cancel: AbortController; pause: AbortController }>();
  // Requests run one after another: TF.js has one global backend and engine, and a backend
  // switch in the middle of a computation would corrupt it. Control messages bypass the queue.
  let queue: Promise<void> = Promise.resolve();

  async function run(request: RequestMessage<Ms>, controls: { cancel: AbortController; pause: AbortController }): Promise<void> {
    const { id, method } = request;
    const interval = request.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
    let lastSent = -Infinity;
    let pending: { value: unknown } | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;

    const send = (value: unknown) => {
      lastSent = performance.now();
      pending = null;
      post({ type: 'progress', id, method, progress: value } as FromWorker<Ms, Ev>);
    };
    const flush = () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (pending) send(pending.value);
    };
    const signal = controls.cancel.signal;
    const context: RequestContext<unknown> = {
      signal,
      pauseSignal: controls.pause.signal,
      progress(value) {
        const wait = lastSent + interval - performance.now();
        if (wait <= 0) {
          if (timer !== null) clearTimeout(timer);
          timer = null;
          send(value);
          return;
        }
        pending = { value };
        timer ??= setTimeout(flush, wait);
      },
      yieldToControl: yieldToEventLoop,
      async checkpoint(what) {
        await yieldToEventLoop();
        if (signal.aborted) throw new EngineError('CANCELLED', `${method} cancelled ${what}`);
      },
    };

    try {
      if (signal.aborted) throw new EngineError('CANCELLED', `${method} cancelled before it started`);
      const handler = (handlers as Record<string, unknown>)[method];
      if (typeof handler !== 'function') {
        throw new EngineError('UNKNOWN_METHOD', `the ${name} has no method '${String(method)}'`);
      }
      const result: unknown = await (handler as (params: unknown, context: RequestContext<unknown>) => Promise<unknown>)(request.params, context);
      flush();
      post({ type: 'result', id, method, result } as FromWorker<Ms, Ev>);
    } catch (error) {
      flush();
      post({ type: 'error', id, method, error: toWireError(error) });
    } finally {
      running.delete(id);
    }
  }

  return (message) => {
    if (message.type === 'ping') {
      post({ type: 'pong', id: message.id });
      return;
    }
    if (message.type === 'cancel' || message.type === 'pause') {
      running.get(message.id)?.[message.type].abort();
      return;
    }
    if (message.type !== 'request') {
      post({
        type: 'error',
        id: -1,
        method: null,
        error: { name: 'EngineError', code: 'BAD_REQUEST', message: `unknown message type '${String((message as { type?: unknown }).type)}'` },
      });
      return;
    }
    const controls = { cancel: new AbortController(), pause: new AbortController() };
    running.set(message.id, controls);
    queue = queue.then(() => run(message, controls));
  };
}

/** The parts of a worker's global scope that serving needs (DedicatedWorkerGlobalScope has them). */
export interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** Serves `handlers` on a worker's scope and announces `ready`; returns the scope's post, for events. */
export function serve<Ms extends MethodMap<Ms>, Ev = never>(scope: WorkerScope, handlers: Handlers<Ms>, name?: string): Post<Ms, Ev> {
  const post: Post<Ms, Ev> = (message, transfer = []) => scope.postMessage(message, transfer);
  const handle = createHost<Ms, Ev>(handlers, post, name);
  scope.addEventListener('message', (event: MessageEvent<ToWorker<Ms>>) => handle(event.data));
  post({ type: 'event', event: { kind: 'ready' } });
  return post;
}
