import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bart } from '../../../../src/engine/model/bart';
import { resolvePhases } from '../../../../src/shared/tuning/config';
import { evaluateSet } from '../../../../src/engine/tuning/evaluate';
import { DivergenceError, NumericalError, runLoop, type LoopSnapshot } from '../../../../src/engine/tuning/loop';
import { evalOptions, promptTuningLoop, type ModelContext } from '../../../../src/engine/tuning/phases';
import { charCodec, constantTask, tinyModel } from './support';

let model: Bart;
let ctx: ModelContext;
beforeAll(async () => { model = await tinyModel(); ctx = { model, codec: charCodec }; });
afterAll(() => model.dispose());

const pt = resolvePhases({ pt: { promptTokens: 4, lr: 0.1, batchSize: 4, totalSteps: 40, warmupSteps: 2, evalEvery: 20, numBeams: 1, maxNewTokens: 3, schedule: 'constant' } }).pt;

describe('prompt tuning', () => {
  it('learns a task the frozen model cannot do: loss falls, dev score rises from 0', async () => {
    const task = constantTask('t1', 'k', 1);
    const before = await evaluateSet(model, charCodec, { task: task.name, metric: task.metric, examples: task.dev }, null, evalOptions(pt, ctx));
    expect(before.score).toBe(0);
    const { loop, objective } = promptTuningLoop(ctx, task, pt, 11);
    const losses: number[] = [];
    const tensors0 = tf.memory().numTensors;
    let tensorsMid = 0;
    await runLoop(loop, { onProgress: (p) => { losses.push(p.loss!); if (p.step === 10) tensorsMid = tf.memory().numTensors; } });
    // No leak per step: the tensor count after 10 steps equals the count at the end of training.
    expect(tf.memory().numTensors).toBe(tensorsMid);
    expect(tensorsMid - tensors0).toBeLessThan(10);
    const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
    expect(last).toBeLessThan(first * 0.5);
    expect(loop.bestScore).toBe(1);
    loop.loadBest();
    const after = await evaluateSet(model, charCodec, { task: task.name, metric: task.metric, examples: task.test }, objective.prompt as tf.Tensor2D, evalOptions(pt, ctx));
    expect(after.predictions[0]).toBe('k');
    expect(after.score).toBe(1);
    loop.dispose(); objective.dispose();
  });

  it('stops on a NaN loss with a clear error and keeps the last good state', async () => {
    const task = constantTask('t1', 'k', 1);
    const { loop, objective } = promptTuningLoop(ctx, task, { ...pt, totalSteps: 10 }, 11);
    await loop.trainStep();
    await loop.trainStep();
    const good = objective.prompt.dataSync().slice();
    const saved: unknown[] = [];
    // Poison the prompt variable's loss: NaN * 0 keeps the graph, makes every loss NaN.
    const realLoss = objective.loss.bind(objective);
    objective.loss = (items) => realLoss(items).mul(NaN);
    await expect(runLoop(loop, { onCheckpoint: async (s) => { saved.push(s); } })).rejects.toThrow(NumericalError);
    await expect(loop.trainStep()).rejects.toThrow(/pt: the loss is NaN at step 2; training stopped, the last good state is kept/);
    expect(loop.step).toBe(2);
    expect(objective.prompt.dataSync()).toEqual(good);
    expect(saved).toHaveLength(1);
    const snap = saved[0] as { tensors: Record<string, { data: Float32Array }> };
    expect(snap.tensors['var/0']!.data).toEqual(good);
    loop.dispose(); objective.dispose();
  });

  it('stops a diverging run (lr 1e6) with a DivergenceError and keeps the checkpoint from before the streak', async () => {
    const task = constantTask('t1', 'k', 1);
    const { loop, objective } = promptTuningLoop(ctx, task, { ...pt, lr: 1e6 }, 11);
    const saved: LoopSnapshot[] = [];
    const losses: number[] = [];
    const run = runLoop(loop, { checkpointEvery: 1, onCheckpoint: async (s) => { saved.push(s); }, onProgress: (p) => losses.push(p.loss) });
    await expect(run).rejects.toBeInstanceOf(DivergenceError);
    await expect(run).rejects.toThrow(/^pt: training diverged at step \d+: the loss has been above 1\.25 x its start \(\d+(\.\d+)?\) for 10 steps/);
    expect(loop.step).toBeLessThan(pt.totalSteps);
    // Checkpoints stopped at the last step whose loss was still near the start.
    const lastSaved = (saved.at(-1)!.meta.state as { step: number }).step;
    expect(losses[lastSaved - 1]!).toBeLessThanOrEqual(1.25 * losses[0]!);
    expect(losses.slice(lastSaved).every((l) => l > 1.25 * losses[0]!)).toBe(true);
    loop.dispose(); objective.dispose();
  });
});
