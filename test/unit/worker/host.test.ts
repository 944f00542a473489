// The bridge (src/bridge/engineClient.ts) wired to the worker's host (src/worker/host.ts) in-process,
// with every message passing through structuredClone as it would between threads. The handlers are
// the real selfTest on tfjs' cpu backend plus small probes, so the protocol rules are tested here
// fast; test/browser/protocol.test.ts checks the same rules across a real Worker in Chromium.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../../src/bridge/engineClient';
import { WorkerClient, withMethods, type Methods, type WorkerLike } from '../../../src/bridge/workerClient';
import { EngineError, isCancelled } from '../../../src/protocol/errors';
import type { BackendEvent, EngineMethods, SelfTestProgress } from '../../../src/protocol/messages';
import type { FromWorker, ToWorker } from '../../../src/protocol/rpc';
import { createHost, type Handlers } from '../../../src/worker/host';
import { selfTest } from '../../../src/worker/selfTest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Records the order handlers start and finish in, to check requests never overlap. */
const log: string[] = [];

// Only the methods these tests call (the host answers any other with UNKNOWN_METHOD), so the
// table does not grow with every request the app adds.
const handlers: Partial<Handlers<EngineMethods>> = {
  async init() {
    log.push('init:start');
    await tick();
    log.push('init:end');
    return {
      backend: 'cpu',
      requested: 'cpu',
      reason: 'test',
      adapter: { kind: 'none', description: 'test' },
      threads: 1,
      wasmBuild: null,
      crossOriginIsolated: false,
      attempts: [{ backend: 'cpu', ok: true }],
    };
  },
  async selfTest(params, context) {
    log.push('selfTest:start');
    try {
      return await selfTest(params, context);
    } finally {
      log.push('selfTest:end');
    }
  },
  async parity() {
    // Not an Error: the host must still send something readable.
    throw 'a thrown string';
  },
};

class InProcessWorker implements WorkerLike<EngineMethods, BackendEvent> {
  readonly #listeners = new Map<string, ((event: never) => void)[]>();
  readonly #host = createHost<EngineMethods, BackendEvent>(handlers as Handlers<EngineMethods>, (message) => {
    const copy = structuredClone(message);
    setTimeout(() => this.#emit('message', { data: copy }), 0);
  }, 'engine');
  terminated = false;
  readonly posted: ToWorker<EngineMethods>[] = [];

  constructor(readonly failToStart = false) {
    setTimeout(() => {
      if (this.failToStart) this.#emit('error', { message: 'SyntaxError: Unexpected token' });
      else this.#emit('message', { data: { type: 'event', event: { kind: 'ready' } } satisfies FromWorker<EngineMethods, BackendEvent> });
    }, 0);
  }

  postMessage(message: ToWorker<EngineMethods>, transfer: Transferable[]): void {
    const copy = structuredClone(message, { transfer });
    this.posted.push(copy);
    if (!this.failToStart) setTimeout(() => this.#host(copy), 0);
  }

  addEventListener(type: string, listener: (event: never) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  terminate(): void {
    this.terminated = true;
  }

  #emit(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event as never);
  }
}

function client(): { engine: EngineClient; workers: InProcessWorker[] } {
  const workers: InProcessWorker[] = [];
  const engine = new EngineClient(() => {
    const worker = new InProcessWorker();
    workers.push(worker);
    return worker;
  });
  return { engine, workers };
}

