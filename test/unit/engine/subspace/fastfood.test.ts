// Random_all's Fastfood projection against a direct reading of intrinsic.py's formula: the Hadamard
// matrix from its definition (H[i][j] = (-1)^popcount(i & j)), applied as a dense matrix, and the
// gradient with the reference's FastWalshHadamard backward (H dy / sqrt(L)).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FastfoodSubspace, NOT_PROJECTED } from '../../../../src/engine/subspace/fastfood';
import { useNodeBackend } from '../../../../src/node/backend';
import { Rng } from '../../../../src/shared/random';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const popcount = (x: number) => { let c = 0; for (; x; x &= x - 1) c++; return c; };
/** y = H x, H from its definition, O(L^2). */
function hadamard(x: Float64Array): Float64Array {
  const L = x.length;
  const y = new Float64Array(L);
  for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) y[i] = y[i]! + (popcount(i & j) % 2 ? -1 : 1) * x[j]!;
  return y;
}

interface Proj { L: number; B: Float32Array; Pi: Int32Array; G: Float32Array; scale: number }

/** intrinsic.py's fastfood_torched(z, D): H G Pi H B pad(z), first D, times the scale. */
function fastfood(z: Float64Array, D: number, p: Proj): Float64Array {
  const a = new Float64Array(p.L);
  z.forEach((v, i) => { a[i] = v * p.B[i]!; });
  const h1 = hadamard(a);
  const g = new Float64Array(p.L);
  for (let j = 0; j < p.L; j++) g[j] = h1[p.Pi[j]!]! * p.G[j]!; // mul_2[Pi]
  return hadamard(g).slice(0, D).map((v) => v * p.scale);
}

/** The reference's gradient of sum(w * P(z)) in z: the transpose of each step, each H scaled by 1 / sqrt(L). */
function referenceGrad(w: Float64Array, dim: number, p: Proj, trueGradient = false): Float64Array {
  const s = trueGradient ? 1 : 1 / Math.sqrt(p.L);
  const top = new Float64Array(p.L);
  w.forEach((v, i) => { top[i] = v * p.scale; });
  const g = hadamard(top).map((v, j) => v * s * p.G[j]!);
  const unperm = new Float64Array(p.L);
  for (let j = 0; j < p.L; j++) unperm[p.Pi[j]!] = unperm[p.Pi[j]!]! + g[j]!;
  const h = hadamard(unperm).map((v) => v * s);
  return Float64Array.from({ length: dim }, (_, i) => h[i]! * p.B[i]!);
}

