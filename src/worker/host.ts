// The worker side of the protocol, independent of TF.js so it can be driven in-process in tests:
// it routes requests to handlers one at a time, throttles their progress, turns thrown errors
// into wire errors and turns `cancel` messages into an aborted AbortSignal the handler checks.
import { EngineError, toWireError } from '../protocol/errors';
import {
  PROGRESS_INTERVAL_MS,
  type FromWorker,
  type MethodName,
  type ParamsOf,
  type ProgressOf,
  type RequestMessage,
  type ResultOf,
  type ToWorker,
} from '../protocol/messages';

export interface RequestContext<P> {
  readonly signal: AbortSignal;
  /** Report progress; throttled per request, the latest value is always delivered before the answer. */
  progress(progress: P): void;
  /**
   * Yield to the event loop (so a `cancel` can arrive) and throw CANCELLED if it did.
   * Call it between steps of any long loop; `what` names the point for the error message.
   */
  checkpoint(what: string): Promise<void>;
}

export type Handler<M extends MethodName> = (
  params: ParamsOf<M>,
  context: RequestContext<ProgressOf<M>>,
) => Promise<ResultOf<M>>;

export type Handlers = { [M in MethodName]: Handler<M> };

export type Post = (message: FromWorker, transfer?: Transferable[]) => void;

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function createEngineHost(handlers: Handlers, post: Post): (message: ToWorker) => void {
  const controllers = new Map<number, AbortController>();
  // Requests run one after another: TF.js has one global backend and engine, and a backend
  // switch in the middle of a computation would corrupt it. Cancels bypass the queue.
  let queue: Promise<void> = Promise.resolve();

  async function run(request: RequestMessage, controller: AbortController): Promise<void> {
    const { id, method } = request;
    const interval = request.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
    let lastSent = -Infinity;
    let pending: { value: unknown } | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;

    const send = (value: unknown) => {
      lastSent = performance.now();
      pending = null;
      post({ type: 'progress', id, method, progress: value } as FromWorker);
    };
    const flush = () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (pending) send(pending.value);
    };
    const context: RequestContext<unknown> = {
      signal: controller.signal,
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
      async checkpoint(what) {
        await yieldToEventLoop();
        if (controller.signal.aborted) throw new EngineError('CANCELLED', `${method} cancelled ${what}`);
      },
    };

    try {
      if (controller.signal.aborted) throw new EngineError('CANCELLED', `${method} cancelled before it started`);
      const handler = handlers[method] as (params: unknown, context: RequestContext<unknown>) => Promise<unknown>;
      if (typeof handler !== 'function') {
        throw new EngineError('UNKNOWN_METHOD', `the engine has no method '${String(method)}'`);
      }
      const result = await handler(request.params, context);
      flush();
      post({ type: 'result', id, method, result } as FromWorker);
    } catch (error) {
      flush();
      post({ type: 'error', id, method, error: toWireError(error) });
    } finally {
      controllers.delete(id);
    }
  }

  return (message) => {
    if (message.type === 'cancel') {
      controllers.get(message.id)?.abort();
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
    const controller = new AbortController();
    controllers.set(message.id, controller);
    queue = queue.then(() => run(message, controller));
  };
}
