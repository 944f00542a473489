// The study requests of the engine worker (src/worker/study.ts) served by the host and reached
// through the bridge, in-process on tfjs' cpu backend and fake-indexeddb, with a tiny random BART
// loaded as picked files: `pause` stops a study resumably (it answers `paused`, and resuming
// finishes it), `cancel` stops it, forgets it and rejects with CANCELLED. Requests are passed as
// they are (Node's structuredClone turns a File into a nameless Blob); replies are cloned.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../../src/bridge/engineClient';
import type { WorkerLike } from '../../../src/bridge/workerClient';
import { isCancelled } from '../../../src/protocol/errors';
import type { BackendEvent, DamagedStudy, EngineMethods, StudyInfo, StudyProgressWire, StudySpecWire, StudyTaskWire } from '../../../src/protocol/messages';
import { planStudy } from '../../../src/shared/study/plan';
import { taskLookup } from '../../../src/shared/tasks/lookup';
import { ArtifactStore } from '../../../src/storage/artifactStore';
import { IdbRunStore } from '../../../src/storage/runStore';
import { parseBartConfig } from '../../../src/shared/model/config';
import { randomWeights } from '../../../src/shared/model/randomWeights';
import { writeSafetensors, type WritableTensor } from '../../../src/shared/weights/safetensors';
import { createHost, type Handlers } from '../../../src/worker/host';
import { loadModel } from '../../../src/worker/model';
import { deleteStudy, joinStudy, listStudies, resolveStudySpec, resumeStudy, startStudy } from '../../../src/worker/study';
import { timeSteps } from '../../../src/worker/timing';

const TOKENIZER = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/tokenizer');
const CONFIG = {
  model_type: 'bart', vocab_size: 600, d_model: 16, encoder_layers: 1, decoder_layers: 1,
  encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 32, decoder_ffn_dim: 32, max_position_embeddings: 128,
};

const handlers: Partial<Handlers<EngineMethods>> = { loadModel, resolveStudySpec, startStudy, resumeStudy, joinStudy, listStudies, deleteStudy, timeSteps };

function engine(): EngineClient {
  let toPage: (data: unknown) => void = () => undefined;
  const host = createHost<EngineMethods, BackendEvent>(handlers as Handlers<EngineMethods>, (message) => {
    const copy = structuredClone(message);
    setTimeout(() => toPage(copy), 0);
  }, 'engine');
  const worker: WorkerLike<EngineMethods, BackendEvent> = {
    postMessage: (message) => void setTimeout(() => host(message), 0),
    addEventListener(type: string, listener: (event: never) => void) {
      if (type === 'message') toPage = (data) => (listener as (event: MessageEvent) => void)({ data } as MessageEvent);
    },
    terminate() {},
  };
  return new EngineClient(() => worker);
}

let client: EngineClient;
let modelId: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const tensors: Record<string, WritableTensor> = {};
  for (const [name, t] of randomWeights(parseBartConfig(CONFIG), { seed: 3 })) tensors[name] = t;
  const files = [
    new File([JSON.stringify(CONFIG)], 'config.json'),
    new File([writeSafetensors(tensors).slice()], 'model.safetensors'),
    new File([readFileSync(join(TOKENIZER, 'tokenizer.json'))], 'tokenizer.json'),
    new File([readFileSync(join(TOKENIZER, 'tokenizer_config.json'))], 'tokenizer_config.json'),
  ];
  client = engine();
  modelId = (await client.loadModel({ source: { kind: 'files', files }, appBase: 'http://localhost/' })).modelId;
});

/** PT only, one task, one grid cell: one unit of 8 steps, checkpointed after every step. */
const spec = (name: string, seed: number): StudySpecWire => ({
  name, model: modelId, tasks: { train: ['sentiment-double-goodbad'], test: [] }, dataSeed: 100, diffSeed: 13,
  intrinsicDims: [], seeds: [seed], preset: 'smoke',
  phases: { pt: { totalSteps: 8, evalEvery: 4, evalBatchSize: 64, maxNewTokens: 4 } },
});

