// variableGrads (src/engine/tuning/gradients.ts): tfjs' gradients, with the backward freeing what
// it has spent. The reference is tf.variableGrads itself, on the same function: the same value and
// gradients bit for bit, nothing left behind, and a lower peak of live tensor memory.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { Bart, type WeightPacking } from '../../../../src/engine/model/bart';
import { disposeBatch, makeBatch } from '../../../../src/engine/model/batch';
import { labelSmoothedNllSum } from '../../../../src/engine/model/loss';
import { variableGrads } from '../../../../src/engine/tuning/gradients';
import { parseBartConfig } from '../../../../src/shared/model/config';
import { randomWeights } from '../../../../src/shared/model/randomWeights';
import { useNodeBackend } from '../../../../src/node/backend';
import { OTHER_CONFIG_JSON } from '../model/support';

afterAll(async () => { await useNodeBackend('cpu'); });

type Grads = (f: () => tf.Scalar, vars: tf.Variable[]) => { value: tf.Scalar; grads: tf.NamedTensorMap };

/** Value, gradients (by name) and tfjs' peak of live tensor bytes while computing them. */
async function measure(grads: Grads, f: () => tf.Scalar, vars: tf.Variable[]) {
  const before = tf.memory().numTensors;
  let out: { value: number; grads: Record<string, Float32Array> } | undefined;
  const info = await tf.profile(() => {
    const { value, grads: g } = grads(f, vars);
    out = { value: value.dataSync()[0]!, grads: Object.fromEntries(Object.entries(g).map(([k, t]) => [k, Float32Array.from(t.dataSync())])) };
    tf.dispose([value, ...Object.values(g)]);
  });
  // Everything the call made is gone once its results are disposed.
  expect(tf.memory().numTensors).toBe(before);
  return { ...out!, peakBytes: info.peakBytes };
}

describe('variableGrads: a backward that frees as it goes', () => {
  it('matches tf.variableGrads on ops that share inputs, reuse one gradient and pass dy on unchanged', async () => {
    await useNodeBackend('cpu');
    const a = tf.variable(tf.tensor2d([[0.5, -1, 2], [1.5, 0.25, -0.75]]), true, 'a');
    const b = tf.variable(tf.tensor1d([0.1, -0.2, 0.3]), true, 'b');
    const f = () => tf.tidy(() => {
      const h = a.add(b).relu(); // broadcasts b: its gradient is summed over rows
      const s = h.mul(h).add(a.square()).sum(1); // h used twice, a used twice
      return s.reshape([2]).logSumExp().add(b.reshape([3]).sum()) as tf.Scalar; // reshape passes dy on
    });
    const ref = await measure((g, v) => tf.variableGrads(g, v), f, [a, b]);
    const got = await measure(variableGrads, f, [a, b]);
    expect(got.value).toBe(ref.value);
    expect(got.grads).toEqual(ref.grads);
    tf.dispose([a, b]);
  });

  it('a variable f does not reach gets zeros, as tfjs gives it', async () => {
    await useNodeBackend('cpu');
    const a = tf.variable(tf.scalar(3), true, 'reached');
    const c = tf.variable(tf.tensor1d([1, 2]), true, 'unreached');
    const f = () => a.square() as tf.Scalar;
    const got = await measure(variableGrads, f, [a, c]);
    expect(got.grads).toEqual({ reached: Float32Array.from([6]), unreached: Float32Array.from([0, 0]) });
    tf.dispose([a, c]);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    for (const packing of ['none', 'both'] as const satisfies readonly WeightPacking[]) {
      it(`on BART's prompt-tuning loss (${backend}, packing ${packing}): the same loss and prompt gradient, bit for bit, at a lower peak`, async () => {
        await useNodeBackend(backend);
        const config = parseBartConfig(OTHER_CONFIG_JSON);
        const bart = Bart.fromTensors(config, randomWeights(config, { seed: 6 }), { packing });
        const batch = makeBatch(config, [{ input: [0, 5, 6, 9, 2], target: [0, 9, 10, 2] }, { input: [0, 7, 2], target: [0, 5, 2] }]);
        const init = tf.randomNormal([3, config.dModel], 0, 0.5, 'float32', 2);
        const prompt = tf.variable(init, true, 'prompt') as tf.Variable<tf.Rank.R2>;
        init.dispose();
        const f = () => labelSmoothedNllSum(bart.logits(batch, prompt), batch.labels, config.padTokenId);
        const ref = await measure((g, v) => tf.variableGrads(g, v), f, [prompt]);
        const got = await measure(variableGrads, f, [prompt]);
        expect(got.value).toBe(ref.value);
        expect(got.grads.prompt).toEqual(ref.grads.prompt);
        expect(got.grads.prompt!.some((x) => x !== 0)).toBe(true);
        expect(got.peakBytes).toBeLessThan(ref.peakBytes);
        tf.dispose([prompt]);
        disposeBatch(batch);
        bart.dispose();
      });
    }
  }

  it('refuses no variables and a non-scalar f', async () => {
    await useNodeBackend('cpu');
    const a = tf.variable(tf.tensor1d([1, 2]), true, 'v');
    expect(() => variableGrads(() => a.sum() as tf.Scalar, [])).toThrow('variableGrads: no variables to differentiate');
    expect(() => variableGrads(() => a.square() as unknown as tf.Scalar, [a])).toThrow('variableGrads: f must return a scalar tensor');
    a.dispose();
  });
});
