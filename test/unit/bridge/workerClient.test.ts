// WorkerClient's own logic, against a scripted stand-in worker (no host): the methods derived from
// the map, which control message each signal sends, and a worker that cannot even be created.
// test/unit/worker/host.test.ts runs the client against the real host.
import { describe, expect, it } from 'vitest';
import { WorkerClient, withMethods, type WorkerLike } from '../../../src/bridge/workerClient';
import { EngineError } from '../../../src/protocol/errors';
import type { ToWorker } from '../../../src/protocol/rpc';

interface EchoMethods {
  echo: { params: { text: string }; result: string; progress: never };
  ping: { params: Record<string, never>; result: 'pong'; progress: never };
  wait: { params: Record<string, never>; result: string; progress: never };
}

/** Answers echo and ping at once; answers `wait` with the first control message it gets for it. */
function scripted(): { worker: WorkerLike<EchoMethods>; posted: ToWorker<EchoMethods>[] } {
  const posted: ToWorker<EchoMethods>[] = [];
  let deliver: (data: unknown) => void = () => undefined;
  const reply = (data: unknown) => setTimeout(() => deliver(data), 0);
  const worker: WorkerLike<EchoMethods> = {
    postMessage(message) {
      posted.push(message);
      if (message.type === 'request' && message.method === 'echo') reply({ type: 'result', id: message.id, method: 'echo', result: message.params.text });
      if (message.type === 'request' && message.method === 'ping') reply({ type: 'result', id: message.id, method: 'ping', result: 'pong' });
      if (message.type !== 'request') reply({ type: 'result', id: message.id, method: 'wait', result: `got ${message.type}` });
    },
    addEventListener(type: string, listener: (event: never) => void) {
      if (type === 'message') deliver = (data) => (listener as (event: MessageEvent) => void)({ data } as MessageEvent);
    },
    terminate() {},
  };
  return { worker, posted };
}

describe('WorkerClient', () => {
  it('has one typed method per map entry, the same as call(); none without params needs them', async () => {
    const { worker } = scripted();
    const client = withMethods(new WorkerClient<EchoMethods>(() => worker, 'echo'));
    await expect(client.echo({ text: 'hi' })).resolves.toBe('hi');
    await expect(client.ping()).resolves.toBe('pong');
    await expect(client.call('echo', { text: 'again' })).resolves.toBe('again');
    // The client's own members stay what they are, bound to it.
    const { onEvent } = client;
    expect(typeof onEvent(() => undefined)).toBe('function');
    expect(client.started).toBe(true);
    // Not a thenable: awaiting a client gives the client.
    expect(await Promise.resolve(client)).toBe(client);
  });

  it('signal sends cancel, pauseSignal sends pause, for the call they belong to', async () => {
    const { worker, posted } = scripted();
    const client = withMethods(new WorkerClient<EchoMethods>(() => worker, 'echo'));
    const pause = new AbortController();
    const paused = client.wait({}, { pauseSignal: pause.signal });
    pause.abort();
    await expect(paused).resolves.toBe('got pause');
    const cancel = new AbortController();
    const cancelled = client.wait({}, { signal: cancel.signal, pauseSignal: new AbortController().signal });
    cancel.abort();
    await expect(cancelled).resolves.toBe('got cancel');
    expect(posted.map((m) => `${m.type}#${m.id}`)).toEqual(['request#1', 'pause#1', 'request#2', 'cancel#2']);
  });

  it('a worker that cannot be created fails the call with WORKER_CRASHED, and the next call tries again', async () => {
    let tries = 0;
    const { worker } = scripted();
    const client = withMethods(new WorkerClient<EchoMethods>(() => {
      if (++tries === 1) throw new Error('module workers are not supported');
      return worker;
    }, 'tasks'));
    const failure = await client.ping().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure).toMatchObject({ code: 'WORKER_CRASHED', message: 'the tasks worker could not be created: Error: module workers are not supported' });
    await expect(client.ping()).resolves.toBe('pong');
  });
});
