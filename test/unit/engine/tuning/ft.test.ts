import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bart } from '../../../../src/engine/model/bart';
import { PRESETS, resolvePhases, type FtConfig } from '../../../../src/shared/tuning/config';
import { runLoop } from '../../../../src/engine/tuning/loop';
import { fineTuneLoop } from '../../../../src/engine/tuning/phases';
import { charCodec, constantTask, tensorCounter, tinyModel } from './support';

let frozen: Bart;
beforeAll(async () => { frozen = await tinyModel(); });
afterAll(() => frozen.dispose());

describe('full fine-tuning baseline', () => {
  it('trains every weight: loss falls and the dev score rises from 0', async () => {
    const ft = resolvePhases({ ft: { lr: 3e-3, batchSize: 4, totalSteps: 20, warmupSteps: 1, evalEvery: 10, numBeams: 1, maxNewTokens: 3, schedule: 'constant', weightDecay: 0 } }).ft;
    const model = await tinyModel(undefined, { trainable: true });
    const task = constantTask('t1', 'x', 4);
    const { loop, objective } = fineTuneLoop(model, charCodec, task, ft, 1);
    expect(await objective.score('dev')).toBe(0);
    const losses: number[] = [];
    const tensors = tensorCounter();
    await runLoop(loop, { onProgress: (p) => { losses.push(p.loss!); tensors.onStep(); } });
    // No step leaks a tensor.
    expect(tensors.counts).toHaveLength(ft.totalSteps);
    expect(tensors.growth()).toEqual([]);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
    expect(loop.bestScore).toBe(1);
    loop.dispose(); objective.dispose();
  });

  it('noDecay (the paper preset: run_singletask.py no_decay names) exempts the biases from weight decay, and only them', async () => {
    // One step at lr 1e-5 with weight decay 1e4: decay shrinks a weight by 10%, Adam's own step moves it by ~1e-5.
    const step = async (ft: Partial<FtConfig>) => {
      const model = await tinyModel(undefined, { trainable: true });
      const before = new Map([...model.namedWeights()].map(([name, t]) => [name, Float32Array.from(t.dataSync())]));
      const cfg = resolvePhases({ ft: { lr: 1e-5, weightDecay: 1e4, batchSize: 4, totalSteps: 1, warmupSteps: 0, evalEvery: 1, numBeams: 1, maxNewTokens: 2, schedule: 'constant', ...ft } }).ft;
      const { loop, objective } = fineTuneLoop(model, charCodec, constantTask('t1', 'x', 4), cfg, 1);
      await runLoop(loop);
      const decayed = new Map<string, boolean>();
      for (const [name, t] of model.namedWeights()) {
        const b = before.get(name)!;
        const a = t.dataSync();
        const scale = Math.max(...b.map(Math.abs));
        if (scale < 1e-2) continue; // zeros (final_logits_bias) show nothing
        decayed.set(name, b.some((x, i) => Math.abs(a[i]! - 0.9 * x) < 1e-4 * scale + 1e-4 && Math.abs(x) > 0.5 * scale));
      }
      loop.dispose(); objective.dispose();
      return decayed;
    };
    const all = await step({});
    expect([...all.values()].every(Boolean)).toBe(true);
    const exempt = await step({ noDecay: PRESETS.paper.ft!.noDecay });
    expect([...exempt.keys()].some((n) => n.endsWith('.bias'))).toBe(true);
    // LayerNorm weights are named *_layer_norm.weight / layernorm_embedding.weight: decayed, as in the reference.
    expect([...exempt.keys()].some((n) => n.endsWith('layer_norm.weight'))).toBe(true);
    for (const [n, d] of exempt) expect(d, n).toBe(!n.includes('bias'));
  });

  it('refuses a frozen model', () => {
    const ft = resolvePhases().ft;
    expect(() => fineTuneLoop(frozen, charCodec, constantTask('t1', 'x', 4), ft, 1)).toThrow(/trainable: true/);
  });
});
