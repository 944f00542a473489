// AdamW against a plain-number transcription of torch.optim.AdamW's update, state round trips,
// and clip_grad_norm_ semantics.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, clipByGlobalNorm } from '../../../../src/engine/tuning/adamw';
import { useNodeBackend } from '../../../../src/node/backend';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

/** torch.optim.AdamW (amsgrad=False) on plain numbers. */
function torchAdamW(p0: number[], grads: number[][], lr: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] = p[i]! * (1 - lr * wd);
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      const mh = m[i]! / (1 - b1 ** t);
      const vh = v[i]! / (1 - b2 ** t);
      p[i] = p[i]! - (lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return p;
}

const P0 = [0.5, -1.25, 2.0, 0.0];
const GRADS = [[0.1, -0.2, 0.3, 1e-3], [0.05, 0.4, -0.3, 0], [-0.2, 0.1, 0.0, 2.0], [0.3, 0.3, 0.3, -0.5]];

describe('AdamW', () => {
  it('matches torch.optim.AdamW over several steps with weight decay', () => {
    const x = tf.variable(tf.tensor1d(P0));
    const opt = new AdamW([x], { lr: 0.05, weightDecay: 0.01 });
    for (const g of GRADS) {
      const gt = tf.tensor1d(g);
      opt.applyGradients([gt]);
      gt.dispose();
    }
    const want = torchAdamW(P0, GRADS, 0.05, 0.01);
    Array.from(x.dataSync()).forEach((a, i) => expect(a).toBeCloseTo(want[i]!, 5));
    expect(opt.stepCount).toBe(GRADS.length);
    opt.dispose();
    x.dispose();
  });

  it('resuming from getState/setState continues exactly like an uninterrupted run', async () => {
    const a = tf.variable(tf.tensor1d(P0));
    const optA = new AdamW([a], { lr: 0.1 });
    const b = tf.variable(tf.tensor1d(P0));
    const optB = new AdamW([b], { lr: 0.1 });
    const apply = (opt: AdamW, g: number[]) => tf.tidy(() => opt.applyGradients([tf.tensor1d(g)]));
    GRADS.slice(0, 2).forEach((g) => { apply(optA, g); apply(optB, g); });
    const state = await optB.getState();
    const saved = Float32Array.from(b.dataSync());
    optB.dispose();
    b.dispose();
    const c = tf.variable(tf.tensor1d(saved));
    const optC = new AdamW([c], { lr: 0.1 });
    optC.setState(state);
    GRADS.slice(2).forEach((g) => { apply(optA, g); apply(optC, g); });
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(() => optC.setState({ step: 1, m: [new Float32Array(3)], v: [new Float32Array(3)] })).toThrow(/m\[0\] has 3 values/);
    optA.dispose();
    optC.dispose();
    tf.dispose([a, c]);
  });

  it('leaves no tensors behind once disposed (its moment buffers are its only tensors)', () => {
    const w = tf.variable(tf.ones([3, 4]));
    const before = tf.memory().numTensors;
    const opt = new AdamW([w], { lr: 0.1 });
    expect(tf.memory().numTensors).toBe(before + 2); // m and v
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('rejects a gradient of the wrong shape', () => {
    const x = tf.variable(tf.zeros([2, 3]), true, 'w');
    const opt = new AdamW([x], { lr: 0.1 });
    const g = tf.zeros([3, 2]);
    expect(() => opt.applyGradients([g])).toThrow(/shape \[3,2\].*"w" has \[2,3\]/);
    tf.dispose([g, x]);
    opt.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  it('scales by maxNorm / (norm + 1e-6) only when the norm is above maxNorm', () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor2d([[0, 4]])]; // global norm 5
    const big = clipByGlobalNorm(g, 10);
    expect(big.norm.dataSync()[0]).toBeCloseTo(5, 6);
    expect(Array.from(big.clipped[0]!.dataSync())).toEqual([3, 0]);
    const small = clipByGlobalNorm(g, 0.1);
    const k = 0.1 / (5 + 1e-6);
    expect(small.clipped[0]!.dataSync()[0]).toBeCloseTo(3 * k, 7);
    expect(small.clipped[1]!.dataSync()[1]).toBeCloseTo(4 * k, 7);
    tf.dispose([...g, ...big.clipped, big.norm, ...small.clipped, small.norm]);
  });
});