const status = (list: (StudyInfo | DamagedStudy)[], id: string) => {
  const s = list.find((x) => x.id === id);
  return s && 'status' in s ? s.status : undefined;
};

describe('studies: pause is not cancel', () => {
  it('pause: the study checkpoints and answers paused; resuming it finishes from there', async () => {
    const pause = new AbortController();
    const steps: number[] = [];
    const paused = await client.startStudy({ spec: spec('paused', 1), checkpointEvery: 1 }, {
      pauseSignal: pause.signal, progressIntervalMs: 0,
      onProgress: (p: StudyProgressWire) => {
        if (p.step !== undefined) steps.push(p.step);
        if (p.step === 2) pause.abort();
      },
    });
    expect(paused.status).toBe('paused');
    expect(paused.results).toBeUndefined();
    const at = steps.at(-1)!;
    expect(at).toBeGreaterThanOrEqual(2);
    expect(at).toBeLessThan(8);
    expect(status(await client.listStudies(), paused.id)).toBe('paused');

    const resumedSteps: number[] = [];
    const done = await client.resumeStudy({ id: paused.id }, { progressIntervalMs: 0, onProgress: (p) => p.step !== undefined && resumedSteps.push(p.step) });
    expect(done.status).toBe('done');
    expect(done.results?.pt).toHaveProperty('sentiment-double-goodbad');
    // It went on from its checkpoint, not from the start.
    expect(resumedSteps[0]).toBe(at + 1);
    expect(resumedSteps.at(-1)).toBe(8);
    expect(status(await client.listStudies(), paused.id)).toBe('done');
  });

  it('cancel: the study stops, the call rejects with CANCELLED and the study is forgotten', async () => {
    const cancel = new AbortController();
    let id: string | null = null;
    let failure: unknown = null;
    try {
      await client.startStudy({ spec: spec('cancelled', 2), checkpointEvery: 1 }, {
        signal: cancel.signal, progressIntervalMs: 0,
        onProgress: (p) => {
          id = p.id;
          if (p.step === 2) cancel.abort();
        },
      });
    } catch (error) {
      failure = error;
    }
    expect(isCancelled(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'CANCELLED', name: 'AbortError', message: 'study "cancelled" was cancelled' });
    expect(id).not.toBeNull();
    expect((await client.listStudies()).map((s) => s.id)).not.toContain(id);
  });
});

