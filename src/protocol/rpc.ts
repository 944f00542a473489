// The request protocol every worker of the app speaks (the engine worker and the tasks worker):
// a worker is described by a method map (method name -> its params, result and progress payloads),
// and the messages below follow from the map. Types only, importing nothing: the worker side is
// src/worker/host.ts, the UI side src/bridge/workerClient.ts.
//
// Every call is a `request` with an id; the worker answers with exactly one `result` or `error`
// carrying that id, and may send any number of `progress` messages for it before that. Two control
// messages reach a running handler at once (they bypass the queue of requests):
//   cancel  stop cooperatively; the call rejects with an error whose code is CANCELLED
//   pause   stop at the next point where the work can be resumed, and answer normally (a handler
//           that cannot pause ignores it); the work's result says that it paused
// A worker is never terminated for either, so loaded weights and optimiser state survive.
//
// Heartbeat: while calls are pending the client sends `ping`, which the worker answers with `pong`
// at once (it bypasses the queue too, but waits for the event loop: a training step blocks it for
// seconds). A worker silent for longer than the client's bound is taken for dead.
import type { WireError } from './errors';

/** One method of a worker: what it takes, what it answers, what it reports on the way. */
interface MethodSpec {
  params: unknown;
  result: unknown;
  progress: unknown;
}

/** A worker's method table (an interface whose every member is a MethodSpec). */
export type MethodMap<Ms> = { [M in keyof Ms]: MethodSpec };

export type MethodName<Ms> = keyof Ms & string;
export type Params<Ms extends MethodMap<Ms>, M extends keyof Ms> = Ms[M]['params'];
export type Result<Ms extends MethodMap<Ms>, M extends keyof Ms> = Ms[M]['result'];
export type Progress<Ms extends MethodMap<Ms>, M extends keyof Ms> = Ms[M]['progress'];

/** Events not tied to a call, that every worker may send. */
export type WorkerEvent =
  | { kind: 'ready' } // the worker's module loaded and its message loop runs
  | { kind: 'log'; level: 'info' | 'warn'; message: string }
  // Raised by the client itself, never sent: the worker died (crash, silence, an undecodable
  // message); every pending call failed with WORKER_CRASHED and the next call starts a fresh one.
  | { kind: 'crashed'; message: string };

// ---- UI -> worker -------------------------------------------------------------------------

export type RequestMessage<Ms extends MethodMap<Ms>> = {
  [M in MethodName<Ms>]: {
    type: 'request';
    id: number;
    method: M;
    params: Params<Ms, M>;
    /** Minimum ms between progress messages for this call (default PROGRESS_INTERVAL_MS; 0 = every one). */
    progressIntervalMs?: number;
  };
}[MethodName<Ms>];

/** cancel: stop, the call rejects with CANCELLED; pause: stop resumably, the call answers. */
interface ControlMessage {
  type: 'cancel' | 'pause';
  id: number;
}

/** Heartbeat: the worker answers `pong` with the same id. */
interface PingMessage {
  type: 'ping';
  id: number;
}

export type ToWorker<Ms extends MethodMap<Ms>> = RequestMessage<Ms> | ControlMessage | PingMessage;

// ---- worker -> UI -------------------------------------------------------------------------

type ResultMessage<Ms extends MethodMap<Ms>> = {
  [M in MethodName<Ms>]: { type: 'result'; id: number; method: M; result: Result<Ms, M> };
}[MethodName<Ms>];

type ProgressMessage<Ms extends MethodMap<Ms>> = {
  [M in MethodName<Ms>]: { type: 'progress'; id: number; method: M; progress: Progress<Ms, M> };
}[MethodName<Ms>];

interface ErrorMessage<Ms> {
  type: 'error';
  id: number;
  method: MethodName<Ms> | null;
  error: WireError;
}

interface EventMessage<Ev> {
  type: 'event';
  event: Ev;
}

interface PongMessage {
  type: 'pong';
  id: number;
}

/** `Ev`: the events a worker sends besides the WorkerEvents every worker may send. */
export type FromWorker<Ms extends MethodMap<Ms>, Ev = never> =
  | PongMessage
  | ResultMessage<Ms>
  | ProgressMessage<Ms>
  | ErrorMessage<Ms>
  | EventMessage<WorkerEvent | Ev>;

export const PROGRESS_INTERVAL_MS = 100;
