// Training-time dropout in the phases (issue #15 §2): with `dropout: 'config'` every training
// forward pass of PT, MSF, IST and FT gets the step's dropout key; evaluation never drops.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Bart, DropoutKey } from '../../../../src/engine/model/bart';
import { PromptAutoencoder } from '../../../../src/engine/subspace/autoencoder';
import { resolvePhases } from '../../../../src/shared/tuning/config';
import type { TrainLoop } from '../../../../src/engine/tuning/loop';
import { evaluateSet } from '../../../../src/engine/tuning/evaluate';
import { makeBatch } from '../../../../src/engine/model/batch';
import { labelSmoothedNllSum } from '../../../../src/engine/model/loss';
import { batchPadding, evalOptions, fineTuneLoop, intrinsicLoop, multiTaskFineTuneLoop, multiTaskPromptLoop, randomAllLoop, promptTuningLoop, subspaceLoop, type ModelContext } from '../../../../src/engine/tuning/phases';
import { Rng } from '../../../../src/shared/random';
import { charCodec, constantTask, tinyModel } from './support';

const RATES = { dropout: 0.1, attention_dropout: 0.1, activation_dropout: 0.1 };
const P = 4;
const loopSettings = { lr: 0.01, batchSize: 3, totalSteps: 3, warmupSteps: 1, evalEvery: 2, numBeams: 1, maxNewTokens: 3 };
const task = constantTask('t1', 'k', 5);

let model: Bart;
let ctx: ModelContext;
beforeAll(async () => { model = await tinyModel(undefined, { configJson: RATES }); ctx = { model, codec: charCodec }; });
afterAll(() => model.dispose());

/** The dropout key of every model.logits call while `run` runs. */
async function keysOf(m: Bart, run: () => Promise<unknown>): Promise<(DropoutKey | undefined)[]> {
  const spy = vi.spyOn(m, 'logits');
  try {
    await run();
    return spy.mock.calls.map((c) => c[2]);
  } finally {
    spy.mockRestore();
  }
}

describe('dropout in the training loops', () => {
  const build: Record<'pt' | 'msf' | 'ist' | 'ft', (dropout?: 'config' | 'off') => Promise<{ loop: TrainLoop<unknown>; m: Bart; dispose: () => void }>> = {
    pt: async (dropout) => {
      const { loop, objective } = promptTuningLoop(ctx, task, resolvePhases({ pt: { ...loopSettings, promptTokens: P, dropout } }).pt, 3);
      return { loop: loop as TrainLoop<unknown>, m: model, dispose: () => { loop.dispose(); objective.dispose(); } };
    },
    msf: async (dropout) => {
      const d = model.config.dModel;
      const tasks = [{ ...task, prompt: new Rng(1).normalArray(P * d, 0.02) }, { ...constantTask('t2', 'q', 6), prompt: new Rng(2).normalArray(P * d, 0.02) }];
      const { loop, objective } = subspaceLoop(ctx, tasks, resolvePhases({ msf: { ...loopSettings, hidden: 8, dropout } }).msf, P, 2, 3);
      return { loop: loop as TrainLoop<unknown>, m: model, dispose: () => { loop.dispose(); objective.dispose(); } };
    },
    ist: async (dropout) => {
      const ae = new PromptAutoencoder({ promptTokens: P, dModel: model.config.dModel, intrinsicDim: 2, hidden: 8, seed: 9 });
      const { loop, objective } = intrinsicLoop(ctx, ae, task, resolvePhases({ ist: { ...loopSettings, dropout } }).ist, 3);
      return { loop: loop as TrainLoop<unknown>, m: model, dispose: () => { loop.dispose(); objective.dispose(); ae.dispose(); } };
    },
    ft: async (dropout) => {
      const m = await tinyModel(undefined, { trainable: true, configJson: RATES });
      const { loop, objective } = fineTuneLoop(m, charCodec, task, resolvePhases({ ft: { ...loopSettings, dropout } }).ft, 3);
      return { loop: loop as TrainLoop<unknown>, m, dispose: () => { loop.dispose(); objective.dispose(); } };
    },
  };

  for (const phase of ['pt', 'msf', 'ist', 'ft'] as const) {
    it(`${phase}: 'config' gives each training step the key (seed, step); evaluation and 'off' pass none`, async () => {
      const on = await build[phase]('config');
      // The first step then measures the divergence baseline (keys at steps -1, -2, ...).
      const first = await keysOf(on.m, () => on.loop.trainStep());
      expect(first[0]).toEqual({ seed: 3, step: 0 });
      expect(first.length).toBeGreaterThan(1);
      expect(first.slice(1).every((k) => k !== undefined && k.seed === 3 && k.step < 0)).toBe(true);
      expect(await keysOf(on.m, () => on.loop.trainStep())).toEqual([{ seed: 3, step: 1 }]);
      expect((await keysOf(on.m, () => on.loop.evaluate())).every((k) => k === undefined)).toBe(true);
      on.dispose();
      for (const setting of [undefined, 'off'] as const) {
        const off = await build[phase](setting);
        const keys = await keysOf(off.m, async () => { await off.loop.trainStep(); await off.loop.trainStep(); });
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.every((k) => k === undefined)).toBe(true);
        off.dispose();
      }
    });
  }

  it('evaluation ignores the config\'s rates: a model with dropout 0.5 decodes exactly as one without', async () => {
    const without = await tinyModel(undefined, { configJson: { dropout: 0, attention_dropout: 0, activation_dropout: 0 } });
    const heavy = await tinyModel(undefined, { configJson: { dropout: 0.5, attention_dropout: 0.5, activation_dropout: 0.5 } });
    const prompt = tf.tensor2d(new Rng(4).normalArray(P * heavy.config.dModel, 1), [P, heavy.config.dModel]);
    const pt = resolvePhases({ pt: { ...loopSettings, promptTokens: P, dropout: 'config' } }).pt;
    const set = { task: task.name, metric: task.metric, examples: [...task.dev, ...task.test] };
    const a = await evaluateSet(heavy, charCodec, set, prompt, evalOptions(pt, { model: heavy, codec: charCodec }));
    const b = await evaluateSet(without, charCodec, set, prompt, evalOptions(pt, { model: without, codec: charCodec }));
    expect(a.predictions).toEqual(b.predictions);
    expect(a.predictions.some((p) => p !== '')).toBe(true);
    prompt.dispose(); heavy.dispose(); without.dispose();
  });
});