describe('studies: forgetting and damaged records', () => {
  it('forget deletes the study, its results, and every unit it computed: checkpoints and results', async () => {
    const store = new IdbRunStore();
    const s = spec('forgotten', 5);
    const done = await client.startStudy({ spec: s, checkpointEvery: 1 });
    expect(done.status).toBe('done');
    // Planned as the worker runs it: with the digests of the model and the task's data in its keys.
    const units = planStudy(await client.resolveStudySpec({ spec: s })).batches.flatMap((b) => b.items.flatMap((it) => it.units.map((u) => u.key)));
    expect(units).toHaveLength(1);
    // A poisoned checkpoint of the study's unit (as a NaN run leaves), next to its result.
    await store.put({ key: `ckpt/${units[0]}`, kind: 'pt', step: 3, savedAt: 'now', meta: {}, tensors: { prompt: { shape: [1], data: new Float32Array([NaN]) } } });
    const keys = async () => (await store.list()).map((c) => c.key);
    expect(await keys()).toEqual(expect.arrayContaining([`ckpt/${units[0]}`, `result/${units[0]}`, `study/${done.id}`, `studyresults/${done.id}`]));

    expect(await client.deleteStudy({ id: done.id })).toEqual({ deleted: 4 });
    const left = await keys();
    for (const k of [`ckpt/${units[0]}`, `result/${units[0]}`, `study/${done.id}`, `studyresults/${done.id}`]) expect(left).not.toContain(k);
    // A new study with the same settings computes its unit again instead of reusing anything.
    const again = await client.startStudy({ spec: s });
    expect(again).toMatchObject({ status: 'done', reusedUnits: 0 });
    store.close();
  });

  it('a malformed study record is listed as damaged, never hides the others, and can be deleted', async () => {
    const store = new IdbRunStore();
    const paused = new AbortController();
    const good = await client.startStudy({ spec: spec('good', 6), checkpointEvery: 1 }, {
      pauseSignal: paused.signal, progressIntervalMs: 0, onProgress: (p) => p.step === 1 && paused.abort(),
    });
    expect(good.status).toBe('paused');
    await store.put({ key: 'study/broken-1', kind: 'study', step: 0, savedAt: 'now', meta: { status: 'running', spec: { name: 'x' } }, tensors: {} });
    await store.put({ key: 'study/broken-2', kind: 'study', step: 0, savedAt: 'now', meta: { hello: 'world' }, tensors: {} });
    const list = await client.listStudies();
    expect(status(list, good.id)).toBe('paused');
    const damaged = list.filter((x): x is DamagedStudy => 'damaged' in x);
    expect(damaged.map((d) => d.id)).toEqual(['broken-1', 'broken-2']);
    expect(damaged[1]!.damaged).toMatch(/^status must be one of running, paused, done, failed/);
    expect(damaged[0]!.damaged).toMatch(/createdAt/);
    await expect(client.resumeStudy({ id: 'broken-1' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('study "broken-1" is damaged') });

    expect(await client.deleteStudy({ id: 'broken-1' })).toEqual({ deleted: 1 });
    expect((await client.listStudies()).map((x) => x.id)).not.toContain('broken-1');
    await client.deleteStudy({ id: 'broken-2' });
    store.close();
  });
});

describe('studies: every prompt, projector and vector lands in the Library', () => {
  it('stores each PT prompt, the MSF projector and each IST vector with the study, once, also when the units are reused', async () => {
    const phase = { totalSteps: 2, evalBatchSize: 64, maxNewTokens: 4 };
    const s: StudySpecWire = {
      name: 'library', model: modelId, tasks: { train: ['sentiment-double-goodbad'], test: [] }, dataSeed: 100, diffSeed: 13,
      intrinsicDims: [2], seeds: [7], preset: 'smoke', phases: { pt: phase, msf: phase, ist: phase }, randomSubspace: false,
    };
    const first = await client.startStudy({ spec: s });
    expect(first.status).toBe('done');
    const library = new ArtifactStore();
    const ofStudy = async (id: string) => (await library.list()).filter((a) => a.origin?.kind === 'study' && a.origin.studyId === id);
    const mine = await ofStudy(first.id);
    const byPath = Object.fromEntries(mine.map((a) => [a.origin?.kind === 'study' ? a.origin.path : '', a]));
    expect(Object.keys(byPath).sort()).toEqual([
      'projector-d2.safetensors',
      'prompts/sentiment-double-goodbad-d100-r7.safetensors',
      'prompts/sentiment-double-goodbad-d13-r7.safetensors',
      'vectors/d2/train_diff/sentiment-double-goodbad-d13-r7.safetensors',
      'vectors/d2/train_same/sentiment-double-goodbad-d100-r7.safetensors',
    ]);
    const projector = byPath['projector-d2.safetensors']!;
    expect((await library.getProjector(projector.id)).tasks.map((t) => t.category)).toEqual(['cls/sentiment analysis']);
    expect(projector).toMatchObject({ kind: 'projector', modelId, intrinsicDim: 2, tasks: ['sentiment-double-goodbad'], origin: { studyName: 'library' } });
    const vector = byPath['vectors/d2/train_same/sentiment-double-goodbad-d100-r7.safetensors']!;
    // The vector names its projector by the SHA-256 of the stored bundle, which is the bundle's id here.
    expect(vector.details.projectorSha256).toBe(projector.id);
    expect(vector.score).toEqual(expect.any(Number));
    // The worker's answer carries each IST unit's z (the live map's points): the stored vectors' numbers.
    const istKeys = planStudy(await client.resolveStudySpec({ spec: s })).batches.filter((b) => b.kind === 'ist').flatMap((b) => b.items.flatMap((it) => it.units.map((u) => u.key)));
    expect(Object.keys(first.vectors ?? {}).sort()).toEqual([...istKeys].sort());
    const sameKey = istKeys.find((k) => k.includes('train_same'))!;
    expect(first.vectors?.[sameKey]).toEqual(Array.from((await library.getVector(vector.id)).vector));

    // The same study again reuses every unit: the same files, so no second record of any.
    const before = (await library.list()).length;
    const second = await client.startStudy({ spec: s });
    expect(second.reusedUnits).toBeGreaterThan(0);
    expect((await ofStudy(second.id)).map((a) => a.origin)).toEqual([]);
    expect((await library.list()).length).toBe(before);
    await library.close();
  });

  it('a full quota fails the study with the store\'s message, storing no part of the file; Resume stores it once there is room', async () => {
    const s = spec('quota', 11);
    const library = new ArtifactStore();
    const ofStudy = async (id: string) => (await library.list()).filter((a) => a.origin?.kind === 'study' && a.origin.studyId === id);
    const proto = IDBObjectStore.prototype;
    const put = proto.put;
    proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'files' && this.transaction.db.name === 'intrinsic-lab-artifacts') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
    let failure: unknown = null;
    let id = '';
    try {
      await client.startStudy({ spec: s }, { progressIntervalMs: 0, onProgress: (p) => void (id = p.id) });
    } catch (e) {
      failure = e;
    } finally {
      proto.put = put;
    }
    expect((failure as Error)?.message).toMatch(/^Not enough browser storage for this prompt; nothing was stored: the browser's storage quota is full: prompt "sentiment-double-goodbad-d100-r11" needs about \d+\.\d MB; /);
    const listed = (await client.listStudies()).find((x) => x.id === id) as StudyInfo;
    expect(listed).toMatchObject({ status: 'failed', error: expect.stringContaining('Not enough browser storage') });
    expect(await ofStudy(id)).toEqual([]);
    // With room again, Resume reuses the finished unit and stores its prompt.
    const resumed = await client.resumeStudy({ id });
    expect(resumed).toMatchObject({ status: 'done', reusedUnits: 1 });
    expect((await ofStudy(id)).map((a) => a.kind)).toEqual(['prompt']);
    await library.close();
  });
});

describe('timeSteps: the Start page\'s estimate', () => {
  it('times one task\'s step and a step shared by a group of the study\'s tasks, as the runner groups them', async () => {
    const tasks = { train: ['sentiment-double-goodbad', 'topic-news-five', 'slot-flight-to'], test: ['summary-first'] };
    const r = await client.timeSteps({ spec: { ...spec('timed', 1), tasks, intrinsicDims: [2] }, steps: 2 });
    expect(r.task).toBe('sentiment-double-goodbad');
    expect(r.rows).toBe(8); // the smoke preset's PT batch
    // d_model 16 groups up to 2^22 / 16^2 rows: all 4 PT tasks share a step.
    expect(r.groupRows).toBe(32);
    expect(r.stepMs).toBeGreaterThan(0);
    expect(r.groupStepMs).toBeGreaterThan(0);
    expect(r.evalMsPerExample).toBeGreaterThan(0);
    // Every task's set sizes, as the built-in world makes them at the spec's data seed.
    const world = taskLookup();
    expect(r.examples).toEqual(Object.fromEntries([...tasks.train, ...tasks.test].map((t) => {
      const d = world(t, 100);
      return [t, { dev: d.dev.length, test: d.test.length }];
    })));
    await expect(client.timeSteps({ spec: spec('timed', 1), steps: 0 })).rejects.toThrow(/steps must be an integer in 1\.\.50/);
  }, 120_000);
});

describe('studies on two workers (a shard each, one run store)', () => {
  /** Two training tasks: two PT items in the first batch, one for each worker. */
  const twoTasks = (name: string): StudySpecWire => ({ ...spec(name, 7), tasks: { train: ['sentiment-double-goodbad', 'sentiment-review-goodbad'], test: [] } });
  const units = async (s: StudySpecWire) => planStudy(await client.resolveStudySpec({ spec: s })).batches.flatMap((b) => b.items.flatMap((it) => it.units.map((u) => u.key)));
  /** The stored unit results (what a study is made of), without their dates. */
  const stored = async (keys: string[]) => {
    const store = new IdbRunStore();
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const r = await store.get(`result/${k}`);
      out[k] = r && { meta: r.meta, tensors: Object.fromEntries(Object.entries(r.tensors).map(([n, t]) => [n, { shape: t.shape, data: [...t.data] }])) };
    }
    return out;
  };

  it('each worker trains its share, both see every unit finished, and the units equal a one-worker run', async () => {
    const s = twoTasks('sharded');
    const keys = await units(s);
    expect(keys).toHaveLength(2);
    const alone = await client.startStudy({ spec: s });
    expect(alone).toMatchObject({ status: 'done', computed: expect.arrayContaining(keys) });
    const one = await stored(keys);
    await client.deleteStudy({ id: alone.id });
    expect(Object.values(await stored(keys))).toEqual([undefined, undefined]);

    const helper = engine();
    let found: (id: string) => void = () => undefined;
    const id = new Promise<string>((resolve) => (found = resolve));
    const main = client.startStudy({ spec: s, shard: { index: 0, count: 2 } }, { onProgress: (p) => found(p.id) });
    const joined = id.then((studyId) => helper.joinStudy({ id: studyId, shard: { index: 1, count: 2 } }));
    const [a, b] = await Promise.all([main, joined]);
    expect(a.status).toBe('done');
    expect(b.status).toBe('done');
    // A unit is trained by one worker only, and each worker trained one.
    expect(a.computed).toHaveLength(1);
    expect(b.computed).toHaveLength(1);
    expect([...a.computed, ...b.computed].sort()).toEqual([...keys].sort());
    expect([...a.finished].sort()).toEqual([...keys].sort());
    expect([...b.finished].sort()).toEqual([...keys].sort());
    expect(await stored(keys)).toEqual(one);
    expect(a.results?.pt).toEqual(alone.results?.pt);
    // Each worker reports the test score of every unit it saw finished (the live curve's data): the
    // two PT units here, the same numbers the results hold.
    const ptScore = (k: string) => alone.results!.pt[s.tasks.test.concat(s.tasks.train).find((t) => k.includes(`/${t}/`))!];
    for (const k of keys) {
      expect(a.tests?.[k]).toBe(ptScore(k));
      expect(b.tests?.[k]).toBe(ptScore(k));
    }
  });

  it('a worker joins only a study this browser has, with its shard checked', async () => {
    await expect(client.joinStudy({ id: 'nope', shard: { index: 1, count: 2 } })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'joinStudy: no study with id "nope" in this browser' });
    const done = await client.startStudy({ spec: spec('joined-badly', 8) });
    await expect(client.joinStudy({ id: done.id, shard: { index: 2, count: 2 } })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('shard must be {index, count} with 0 <= index < count') });
  });
});

