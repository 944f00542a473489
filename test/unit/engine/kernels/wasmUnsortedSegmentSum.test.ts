// The wasm UnsortedSegmentSum kernel against tfjs' cpu backend (the independent reference):
// forward on random shapes with out-of-range and negative ids, and the gradient of an embedding
// lookup `gather(table, ids)` w.r.t. the table, which is what full-parameter training needs.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from '../../../../src/engine/kernels';
import { Rng } from '../../../../src/shared/random';
import { useWasmBackend } from './wasmBackend';

interface Case { xShape: number[]; ids: number[]; numSegments: number; x: number[]; dtype: 'float32' | 'int32' }

function randomCase(rng: Rng, dtype: 'float32' | 'int32'): Case {
  const n = 1 + rng.int(12);
  const inner = [[], [1 + rng.int(5)], [1 + rng.int(3), 1 + rng.int(4)]][rng.int(3)]!;
  const numSegments = 1 + rng.int(8);
  // Ids from -2 to numSegments + 1: some rows fall outside [0, numSegments) and must be dropped.
  const ids = Array.from({ length: n }, () => rng.int(numSegments + 4) - 2);
  const size = n * inner.reduce((a, b) => a * b, 1);
  const x = Array.from({ length: size }, () => (dtype === 'int32' ? rng.int(201) - 100 : rng.normal()));
  return { xShape: [n, ...inner], ids, numSegments, x, dtype };
}

function runOn(backend: string, c: Case): { shape: number[]; values: number[] } {
  const prev = tf.getBackend();
  tf.setBackend(backend);
  try {
    return tf.tidy(() => {
      const out = tf.unsortedSegmentSum(tf.tensor(c.x, c.xShape, c.dtype), tf.tensor1d(c.ids, 'int32'), c.numSegments);
      return { shape: out.shape, values: Array.from(out.dataSync()) };
    });
  } finally {
    tf.setBackend(prev);
  }
}

describe('UnsortedSegmentSum on wasm', () => {
  beforeAll(async () => {
    await tf.ready();
    await useWasmBackend();
    registerWasmKernels();
  });

  it('registration is idempotent and leaves exactly one wasm kernel', () => {
    registerWasmKernels();
    registerWasmKernels();
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
  });

  it('matches the cpu backend on random float32 and int32 inputs, incl. out-of-range and negative ids', () => {
    const rng = new Rng(20241126);
    let dropped = 0;
    for (let k = 0; k < 40; k++) {
      const c = randomCase(rng, k % 4 === 3 ? 'int32' : 'float32');
      dropped += c.ids.filter((s) => s < 0 || s >= c.numSegments).length;
      const cpu = runOn('cpu', c);
      const wasm = runOn('wasm', c);
      expect(wasm.shape).toEqual(cpu.shape);
      expect(wasm.shape).toEqual([c.numSegments, ...c.xShape.slice(1)]);
      for (let i = 0; i < cpu.values.length; i++) expect(wasm.values[i]).toBeCloseTo(cpu.values[i]!, 5);
    }
    // The random cases really exercised the drop rule.
    expect(dropped).toBeGreaterThan(10);
  });

  it('keeps int32 dtype, sums repeated ids and leaves unused segments at 0', () => {
    const c: Case = { xShape: [4, 2], ids: [2, 0, 2, -1], numSegments: 4, x: [1, 2, 3, 4, 5, 6, 7, 8], dtype: 'int32' };
    tf.setBackend('wasm');
    const out = tf.unsortedSegmentSum(tf.tensor(c.x, c.xShape, 'int32'), tf.tensor1d(c.ids, 'int32'), c.numSegments);
    expect(out.dtype).toBe('int32');
    // Row 3 (id -1) is dropped; segments 1 and 3 get nothing.
    expect(Array.from(out.dataSync())).toEqual([3, 4, 0, 0, 1 + 5, 2 + 6, 0, 0]);
    expect(Array.from(out.dataSync())).toEqual(runOn('cpu', c).values);
    out.dispose();
  });

  it('handles empty inputs and zero segments', () => {
    tf.setBackend('wasm');
    const a = tf.unsortedSegmentSum(tf.zeros([0, 3]), tf.tensor1d([], 'int32'), 2);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    const b = tf.unsortedSegmentSum(tf.ones([2, 3]), tf.tensor1d([0, 1], 'int32'), 0);
    expect(b.shape).toEqual([0, 3]);
    tf.dispose([a, b]);
  });

  it('rejects ids whose length does not match x with a message naming the shapes', () => {
    tf.setBackend('wasm');
    expect(() => tf.unsortedSegmentSum(tf.ones([3, 2]), tf.tensor1d([0, 1], 'int32'), 2)).toThrow(/segmentIds \[2\] for x \[3, 2\]/);
  });

  it('gives the same embedding-table gradient as cpu for gather(table, ids) with repeated ids', () => {
    const rng = new Rng(7);
    const vocab = 50;
    const d = 16;
    const table = Array.from(rng.normalArray(vocab * d, 0.02));
    const ids = Array.from({ length: 3 * 7 }, () => rng.int(vocab));
    ids[1] = ids[0]!; // a repeated token must accumulate
    const upstream = Array.from(rng.normalArray(3 * 7 * d, 1));
    const grad = (backend: string): { values: number[]; loss: number } => {
      const prev = tf.getBackend();
      tf.setBackend(backend);
      try {
        return tf.tidy(() => {
          const w = tf.tensor2d(table, [vocab, d]);
          const idx = tf.tensor2d(ids, [3, 7], 'int32');
          const up = tf.tensor3d(upstream, [3, 7, d]);
          // Loss linear in the lookup so the gradient is a scatter-add of `upstream` rows.
          const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), up));
          const { value, grad: g } = tf.valueAndGrad(f)(w);
          return { values: Array.from(g.dataSync()), loss: value.dataSync()[0]! };
        });
      } finally {
        tf.setBackend(prev);
      }
    };
    const cpu = grad('cpu');
    const wasm = grad('wasm');
    expect(wasm.values.length).toBe(vocab * d);
    for (let i = 0; i < cpu.values.length; i++) expect(wasm.values[i]).toBeCloseTo(cpu.values[i]!, 5);
    expect(wasm.loss).toBeCloseTo(cpu.loss, 4);
    // Independent check of the repeated row: its gradient is the sum of the upstream rows of
    // every position that looked it up (at least positions 0 and 1).
    const id0 = ids[0]!;
    for (let j = 0; j < d; j++) {
      let want = 0;
      ids.forEach((v, p) => { if (v === id0) want += upstream[p * d + j]!; });
      expect(wasm.values[id0 * d + j]).toBeCloseTo(want, 5);
    }
  });

  it('trains an embedding table with tf.train optimizers on wasm without leaking tensors', () => {
    tf.setBackend('wasm');
    const table = tf.variable(tf.randomNormal([20, 8], 0, 0.02, 'float32', 3));
    const target = tf.randomNormal([6, 8], 0, 1, 'float32', 4);
    const ids = tf.tensor1d([1, 5, 5, 9, 0, 19], 'int32');
    const opt = tf.train.sgd(0.5);
    const loss = () => tf.mean(tf.square(tf.sub(tf.gather(table, ids), target))) as tf.Scalar;
    const first = tf.tidy(() => loss().dataSync()[0]!);
    opt.minimize(loss); // warm-up: the optimizer allocates its state once
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) opt.minimize(loss, true)?.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const last = tf.tidy(() => loss().dataSync()[0]!);
    expect(last).toBeLessThan(first * 0.5);
    tf.dispose([table, target, ids]);
    opt.dispose();
  });
});
