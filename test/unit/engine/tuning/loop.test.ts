// runLoop's yield hook (onYield): awaited before every step, so a worker can read its control
// messages between steps; a run with it ends bit for bit where a run without it does, and a hook
// that throws (a cancel seen there) stops the loop before the next step.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../../src/shared/random';
import type { Bart } from '../../../../src/engine/model/bart';
import { resolvePhases } from '../../../../src/shared/tuning/config';
import { runLoop, TrainLoop, type LoopProgress, type Objective } from '../../../../src/engine/tuning/loop';
import { promptTuningLoop, type ModelContext } from '../../../../src/engine/tuning/phases';
import { charCodec, constantTask, tinyModel } from './support';

let model: Bart;
let ctx: ModelContext;
beforeAll(async () => { model = await tinyModel(); ctx = { model, codec: charCodec }; });
afterAll(() => model.dispose());

const N = 6;
const pt = resolvePhases({ pt: { promptTokens: 4, lr: 0.1, batchSize: 3, totalSteps: N, warmupSteps: 2, evalEvery: 3, numBeams: 1, maxNewTokens: 3 } }).pt;
const task = constantTask('t1', 'k', 5);

async function run(onYield?: () => Promise<void>): Promise<{ prompt: Float32Array; progress: LoopProgress[]; evals: readonly [number, number][] }> {
  const { loop, objective } = promptTuningLoop(ctx, task, pt, 21);
  const progress: LoopProgress[] = [];
  try {
    expect(await runLoop(loop, { onProgress: (p) => progress.push(p), ...(onYield ? { onYield } : {}) })).toBe('done');
    return { prompt: objective.prompt.dataSync() as Float32Array, progress, evals: [...loop.evals] };
  } finally {
    loop.dispose();
    objective.dispose();
  }
}

describe('runLoop onYield', () => {
  it('is awaited before every step (the step waits for it) and changes nothing in the result', async () => {
    const plain = await run();
    const log: string[] = [];
    const yielded = await run(async () => {
      log.push('yield');
      await new Promise((resolve) => setTimeout(resolve, 0));
      log.push('resumed');
    });
    // One yield per step, each finished before its step ran (progress is reported after the step).
    expect(log).toEqual(Array.from({ length: N }, () => ['yield', 'resumed']).flat());
    expect(yielded.progress.map((p) => p.step)).toEqual(plain.progress.map((p) => p.step));
    expect(yielded.progress.map((p) => [p.loss, p.devScore])).toEqual(plain.progress.map((p) => [p.loss, p.devScore]));
    expect(yielded.evals).toEqual(plain.evals);
    expect(Buffer.from(yielded.prompt.buffer).equals(Buffer.from(plain.prompt.buffer))).toBe(true);
  });

  it('interleaves with the steps: the hook of step k runs after step k-1 reported progress', async () => {
    const order: string[] = [];
    const { loop, objective } = promptTuningLoop(ctx, task, pt, 21);
    try {
      await runLoop(loop, { onYield: async () => { order.push(`yield@${loop.step}`); }, onProgress: (p) => order.push(`step${p.step}`) });
    } finally {
      loop.dispose();
      objective.dispose();
    }
    expect(order.slice(0, 4)).toEqual(['yield@0', 'step1', 'yield@1', 'step2']);
  });

  it('a hook that throws stops the loop before the next step', async () => {
    const { loop, objective } = promptTuningLoop(ctx, task, pt, 21);
    try {
      await expect(runLoop(loop, { onYield: async () => { if (loop.step === 2) throw new Error('cancelled here'); } })).rejects.toThrow('cancelled here');
      expect(loop.step).toBe(2);
    } finally {
      loop.dispose();
      objective.dispose();
    }
  });
});