describe('picked model files are known by their contents (issue #15 §6)', () => {
  /** The picked files of the random test model, with `change` applied to its weights first. */
  const picked = (change: (tensors: Record<string, WritableTensor>) => void = () => undefined) => {
    const tensors: Record<string, WritableTensor> = {};
    for (const [name, t] of randomWeights(parseBartConfig(CONFIG), { seed: 3 })) tensors[name] = t;
    change(tensors);
    return [
      new File([JSON.stringify(CONFIG)], 'config.json'),
      new File([writeSafetensors(tensors).slice()], 'model.safetensors'),
      new File([readFileSync(join(TOKENIZER, 'tokenizer.json'))], 'tokenizer.json'),
      new File([readFileSync(join(TOKENIZER, 'tokenizer_config.json'))], 'tokenizer_config.json'),
    ];
  };
  const load = async (files: File[]) => (await client.loadModel({ source: { kind: 'files', files }, appBase: 'http://localhost/' })).modelId;

  afterAll(async () => {
    // The other tests' model again.
    expect(await load(picked())).toBe(modelId);
  });

  it('an imported task whose rows changed gets fresh results, and a study begun on the old rows is not resumed on the new', async () => {
    const rows = (answer: string): StudyTaskWire[] => [{
      name: 'mine', seed: 100, metric: 'ACC',
      train: [{ input: 'great film', outputs: [answer] }, { input: 'dull film', outputs: ['no'] }],
      dev: [{ input: 'fine film', outputs: [answer] }], test: [{ input: 'good film', outputs: [answer] }, { input: 'bad film', outputs: ['no'] }],
    }];
    const s: StudySpecWire = { ...spec('imported-a', 43), tasks: { train: ['mine'], test: [] } };
    const first = await client.startStudy({ spec: s, tasks: rows('yes') });
    expect(first).toMatchObject({ status: 'done', reusedUnits: 0 });
    // One answer edited, the task's name and size the same: its run again, on the new rows.
    const second = await client.startStudy({ spec: { ...s, name: 'imported-b' }, tasks: rows('sure') });
    expect(second).toMatchObject({ status: 'done', reusedUnits: 0 });
    expect(second.computed.some((k) => first.computed.includes(k))).toBe(false);
    // The first rows again: their stored run is reused.
    expect(await client.startStudy({ spec: { ...s, name: 'imported-c' }, tasks: rows('yes') })).toMatchObject({ status: 'done', reusedUnits: 1 });

    const pause = new AbortController();
    const paused = await client.startStudy({ spec: { ...s, name: 'imported-d', seeds: [44] }, tasks: rows('yes'), checkpointEvery: 1 }, {
      pauseSignal: pause.signal, progressIntervalMs: 0, onProgress: (p) => p.step === 2 && pause.abort(),
    });
    expect(paused.status).toBe('paused');
    await expect(client.resumeStudy({ id: paused.id, tasks: rows('sure') })).rejects.toThrow(/the data of mine@100 changed since the study started, so its stored runs are of other data; start a new study/);
    expect((await client.resumeStudy({ id: paused.id, tasks: rows('yes') })).status).toBe('done');
  });

  it('the same bytes get the same id; one changed weight, of the same name and size, another id and fresh results', async () => {
    expect(modelId).toMatch(/^files:model\.safetensors:[0-9a-f]{16}$/);
    expect(await load(picked())).toBe(modelId);
    const first = await client.startStudy({ spec: spec('content-a', 41) });
    expect(first.status).toBe('done');
    expect(first.computed.length).toBeGreaterThan(0);

    const changedId = await load(picked((t) => {
      const w = t['model.encoder.layers.0.fc1.weight']!;
      (w.data as Float32Array)[0] = (w.data as Float32Array)[0]! + 0.5;
    }));
    expect(changedId).not.toBe(modelId);
    expect(changedId).toMatch(/^files:model\.safetensors:[0-9a-f]{16}$/);
    // The same study on the changed weights trains its unit again instead of reusing the other model's.
    const second = await client.startStudy({ spec: { ...spec('content-b', 41), model: changedId } });
    expect(second.status).toBe('done');
    expect(second.reusedUnits).toBe(0);
    expect(second.computed).toHaveLength(first.computed.length);
    expect(second.computed.some((k) => first.computed.includes(k))).toBe(false);
  });
});
