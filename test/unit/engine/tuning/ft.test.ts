import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bart } from '../../../../src/engine/model/bart';
import { resolvePhases } from '../../../../src/shared/tuning/config';
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

  it('refuses a frozen model', () => {
    const ft = resolvePhases().ft;
    expect(() => fineTuneLoop(frozen, charCodec, constantTask('t1', 'x', 4), ft, 1)).toThrow(/trainable: true/);
  });
});
