// The tasks worker (src/worker/tasks.ts) served by the shared host and reached through the shared
// bridge (TasksClient), in-process: the module is loaded with a stand-in for the worker's global
// scope. Replies pass through structuredClone as between threads; requests are passed as they are,
// because Node's structuredClone turns a File into a nameless Blob (browsers keep the File).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSoftPrompt } from '../../../src/shared/artifacts/prompt';
import { TasksClient } from '../../../src/bridge/tasksClient';
import type { WorkerLike } from '../../../src/bridge/workerClient';
import type { TaskMethods } from '../../../src/protocol/tasks';
import type { PickedFile } from '../../../src/shared/tasks/source';

const PROMPT_PT = join(__dirname, '../../../../shared/fixtures/reference-artifacts/prompt_weight/tiny-parity_16_13_best.pt');
const listeners: ((event: MessageEvent) => void)[] = [];
let toPage: (message: unknown) => void = () => undefined;

beforeAll(async () => {
  const scope = {
    postMessage: (message: unknown) => {
      const copy = structuredClone(message);
      setTimeout(() => toPage(copy), 0);
    },
    addEventListener: (type: string, listener: (event: MessageEvent) => void) => {
      if (type === 'message') listeners.push(listener);
    },
  };
  (globalThis as { self?: unknown }).self = scope;
  await import('../../../src/worker/tasks');
});

function client(): { tasks: TasksClient; posted: string[] } {
  const posted: string[] = [];
  const worker: WorkerLike<TaskMethods> = {
    postMessage(message) {
      posted.push(message.type);
      setTimeout(() => listeners.forEach((listener) => listener({ data: message } as MessageEvent)), 0);
    },
    addEventListener(type: string, listener: (event: never) => void) {
      if (type === 'message') toPage = (data) => (listener as (event: MessageEvent) => void)({ data } as MessageEvent);
    },
    terminate() {},
  };
  return { tasks: new TasksClient(() => worker), posted };
}

const picked = (name: string, text: string): PickedFile => ({ name, arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer });

describe('tasks worker through the shared protocol', () => {
  it('parses picked files and answers with the loaded tasks', async () => {
    const { tasks, posted } = client();
    const reply = await tasks.importTasks({ files: [picked('t_16_100_train.tsv', 'a\tx\nb\ty\n'), picked('t_16_100_dev.tsv', 'c\tx\n')] });
    expect(posted).toEqual(['request']);
    if (!reply.ok) throw new Error(`expected tasks, got ${JSON.stringify(reply.problems)}`);
    expect(reply.loaded.tasks.map((t) => t.name)).toEqual(['t']);
    expect(reply.loaded.tasks[0]!.bySeed[0]!.train).toEqual([{ input: 'a', outputs: ['x'] }, { input: 'b', outputs: ['y'] }]);
  });

  it('answers files that make no tasks with their problems (an answer, not a protocol error)', async () => {
    const { tasks } = client();
    const reply = await tasks.importTasks({ files: [picked('t_16_100_train.tsv', 'no tab here\n')] });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.problems.length).toBeGreaterThan(0);
    expect(reply.problems[0]!.file).toBe('t_16_100_train.tsv');
  });

  it("names itself in errors: an unknown method is the tasks worker's", async () => {
    const { tasks } = client();
    await expect(tasks.call('parse' as never, {} as never)).rejects.toMatchObject({ code: 'UNKNOWN_METHOD', message: "the tasks worker has no method 'parse'" });
  });

  it.skipIf(!existsSync(PROMPT_PT))('converts a reference .pt prompt for the given model, and a refusal comes back with its reason', async () => {
    const { tasks } = client();
    const bytes = new Uint8Array(readFileSync(PROMPT_PT));
    const identity = { modelId: 'hub:tiny/bart32', configSha256: 'c'.repeat(64), dModel: 32 };
    const a = await tasks.convertTorchFile({ bytes, identity, name: 'tiny-parity_16_13_best.pt' });
    expect(a.kind).toBe('prompt');
    const p = decodeSoftPrompt(a.bytes, { expect: identity });
    expect([p.promptLength, p.dModel, p.task]).toEqual([5, 32, 'tiny-parity']);
    await expect(tasks.convertTorchFile({ bytes, identity: { ...identity, dModel: 16 }, name: 'tiny-parity_16_13_best.pt' }))
      .rejects.toMatchObject({ name: 'ArtifactError', message: expect.stringMatching(/\[5, 32\]: made for d_model 32, but hub:tiny\/bart32 has d_model 16/) });
  });
});