describe('FastfoodSubspace (Random_all)', () => {
  // d.weight (260 weights, L 512) makes H_L a product of two blocks (128 and 4).
  const shapes: Record<string, number[]> = { 'a.weight': [3, 5], 'a.bias': [3], 'b.weight': [4, 4], 'c.weight': [2, 3, 7], 'd.weight': [20, 13], final_logits_bias: [1, 6] };
  const dim = 4;
  const base = () => new Map(Object.entries(shapes).map(([n, s], i) => [n, tf.tensor(new Rng(i + 1).normalArray(s.reduce((a, b) => a * b, 1), 1), s)]));

  it('weights(z) are theta0 + fastfood(z), tensor by tensor, and z = 0 gives the model back', () => {
    const b = base();
    const ff = new FastfoodSubspace(b, { dim, seed: 7 });
    expect(ff.projectedWeights).toBe(15 + 3 + 16 + 42 + 260);
    const z = Float64Array.from([0.3, -1.2, 0.5, 2]);
    const before = tf.memory().numTensors;
    const w = ff.weights(tf.tensor1d(Float32Array.from(z)));
    for (const [name, t] of b) {
      const got = w.get(name)!;
      expect(got.shape).toEqual(t.shape);
      const theta0 = t.dataSync();
      if (NOT_PROJECTED.includes(name)) {
        expect([...got.dataSync()]).toEqual([...theta0]);
        expect(ff.projection(name)).toBeNull();
        continue;
      }
      const p = ff.projection(name)!;
      // L: the next power of two of the tensor's size (and at least d); Pi a permutation; B +-1.
      expect(p.L).toBe(2 ** Math.ceil(Math.log2(Math.max(t.size, dim))));
      expect([...p.Pi].sort((x, y) => x - y)).toEqual(Array.from({ length: p.L }, (_, i) => i));
      expect(p.B.every((x) => x === 1 || x === -1)).toBe(true);
      const sumG2 = p.G.reduce((a, x) => a + x * x, 0);
      expect(p.scale).toBeCloseTo(1 / (Math.sqrt(p.L * sumG2) * Math.sqrt(t.size / p.L)), 6);
      const want = fastfood(z, t.size, p);
      const g = got.dataSync();
      for (let i = 0; i < t.size; i++) expect(g[i]! - theta0[i]!).toBeCloseTo(want[i]!, 5);
    }
    tf.dispose([...w.values()]);
    const zero = ff.weights(tf.zeros([dim]) as tf.Tensor1D);
    for (const [name, t] of b) expect([...zero.get(name)!.dataSync()]).toEqual([...t.dataSync()]);
    tf.dispose([...zero.values()]);
    expect(tf.memory().numTensors).toBe(before + 2); // the two z tensors of this test
    ff.dispose();
    tf.dispose([...b.values()]);
  });

  it('the gradient in z is the reference\'s: each H\'s backward scaled by 1 / sqrt(L)', () => {
    const b = base();
    const ff = new FastfoodSubspace(b, { dim, seed: 3 });
    const ws = new Map([...b].map(([n, t], i) => [n, new Rng(100 + i).normalArray(t.size, 1)]));
    const z = tf.variable(tf.tensor1d([0.1, 0.2, -0.3, 0.4]));
    const grad = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const w = ff.weights(z as tf.Tensor1D);
        return tf.addN([...w].map(([n, t]) => tf.sum(tf.mul(t, tf.tensor(ws.get(n)!, t.shape))))) as tf.Scalar;
      }, [z]);
      return grads[z.name]!.dataSync().slice();
    });
    const want = new Float64Array(dim);
    const exact = new Float64Array(dim);
    for (const [name] of b) {
      const p = ff.projection(name);
      if (!p) continue;
      referenceGrad(Float64Array.from(ws.get(name)!), dim, p).forEach((v, i) => { want[i] = want[i]! + v; });
      referenceGrad(Float64Array.from(ws.get(name)!), dim, p, true).forEach((v, i) => { exact[i] = exact[i]! + v; });
    }
    for (let i = 0; i < dim; i++) expect(grad[i]!).toBeCloseTo(want[i]!, 4);
    // The true gradient points elsewhere (not only longer): the reference's scaling is not a no-op.
    const cos = (a: ArrayLike<number>, c: ArrayLike<number>) => {
      let ab = 0, aa = 0, cc = 0;
      for (let i = 0; i < dim; i++) { ab += a[i]! * c[i]!; aa += a[i]! ** 2; cc += c[i]! ** 2; }
      return ab / Math.sqrt(aa * cc);
    };
    expect(cos(grad, exact)).toBeLessThan(0.999);
    z.dispose();
    ff.dispose();
    tf.dispose([...b.values()]);
  });

  it('is seeded: the same seed draws the same subspace, another seed another', () => {
    const b = base();
    const [x, y, other] = [7, 7, 8].map((seed) => new FastfoodSubspace(b, { dim, seed }));
    expect([...x!.projection('b.weight')!.G]).toEqual([...y!.projection('b.weight')!.G]);
    expect([...x!.projection('b.weight')!.G]).not.toEqual([...other!.projection('b.weight')!.G]);
    for (const f of [x, y, other]) f!.dispose();
    expect(() => new FastfoodSubspace(b, { dim: 0, seed: 1 })).toThrow(/positive integer/);
    const ff = new FastfoodSubspace(b, { dim, seed: 1 });
    expect(() => ff.weights(tf.zeros([3]) as tf.Tensor1D)).toThrow(/z must have shape \[4\]/);
    ff.dispose();
    tf.dispose([...b.values()]);
  });
});
