// The bundle carries H1's PromptAutoencoder without loss: the tfjs model rebuilt from an exported
// and re-imported bundle decodes bitwise the same prompts as the original (tfjs cpu backend; the
// artifacts module itself never imports tfjs).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelIdentity } from '../../../../src/shared/artifacts/identity';
import { decodeProjectorBundle, encodeProjectorBundle, projectorFromNamed, projectorToNamed } from '../../../../src/shared/artifacts/projector';
import { PromptAutoencoder } from '../../../../src/engine/subspace/autoencoder';
import { bitsEqual, fixtureIdentity } from './support';

let identity: ModelIdentity;
beforeAll(async () => {
  await tf.setBackend('cpu');
  identity = await fixtureIdentity();
});

describe('PromptAutoencoder <-> projector bundle', () => {
  it('decodes bitwise identical prompts after export and import', () => {
    const ae = new PromptAutoencoder({ promptTokens: 5, dModel: 32, intrinsicDim: 6, hidden: 16, seed: 3 });
    const bytes = encodeProjectorBundle({ identity, promptLength: 5, weights: projectorFromNamed(ae.toTensors(), 'autoencoder') });
    const imported = decodeProjectorBundle(bytes, { expect: identity });
    const named = projectorToNamed(imported.weights, 'autoencoder');
    const ae2 = PromptAutoencoder.fromTensors(new Map(Object.entries(named).map(([k, t]) => [k, { dtype: 'F32' as const, ...t }])), { dModel: 32 });
    const z = tf.randomNormal([4, 6], 0, 0.5, 'float32', 11) as tf.Tensor2D;
    const a = ae.decode(z);
    const b = ae2.decode(z);
    expect(bitsEqual(a.dataSync() as Float32Array, b.dataSync() as Float32Array)).toBe(true);
    for (const t of [z, a, b]) t.dispose();
    ae.dispose();
    ae2.dispose();
  });
});
