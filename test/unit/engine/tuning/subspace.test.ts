// MSF reconstructs the prompts of its training tasks; IST through the trained Proj_b finds a good
// solution where IST through an untrained Proj_b of the same shape does worse.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bart } from '../../../../src/engine/model/bart';
import { PromptAutoencoder } from '../../../../src/engine/subspace/autoencoder';
import { resolvePhases } from '../../../../src/shared/tuning/config';
import { runLoop } from '../../../../src/engine/tuning/loop';
import { intrinsicLoop, promptTuningLoop, subspaceLoop, type ModelContext, type MsfTask } from '../../../../src/engine/tuning/phases';
import { charCodec, constantTask, tensorCounter, tinyModel } from './support';

let model: Bart;
let ctx: ModelContext;
beforeAll(async () => { model = await tinyModel(); ctx = { model, codec: charCodec }; });
afterAll(() => model.dispose());

const P = 4;
const phases = resolvePhases({
  pt: { promptTokens: P, lr: 0.1, batchSize: 4, totalSteps: 30, warmupSteps: 2, evalEvery: 15, numBeams: 1, maxNewTokens: 3, schedule: 'constant' },
  // alpha 2000: with a 80-step schedule the tiny model's LM term would otherwise dominate the reconstruction term.
  msf: { lr: 0.02, alpha: 2000, batchSize: 6, totalSteps: 80, warmupSteps: 5, evalEvery: 40, hidden: 16, numBeams: 1, maxNewTokens: 3, schedule: 'constant', weightDecay: 0 },
  ist: { lr: 0.1, batchSize: 4, totalSteps: 40, warmupSteps: 2, evalEvery: 20, numBeams: 1, maxNewTokens: 3, schedule: 'constant' },
});
// Answers this frozen toy model can be prompted into within 30 steps (not every character is).
const answers = ['a', 'k', 'z'];
const tasks = answers.map((a, i) => constantTask(`t${i}`, a, 100 + i));
const msfTasks: MsfTask[] = [];
let ae: PromptAutoencoder;

describe('MSF and IST', () => {
  it('PT gives each task a working prompt', async () => {
    for (const t of tasks) {
      const { loop, objective } = promptTuningLoop(ctx, t, phases.pt, 7);
      await runLoop(loop);
      expect(loop.bestScore, t.name).toBe(1);
      msfTasks.push({ ...t, prompt: loop.bestTensors()[0]!.data });
      loop.dispose(); objective.dispose();
    }
  });

  it('MSF lowers its loss and reconstructs the training prompts well below their variance', async () => {
    const { loop, objective } = subspaceLoop(ctx, msfTasks, phases.msf, P, 2, 5);
    const before = objective.reconstructionError();
    const losses: number[] = [];
    const tensors = tensorCounter();
    await runLoop(loop, { onProgress: (p) => { losses.push(p.loss!); tensors.onStep(); } });
    // No step leaks a tensor (one freed only at the end of the unit would pass a whole-study check).
    expect(tensors.counts).toHaveLength(phases.msf.totalSteps);
    expect(tensors.growth()).toEqual([]);
    loop.loadBest();
    const after = objective.reconstructionError();
    // Variance of the prompts around their mean prompt (what a constant output would score).
    const variance = tf.tidy(() => {
      const x = tf.stack(msfTasks.map((t) => tf.tensor1d(t.prompt)));
      return x.sub(x.mean(0)).square().mean().dataSync()[0]!;
    });
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(losses.slice(0, 5).reduce((a, b) => a + b) / 5 * 0.5);
    expect(after).toBeLessThan(before);
    expect(after).toBeLessThan(variance * 0.1);
    expect(loop.bestScore).toBeGreaterThanOrEqual(2 / 3);
    ae = PromptAutoencoder.fromTensors(new Map(Object.entries(objective.ae.toTensors()).map(([k, v]) => [k, { dtype: 'F32' as const, ...v }])), { promptTokens: P });
    loop.dispose(); objective.dispose();
  });

  it('IST through the trained Proj_b beats IST through an untrained one (same shape, same budget)', async () => {
    // Train-diff: a training task's answer on data of another seed.
    const task = constantTask('t1', 'k', 999);
    const run = async (decoder: PromptAutoencoder) => {
      const { loop, objective } = intrinsicLoop(ctx, decoder, task, phases.ist, 3);
      const losses: number[] = [];
      const tensors = tensorCounter();
      await runLoop(loop, { onProgress: (p) => { losses.push(p.loss!); tensors.onStep(); } });
      expect(tensors.growth()).toEqual([]);
      loop.loadBest();
      const test = await objective.score('test');
      loop.dispose(); objective.dispose();
      return { final: losses.slice(-5).reduce((a, b) => a + b) / 5, first: losses[0]!, test };
    };
    const trained = await run(ae);
    const random = new PromptAutoencoder({ promptTokens: P, dModel: 32, intrinsicDim: 2, hidden: 16, seed: 12345 });
    const untrained = await run(random);
    random.dispose(); ae.dispose();
    expect(trained.final).toBeLessThan(trained.first);
    expect(trained.test).toBe(1);
    expect(trained.final).toBeLessThan(untrained.final * 0.8);
    expect(untrained.test).toBeLessThanOrEqual(trained.test);
  });
});
