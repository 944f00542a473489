// Determinism: a run interrupted, checkpointed to a store, restored into fresh objects and
// continued gives bit-for-bit the same variables as one never interrupted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bart } from '../../../../src/engine/model/bart';
import { PromptAutoencoder } from '../../../../src/engine/subspace/autoencoder';
import { resolvePhases } from '../../../../src/shared/tuning/config';
import { runLoop, type LoopSnapshot, type TrainLoop } from '../../../../src/engine/tuning/loop';
import { intrinsicLoop, promptTuningLoop, type ModelContext } from '../../../../src/engine/tuning/phases';
import { FileRunStore } from '../../../../src/node/runStore';
import { charCodec, constantTask, tinyModel } from './support';

let model: Bart;
let ctx: ModelContext;
let dir: string;
beforeAll(async () => { model = await tinyModel(); ctx = { model, codec: charCodec }; dir = await mkdtemp(join(tmpdir(), 'resume-')); });
afterAll(async () => { model.dispose(); await rm(dir, { recursive: true, force: true }); });

const N = 9;
const K = 5;
// Batch 3 over 8 examples: epochs end mid-run (reshuffles from the saved RNG), and a smaller last batch.
const phases = resolvePhases({
  pt: { promptTokens: 4, lr: 0.1, batchSize: 3, totalSteps: N, warmupSteps: 3, evalEvery: 4, numBeams: 1, maxNewTokens: 3 },
  ist: { lr: 0.1, batchSize: 3, totalSteps: N, warmupSteps: 3, evalEvery: 4, numBeams: 1, maxNewTokens: 3 },
});
const task = constantTask('t1', 'k', 5);

async function interrupted<E>(make: () => { loop: TrainLoop<E>; values: () => Float32Array; dispose: () => void }, key: string): Promise<{ values: Float32Array; snap: LoopSnapshot }> {
  const store = new FileRunStore(dir);
  const a = make();
  let paused = false;
  const status = await runLoop(a.loop, {
    shouldPause: () => a.loop.step === K && !paused && (paused = true),
    onCheckpoint: async (s) => store.put({ key, kind: 'test', step: a.loop.step, savedAt: new Date().toISOString(), meta: s.meta, tensors: s.tensors }),
  });
  expect(status).toBe('paused');
  expect(a.loop.step).toBe(K);
  a.loop.dispose(); a.dispose();
  const saved = (await store.get(key))!;
  const b = make();
  b.loop.restore({ meta: saved.meta, tensors: saved.tensors });
  expect(b.loop.step).toBe(K);
  expect(await runLoop(b.loop)).toBe('done');
  const out = { values: b.values(), snap: await b.loop.checkpoint() };
  b.loop.dispose(); b.dispose();
  return out;
}

async function straight<E>(make: () => { loop: TrainLoop<E>; values: () => Float32Array; dispose: () => void }): Promise<{ values: Float32Array; snap: LoopSnapshot }> {
  const a = make();
  expect(await runLoop(a.loop)).toBe('done');
  const out = { values: a.values(), snap: await a.loop.checkpoint() };
  a.loop.dispose(); a.dispose();
  return out;
}

function expectBitwiseEqual(x: { values: Float32Array; snap: LoopSnapshot }, y: { values: Float32Array; snap: LoopSnapshot }) {
  expect(Buffer.from(x.values.buffer).equals(Buffer.from(y.values.buffer))).toBe(true);
  for (const name of Object.keys(x.snap.tensors)) {
    expect(Buffer.from(x.snap.tensors[name]!.data.buffer).equals(Buffer.from(y.snap.tensors[name]!.data.buffer)), name).toBe(true);
  }
  expect(Object.keys(y.snap.tensors).sort()).toEqual(Object.keys(x.snap.tensors).sort());
  expect(y.snap.meta).toEqual(x.snap.meta);
}

describe('resume equality', () => {
  it('PT: N steps == K steps + checkpoint (file) + restore into fresh objects + N-K steps', async () => {
    const make = () => {
      const { loop, objective } = promptTuningLoop(ctx, task, phases.pt, 21);
      return { loop, values: () => objective.prompt.dataSync() as Float32Array, dispose: () => objective.dispose() };
    };
    const a = await straight(make);
    const b = await interrupted(make, 'pt/t1');
    expectBitwiseEqual(a, b);
    // And the run moved: the final prompt differs from the seeded init.
    const init = make();
    expect(Buffer.from((init.values()).buffer).equals(Buffer.from(a.values.buffer))).toBe(false);
    init.loop.dispose(); init.dispose();
  });

  it('IST: the same for an intrinsic vector through a frozen Proj_b', async () => {
    const ae = new PromptAutoencoder({ promptTokens: 4, dModel: 32, intrinsicDim: 3, hidden: 16, seed: 9 });
    const make = () => {
      const { loop, objective } = intrinsicLoop(ctx, ae, task, phases.ist, 33);
      return { loop, values: () => objective.z.dataSync() as Float32Array, dispose: () => objective.dispose() };
    };
    const a = await straight(make);
    const b = await interrupted(make, 'ist/t1');
    expectBitwiseEqual(a, b);
    ae.dispose();
  });

  it('PT with dropout: the resumed run repeats every step\'s masks (N steps == K + restore + N-K)', async () => {
    const rates = { dropout: 0.1, attention_dropout: 0.1, activation_dropout: 0.1 };
    const dropping = await tinyModel(undefined, { configJson: rates });
    const dctx: ModelContext = { model: dropping, codec: charCodec };
    const on = resolvePhases({ pt: { ...phases.pt, dropout: 'config' } }).pt;
    const make = (c = on) => () => {
      const { loop, objective } = promptTuningLoop(dctx, task, c, 21);
      return { loop, values: () => objective.prompt.dataSync() as Float32Array, dispose: () => objective.dispose() };
    };
    const a = await straight(make());
    expectBitwiseEqual(a, await interrupted(make(), 'pt-dropout/t1'));
    // Dropout was on: the same run without it ends elsewhere, and 'off' is the run without it.
    const off = await straight(make(phases.pt));
    expect(Buffer.from(off.values.buffer).equals(Buffer.from(a.values.buffer))).toBe(false);
    const offExplicit = await straight(make(resolvePhases({ pt: { ...phases.pt, dropout: 'off' } }).pt));
    expect(Buffer.from(offExplicit.values.buffer).equals(Buffer.from(off.values.buffer))).toBe(true);
    dropping.dispose();
  });

  it('refuses a checkpoint from another phase or data set', async () => {
    const p = promptTuningLoop(ctx, task, phases.pt, 21);
    const snap = await p.loop.checkpoint();
    const other = promptTuningLoop(ctx, constantTask('t2', 'k', 5, { train: 5, dev: 2, test: 2 }), phases.pt, 21);
    expect(() => other.loop.restore(snap)).toThrow(/8 examples, this loop has 5/);
    const ae = new PromptAutoencoder({ promptTokens: 4, dModel: 32, intrinsicDim: 3, hidden: 16, seed: 9 });
    const ist = intrinsicLoop(ctx, ae, task, phases.ist, 1);
    expect(() => ist.loop.restore(snap)).toThrow(/phase "pt", this loop is "ist"/);
    for (const x of [p, other, ist]) { x.loop.dispose(); x.objective.dispose(); }
    ae.dispose();
  });
});
