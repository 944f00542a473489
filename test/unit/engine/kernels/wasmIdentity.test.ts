// The buffer-sharing Identity for wasm: clones (which tfjs makes for every input saved for a
// gradient) no longer copy, and stay valid after the original is disposed.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../../../src/node/backend';

describe('wasm Identity shares buffers', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('clone adds no bytes and survives disposing the original', async () => {
    await useNodeBackend('wasm'); // registers the sharing Identity
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const buffers = tf.backend().numDataIds();
    const y = tf.clone(x);
    expect(tf.backend().numDataIds()).toBe(buffers); // same buffer, refcounted
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    y.dispose();
  });

  it('recording a gradient through a frozen weight allocates no copy of it', async () => {
    await useNodeBackend('wasm');
    const w = tf.randomNormal([256, 64]);
    const x = tf.randomNormal([8, 64]);
    const before = tf.backend().numDataIds();
    let during = 0;
    const g = tf.grad((xx: tf.Tensor) => {
      const y = tf.matMul(xx, w, false, true); // saves xx and w for the backward pass
      during = tf.backend().numDataIds() - before;
      return y.sum();
    })(x);
    // Only the product's own output is new; the saved clones of xx and w share their buffers.
    expect(during).toBe(1);
    tf.dispose([w, x, g]);
  });
});