describe('divergence start', () => {
  // An objective whose loss is the sum of its batch's values: a batch of easy examples (value 1)
  // and hard ones (value 10), with no learning at all. Measured against its first batch alone,
  // an easy first batch made every ordinary batch look like a divergence.
  const objective = (v: tf.Variable): Objective<number> => ({
    phase: 'pt', trainable: [v],
    loss: (items) => tf.add(tf.mul(v.sum(), 0), tf.scalar(items.reduce((a, b) => a + b, 0))) as tf.Scalar,
    evaluate: async () => 0,
  });
  const config = resolvePhases({ pt: { lr: 1e-9, batchSize: 1, totalSteps: 30, warmupSteps: 0, evalEvery: 30, patience: 99 } }).pt;

  it('is the mean of the first batches, so an easy first batch does not stop a healthy run', async () => {
    const examples = [1, ...Array.from({ length: 24 }, () => 10)];
    // A seed whose first batch is the easy example (the loop shuffles with Rng(seed + 1)).
    const seed = Array.from({ length: 500 }, (_, s) => s).find((s) => new Rng(s + 1).permutation(examples.length)[0] === 0)!;
    const v = tf.variable(tf.zeros([1]));
    const loop = new TrainLoop(objective(v), examples, config, seed);
    try {
      expect((await loop.trainStep()).loss).toBe(1);
      expect(await runLoop(loop)).toBe('done');
    } finally {
      loop.dispose();
      v.dispose();
    }
  });
});

describe('a gold answer drawn at random each time an example is drawn (LoopConfig.data "reference")', () => {
  type Item = { input: number[]; target: number[]; targets?: number[][] };
  // Records the target each step trains on; the loss itself does not matter here.
  const recording = (v: tf.Variable, seen: number[][]): Objective<Item> => ({
    phase: 'pt', trainable: [v],
    loss: (items) => {
      seen.push(items.map((x) => x.target[0]!));
      return tf.mul(v.sum(), 0) as tf.Scalar;
    },
    evaluate: async () => 0,
  });
  const config = resolvePhases({ pt: { lr: 1e-9, batchSize: 4, totalSteps: 40, warmupSteps: 0, evalEvery: 40, patience: 99 } }).pt;
  // Four examples: two with answers 7 / 8 / 9, two with one answer (5).
  const examples: Item[] = [
    { input: [0, 2], target: [7], targets: [[7], [8], [9]] }, { input: [0, 3, 2], target: [7], targets: [[7], [8], [9]] },
    { input: [0, 4, 2], target: [5] }, { input: [0, 5, 2], target: [5] },
  ];
  const runFor = async (steps: number, seed: number, from?: Awaited<ReturnType<TrainLoop<Item>['checkpoint']>>) => {
    const v = tf.variable(tf.zeros([1]));
    const seen: number[][] = [];
    const loop = new TrainLoop(recording(v, seen), examples, config, seed);
    if (from) loop.restore(from);
    try {
      for (let i = 0; i < steps; i++) await loop.trainStep();
      return { seen, snap: await loop.checkpoint() };
    } finally {
      loop.dispose();
      v.dispose();
    }
  };

  it('draws every answer of a multi-answer example, about equally, and leaves single answers alone', async () => {
    const { seen } = await runFor(40, 3);
    // The first call measures the divergence bar on the examples as stored (no draw, no update).
    expect(seen).toHaveLength(41);
    const all = seen.slice(1).flat();
    const count = (t: number) => all.filter((x) => x === t).length;
    // 40 steps x 4 slots: 80 draws of a multi-answer example, 80 of a single-answer one.
    expect(count(5)).toBe(80);
    for (const t of [7, 8, 9]) {
      expect(count(t)).toBeGreaterThan(80 / 3 - 15);
      expect(count(t)).toBeLessThan(80 / 3 + 15);
    }
  });

  it('is a function of (seed, step, slot): the same seed repeats it, a resumed run continues it, another seed differs', async () => {
    const whole = await runFor(20, 5);
    const first = await runFor(10, 5);
    const rest = await runFor(10, 5, first.snap);
    expect([...first.seen, ...rest.seen]).toEqual(whole.seen);
    expect((await runFor(20, 6)).seen).not.toEqual(whole.seen);
  });
});