describe("the reference's data conventions in the phases (data: 'reference')", () => {
  const SPACE = charCodec.encode(' ')[0]!;
  const K = charCodec.encode('k')[0]!;
  const d = () => model.config.dModel;
  /** The first training item's target ids of a phase's loop. */
  const firstTarget = (phase: 'pt' | 'msf' | 'ist', data?: 'reference'): number[] => {
    const s = { ...loopSettings, ...(data ? { data } : {}) };
    const ae = new PromptAutoencoder({ promptTokens: P, dModel: d(), intrinsicDim: 2, hidden: 8, seed: 9 });
    const built = phase === 'pt' ? promptTuningLoop(ctx, task, resolvePhases({ pt: { ...s, promptTokens: P } }).pt, 3)
      : phase === 'msf' ? subspaceLoop(ctx, [{ ...task, prompt: new Rng(1).normalArray(P * d(), 0.02) }], resolvePhases({ msf: { ...s, hidden: 8 } }).msf, P, 2, 3)
        : intrinsicLoop(ctx, ae, task, resolvePhases({ ist: s }).ist, 3);
    try {
      return [...(built.loop as TrainLoop<{ target: readonly number[] }>).beginStep().items[0]!.target];
    } finally {
      built.loop.dispose();
      built.objective.dispose();
      ae.dispose();
    }
  };

  it('MSF and IST targets start with a space, PT targets do not; the engine conventions add none', () => {
    expect(firstTarget('msf', 'reference').slice(0, 3)).toEqual([0, SPACE, K]);
    expect(firstTarget('ist', 'reference').slice(0, 3)).toEqual([0, SPACE, K]);
    expect(firstTarget('pt', 'reference').slice(0, 2)).toEqual([0, K]);
    for (const phase of ['pt', 'msf', 'ist'] as const) expect(firstTarget(phase).slice(0, 2)).toEqual([0, K]);
  });
});

describe('multi-task PT (Table IV)', () => {
  it('trains one prompt on every task\'s examples, each with its own prefix, and scores dev as the mean over the tasks', async () => {
    const tasks = [constantTask('t1', 'k', 5), constantTask('t2', 'z', 6, { train: 4, dev: 2, test: 2 })];
    const cfg = resolvePhases({ pt: { ...loopSettings, promptTokens: P } }).pt;
    const { loop, objective } = multiTaskPromptLoop(ctx, tasks, cfg, 3);
    try {
      expect(loop.examples.length).toBe(tasks[0]!.train.length + tasks[1]!.train.length);
      let mean = 0;
      for (const t of tasks) mean += (await evaluateSet(model, charCodec, { task: t.name, metric: t.metric, examples: t.dev }, objective.prompt as tf.Tensor2D, evalOptions(cfg, ctx))).score / tasks.length;
      expect(await objective.evaluate()).toBeCloseTo(mean, 10);
    } finally {
      loop.dispose();
      objective.dispose();
    }
    expect(() => multiTaskPromptLoop(ctx, [], cfg, 3)).toThrow(/at least one task/);
  });
});