async function failureOf(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('EngineClient <-> engine host', () => {
  it('starts the worker lazily, on the first call', async () => {
    const { engine, workers } = client();
    expect(engine.started).toBe(false);
    expect(workers).toHaveLength(0);
    const result = await engine.selfTest({ steps: 2, size: 4 });
    expect(workers).toHaveLength(1);
    expect(result).toMatchObject({ backend: 'cpu', steps: 2, size: 4 });
    expect(result.maxAbsErr).toBeLessThan(1e-5);
  });

  it('streams every progress event in order before the result, unthrottled', async () => {
    const { engine } = client();
    const seen: SelfTestProgress[] = [];
    const result = await engine.selfTest({ steps: 6, size: 4 }, { progressIntervalMs: 0, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Math.max(...seen.map((p) => p.maxAbsErr))).toBe(result.maxAbsErr);
  });

  it('throttles: with a long interval only the first and the final progress are sent', async () => {
    const { engine } = client();
    const seen: number[] = [];
    await engine.selfTest({ steps: 20, size: 4 }, { progressIntervalMs: 60_000, onProgress: (p) => seen.push(p.step) });
    expect(seen).toEqual([1, 20]);
  });

  it('cancels cooperatively with a CANCELLED AbortError naming the step, and the worker lives on', async () => {
    const { engine, workers } = client();
    const controller = new AbortController();
    const seen: number[] = [];
    const failure = await failureOf(
      engine.selfTest(
        { steps: 1000, size: 4 },
        {
          signal: controller.signal,
          progressIntervalMs: 0,
          onProgress: (p) => {
            seen.push(p.step);
            if (p.step === 2) controller.abort();
          },
        },
      ),
    );
    expect(isCancelled(failure)).toBe(true);
    expect(failure.name).toBe('AbortError');
    expect(failure.message).toMatch(/^selfTest cancelled at step \d+ of 1000$/);
    expect(seen.at(-1)).toBeLessThan(1000);
    expect(workers[0]!.posted.map((m) => m.type)).toEqual(['request', 'cancel']);
    expect(workers[0]!.terminated).toBe(false);
    await expect(engine.selfTest({ steps: 1, size: 2 })).resolves.toMatchObject({ steps: 1 });
    expect(workers).toHaveLength(1);
  });

  it('cancels a queued request before it starts, and never runs two requests at once', async () => {
    const { engine } = client();
    log.length = 0;
    const controller = new AbortController();
    const first = engine.selfTest({ steps: 3, size: 2 });
    const second = engine.init({ backend: 'cpu' }, { signal: controller.signal });
    const third = engine.init({ backend: 'cpu' });
    controller.abort();
    await first;
    const failure = await failureOf(second);
    expect(failure.code).toBe('CANCELLED');
    expect(failure.message).toBe('init cancelled before it started');
    await third;
    expect(log).toEqual(['selfTest:start', 'selfTest:end', 'init:start', 'init:end']);
  });

  it('tells a call waiting behind others how many are ahead and which runs, then that it started', async () => {
    const { engine } = client();
    const seen: { call: string; waiting: unknown }[] = [];
    const watch = (call: string) => (waiting: unknown) => seen.push({ call, waiting });
    const first = engine.selfTest({ steps: 3, size: 2 }, { onQueue: watch('first') });
    const second = engine.init({ backend: 'cpu' }, { onQueue: watch('second') });
    const third = engine.init({ backend: 'cpu' }, { onQueue: watch('third') });
    await Promise.all([first, second, third]);
    expect(seen).toEqual([
      { call: 'second', waiting: { ahead: 1, running: 'selfTest' } },
      { call: 'third', waiting: { ahead: 2, running: 'selfTest' } },
      // The first answered: the second runs, the third waits behind it alone.
      { call: 'second', waiting: null },
      { call: 'third', waiting: { ahead: 1, running: 'init' } },
      { call: 'third', waiting: null },
    ]);
  });

  it('turns bad params, unknown methods and non-Error throws into coded errors', async () => {
    const { engine } = client();
    const bad = await failureOf(engine.selfTest({ steps: 10_001 }));
    expect(bad).toMatchObject({ code: 'BAD_REQUEST', name: 'EngineError' });
    expect(bad.message).toBe('selfTest: steps must be an integer in 1..10000, got 10001');
    const unknown = await failureOf(engine.call('train' as never, {} as never));
    expect(unknown).toMatchObject({ code: 'UNKNOWN_METHOD', message: "the engine has no method 'train'" });
    const thrown = await failureOf(engine.parity({ config: {}, model: new Uint8Array(1), cases: new Uint8Array(1) }));
    expect(thrown).toMatchObject({ code: 'INTERNAL', message: 'a thrown string' });
  });

  it('rejects params that cannot cross to the worker with BAD_REQUEST', async () => {
    const { engine } = client();
    const failure = await failureOf(engine.selfTest({ steps: 1, size: (() => 1) as unknown as number }));
    expect(failure.code).toBe('BAD_REQUEST');
    expect(failure.message).toMatch(/^selfTest: params cannot be sent to the worker/);
  });

  it('survives a throwing progress callback', async () => {
    const { engine } = client();
    const original = console.error;
    const reported: unknown[] = [];
    console.error = (...args: unknown[]) => reported.push(args);
    try {
      const result = await engine.selfTest(
        { steps: 2, size: 2 },
        {
          progressIntervalMs: 0,
          onProgress: () => {
            throw new Error('buggy listener');
          },
        },
      );
      expect(result.steps).toBe(2);
      expect(reported).toHaveLength(2);
    } finally {
      console.error = original;
    }
  });

  it('fails pending calls with WORKER_CRASHED when the worker cannot start, and retries with a fresh one', async () => {
    const workers: InProcessWorker[] = [];
    let fail = true;
    const engine = new EngineClient(() => {
      const worker = new InProcessWorker(fail);
      workers.push(worker);
      return worker;
    });
    const failure = await failureOf(engine.selfTest({ steps: 1, size: 2 }));
    expect(failure).toMatchObject({
      code: 'WORKER_CRASHED',
      message: 'the engine worker failed to start: SyntaxError: Unexpected token; selfTest did not finish',
    });
    expect(workers[0]!.terminated).toBe(true);
    fail = false;
    await expect(engine.selfTest({ steps: 1, size: 2 })).resolves.toMatchObject({ steps: 1 });
    expect(workers).toHaveLength(2);
  });
});

// The protocol is generic over a worker's method map: a small map of its own checks the two verbs.
interface CounterMethods {
  count: { params: { steps: number; from?: number }; result: { status: 'done' | 'paused'; step: number }; progress: number };
  peek: { params: Record<string, never>; result: string; progress: never };
}

/** Counts to `steps`, one step per macrotask, the way a training handler is written. */
const counter: Handlers<CounterMethods> = {
  async count({ steps, from = 0 }, context) {
    for (let step = from; step < steps; step++) {
      await context.checkpoint(`at step ${step}`);
      if (context.pauseSignal.aborted) return { status: 'paused', step };
      context.progress(step + 1);
    }
    return { status: 'done', step: steps };
  },
  async peek() {
    return 'idle';
  },
};

function counterClient(): { client: WorkerClient<CounterMethods> & Methods<CounterMethods>; posted: string[] } {
  const posted: string[] = [];
  let onMessage: (event: MessageEvent) => void = () => undefined;
  const host = createHost<CounterMethods>(counter, (message) => {
    const copy = structuredClone(message);
    setTimeout(() => onMessage({ data: copy } as MessageEvent), 0);
  });
  const worker: WorkerLike<CounterMethods> = {
    postMessage(message) {
      posted.push(message.type);
      setTimeout(() => host(structuredClone(message)), 0);
    },
    addEventListener(type: string, listener: (event: never) => void) {
      if (type === 'message') onMessage = listener as (event: MessageEvent) => void;
    },
    terminate() {},
  };
  return { client: withMethods(new WorkerClient<CounterMethods>(() => worker, 'counter')), posted };
}

describe('pause is not cancel (any worker, through WorkerClient and the host)', () => {
  it('pause: the handler stops where it can resume and answers; resuming from there finishes', async () => {
    const { client, posted } = counterClient();
    const pause = new AbortController();
    const paused = await client.count({ steps: 1000 }, { pauseSignal: pause.signal, progressIntervalMs: 0, onProgress: (n) => n === 3 && pause.abort() });
    expect(paused.status).toBe('paused');
    expect(paused.step).toBeGreaterThanOrEqual(3);
    expect(paused.step).toBeLessThan(1000);
    expect(posted).toEqual(['request', 'pause']);
    await expect(client.count({ steps: paused.step + 2, from: paused.step })).resolves.toEqual({ status: 'done', step: paused.step + 2 });
  });

  it('cancel: the call rejects with CANCELLED, and a pause after it changes nothing', async () => {
    const { client, posted } = counterClient();
    const cancel = new AbortController();
    const pause = new AbortController();
    const failure = await failureOf(client.count({ steps: 1000 }, {
      signal: cancel.signal, pauseSignal: pause.signal, progressIntervalMs: 0,
      onProgress: (n) => {
        if (n === 3) {
          cancel.abort();
          pause.abort();
        }
      },
    }));
    expect(failure).toMatchObject({ code: 'CANCELLED', name: 'AbortError' });
    expect(failure.message).toMatch(/^count cancelled at step \d+$/);
    expect(posted).toEqual(['request', 'cancel', 'pause']);
  });

  it('a pause sent before the request reaches the worker still pauses it; other calls ignore it', async () => {
    const { client } = counterClient();
    await expect(client.count({ steps: 5 }, { pauseSignal: AbortSignal.abort() })).resolves.toEqual({ status: 'paused', step: 0 });
    await expect(client.peek({}, { pauseSignal: AbortSignal.abort() })).resolves.toBe('idle');
  });

  it('derives one typed method per entry of the map; params may be left out where there are none', async () => {
    const { client } = counterClient();
    await expect(client.peek()).resolves.toBe('idle');
    await expect(client.call('count', { steps: 2 })).resolves.toEqual({ status: 'done', step: 2 });
    expect(client.started).toBe(true);
    // Awaiting a client must not call a method named "then".
    expect((client as unknown as { then?: unknown }).then).toBeUndefined();
  });

  it('names the worker in its errors', async () => {
    const { client } = counterClient();
    const unknown = await failureOf(client.call('train' as never, {} as never));
    expect(unknown).toMatchObject({ code: 'UNKNOWN_METHOD', message: "the worker has no method 'train'" });
  });
});

// Supervision: the client pings a worker while calls are pending and the host answers at once.
interface SlowMethods {
  /** Runs until the worker has answered `pongs` pings (a long handler that yields, like training). */
  outlast: { params: { pongs: number }; result: number; progress: never };
  peek: { params: Record<string, never>; result: string; progress: never };
}

function supervised(opts: { heartbeatMs: number; deadAfterMs: number }) {
  const workers: { posted: string[]; silent: boolean; terminated: boolean; fire(type: 'messageerror'): void }[] = [];
  const events: string[] = [];
  let pongs = 0;
  const client = withMethods(new WorkerClient<SlowMethods>(() => {
    let onMessage: (event: MessageEvent) => void = () => undefined;
    const listeners: Record<string, (event: Event) => void> = {};
    const state = { posted: [] as string[], silent: false, terminated: false, fire: (type: 'messageerror') => listeners[type]?.(new Event(type)) };
    const host = createHost<SlowMethods>({
      async outlast({ pongs: wanted }, context) {
        while (pongs < wanted) {
          if (state.terminated) throw new Error('terminated'); // a real worker's loop ends with it
          await context.checkpoint('waiting');
        }
        return pongs;
      },
      async peek() {
        return 'idle';
      },
    }, (message) => {
      if (state.silent || state.terminated) return; // a dead worker sends nothing
      if (message.type === 'pong') pongs++;
      setTimeout(() => onMessage({ data: structuredClone(message) } as MessageEvent), 0);
    });
    const worker: WorkerLike<SlowMethods> = {
      postMessage(message) {
        state.posted.push(message.type);
        if (!state.terminated) setTimeout(() => host(structuredClone(message)), 0);
      },
      addEventListener(type: string, listener: (event: never) => void) {
        if (type === 'message') onMessage = listener as (event: MessageEvent) => void;
        else listeners[type] = listener as (event: Event) => void;
      },
      terminate() {
        state.terminated = true;
      },
    };
    workers.push(state);
    return worker;
  }, 'engine', opts));
  client.onEvent((e) => e.kind === 'crashed' && events.push(e.message));
  return { client, workers, events };
}

describe('supervision: a dead worker is noticed, its calls fail, the next call gets a fresh one', () => {
  it('a worker that answers its pings lives on through a call longer than the bound', async () => {
    const { client, workers, events } = supervised({ heartbeatMs: 5, deadAfterMs: 2_000 });
    // Five pongs: the call outlasts five heartbeats while the worker keeps answering them.
    await expect(client.outlast({ pongs: 5 })).resolves.toBeGreaterThanOrEqual(5);
    expect(workers[0]!.posted.filter((t) => t === 'ping').length).toBeGreaterThanOrEqual(5);
    expect(events).toEqual([]);
    expect(workers).toHaveLength(1);
  });

  it('a worker that falls silent fails every pending call with WORKER_CRASHED, and the next call starts a fresh one', async () => {
    const { client, workers, events } = supervised({ heartbeatMs: 5, deadAfterMs: 40 });
    const first = client.outlast({ pongs: 1_000_000 });
    const second = client.peek();
    workers[0]!.silent = true;
    const failures = await Promise.all([failureOf(first), failureOf(second)]);
    expect(failures[0]).toMatchObject({ code: 'WORKER_CRASHED', message: expect.stringMatching(/^the engine worker stopped answering \(nothing for \d+ s\); it was restarted; outlast did not finish$/) });
    expect(failures[1]).toMatchObject({ code: 'WORKER_CRASHED', message: expect.stringMatching(/; peek did not finish$/) });
    expect(workers[0]!.terminated).toBe(true);
    expect(events).toHaveLength(1);
    await expect(client.peek()).resolves.toBe('idle');
    expect(workers).toHaveLength(2);
  });

  it('an undecodable message and kill() are deaths too', async () => {
    const { client, workers, events } = supervised({ heartbeatMs: 1_000, deadAfterMs: 60_000 });
    const lost = client.outlast({ pongs: 1_000_000 });
    workers[0]!.fire('messageerror');
    expect(await failureOf(lost)).toMatchObject({ code: 'WORKER_CRASHED', message: 'a message from the engine worker could not be decoded, so an answer was lost; outlast did not finish' });
    const killed = client.outlast({ pongs: 1_000_000 });
    expect(workers).toHaveLength(2); // a fresh worker for the call after the death
    client.kill();
    expect(await failureOf(killed)).toMatchObject({ code: 'WORKER_CRASHED', message: 'the engine worker was stopped (killed from the page); outlast did not finish' });
    expect(workers.map((w) => w.terminated)).toEqual([true, true]);
    expect(events).toHaveLength(2);
    await expect(client.peek()).resolves.toBe('idle');
    expect(workers).toHaveLength(3);
  });
});