describe('multi-task FT (Table IV)', () => {
  it('trains every weight on every task\'s examples, each with its own prefix, and scores dev as the mean over the tasks', async () => {
    const tasks = [constantTask('t1', 'k', 5), constantTask('t2', 'z', 6, { train: 4, dev: 2, test: 2 })];
    const cfg = resolvePhases({ ft: loopSettings }).ft;
    const m = await tinyModel(undefined, { trainable: true });
    const { loop, objective } = multiTaskFineTuneLoop(m, charCodec, tasks, cfg, 3, true);
    try {
      expect(loop.examples.length).toBe(tasks[0]!.train.length + tasks[1]!.train.length);
      // Each example carries its own task's prefix (" [t1] ..." / " [t2] ...", after <s>).
      const prefixes = loop.examples.map((e) => charCodec.decode([...(e as { input: readonly number[] }).input.slice(1, 6)]));
      expect(prefixes.filter((x) => x === ' [t1]').length).toBe(tasks[0]!.train.length);
      expect(prefixes.filter((x) => x === ' [t2]').length).toBe(tasks[1]!.train.length);
      expect(objective.trainable.length).toBe(m.variables().length);
      const before = objective.trainable.map((v) => (v.dataSync() as Float32Array).slice());
      await loop.trainStep(); // warm-up: step 0 has lr 0
      await loop.trainStep();
      expect(objective.trainable.some((v, i) => (v.dataSync() as Float32Array).some((x, j) => x !== before[i]![j]))).toBe(true);
      let mean = 0;
      for (const t of tasks) mean += (await evaluateSet(m, charCodec, { task: t.name, metric: t.metric, examples: t.dev }, null, evalOptions(cfg, objective.ctx))).score / tasks.length;
      expect(await objective.evaluate()).toBeCloseTo(mean, 10);
      expect(await objective.score('test', tasks[1]!)).toBe((await evaluateSet(m, charCodec, { task: 't2', metric: tasks[1]!.metric, examples: tasks[1]!.test }, null, evalOptions(cfg, objective.ctx))).score);
    } finally {
      loop.dispose();
      objective.dispose();
    }
    const m2 = await tinyModel(undefined, { trainable: true });
    expect(() => multiTaskFineTuneLoop(m2, charCodec, [], cfg, 3)).toThrow(/at least one task/);
    m2.dispose();
  });
});

describe('Random_all (§V-A)', () => {
  it('at z = 0 is the frozen model itself; training moves only z, and the loss falls on a constant task', async () => {
    const cfg = resolvePhases({ randomAll: { ...loopSettings, lr: 0.05, totalSteps: 12, dim: 16, schedule: 'constant', warmupSteps: 0 } }).randomAll;
    const { loop, objective } = randomAllLoop(ctx, task, cfg, 3);
    try {
      const items = loop.examples.slice(0, 3);
      const frozen = tf.tidy(() => {
        const batch = makeBatch(model.config, items, batchPadding(ctx, items, cfg, 0));
        return labelSmoothedNllSum(model.logits(batch, null), batch.labels, model.config.padTokenId, cfg.labelSmoothing).dataSync()[0]!;
      });
      const atZero = tf.tidy(() => objective.loss(items).dataSync()[0]!);
      expect(atZero).toBeCloseTo(frozen, 3);
      expect(objective.trainable).toEqual([objective.z]);
      const weightsBefore = [...model.namedWeights().values()].map((t) => (t.dataSync() as Float32Array).slice());
      for (let i = 0; i < 12; i++) await loop.trainStep();
      expect((objective.z.dataSync() as Float32Array).some((x) => x !== 0)).toBe(true);
      const after = tf.tidy(() => objective.loss(items).dataSync()[0]!);
      expect(after).toBeLessThan(atZero);
      // The frozen model's own weights are untouched.
      [...model.namedWeights().values()].forEach((t, i) => expect([...t.dataSync()]).toEqual([...weightsBefore[i]!]));
      expect(await objective.evaluate()).toBeGreaterThanOrEqual(0);
    } finally {
      loop.dispose();
      objective.dispose();
    }
  });
});
