// The transposing BatchMatMul wrapper on wasm against tfjs' cpu backend: every transpose flag
// combination, 2-D and batched, forward and gradients, no leaked tensors or wasm buffers.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeTransposingBatchMatMul, registerWasmKernels, wasmBatchMatMulStats } from '../../../../src/engine/kernels';
import { Rng } from '../../../../src/shared/random';
import { useWasmBackend } from './wasmBackend';

function on<T>(backend: string, f: () => T): T {
  const prev = tf.getBackend();
  tf.setBackend(backend);
  try {
    return f();
  } finally {
    tf.setBackend(prev);
  }
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  expect(worst).toBeLessThan(tol);
}

describe('BatchMatMul on wasm with explicit transposition', () => {
  beforeAll(async () => {
    await tf.ready();
    await useWasmBackend();
    expect(registerWasmKernels()).toBe(true);
    expect(registerWasmKernels()).toBe(true); // idempotent
  });

  it('matches cpu for all flag combinations, 2-D (transposing path) and batched (sliced path)', () => {
    const rng = new Rng(11);
    const before = { ...wasmBatchMatMulStats };
    // [m, k, n] with k * n and m * k above the 1024-element threshold, plus a small and a batched case.
    const cases: { batch: number[]; m: number; k: number; n: number }[] = [
      { batch: [], m: 40, k: 64, n: 48 },
      { batch: [1], m: 33, k: 70, n: 65 },
      { batch: [], m: 5, k: 3, n: 4 },
      { batch: [3, 2], m: 17, k: 64, n: 40 },
      { batch: [5], m: 9, k: 12, n: 7 },
    ];
    for (const c of cases) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const aShape = [...c.batch, ...(ta ? [c.k, c.m] : [c.m, c.k])];
          const bShape = [...c.batch, ...(tb ? [c.n, c.k] : [c.k, c.n])];
          const a = Array.from(rng.normalArray(aShape.reduce((x, y) => x * y, 1), 1));
          const b = Array.from(rng.normalArray(bShape.reduce((x, y) => x * y, 1), 1));
          const run = () => tf.tidy(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb).dataSync());
          const want = on('cpu', run);
          const got = on('wasm', run);
          expect(got.length).toBe([...c.batch, c.m, c.n].reduce((x, y) => x * y, 1));
          expectClose(got, want, 1e-5);
        }
      }
    }
    // Both fast paths really ran (2 batched cases x 4 flag combinations; transposed 2-D products).
    expect(wasmBatchMatMulStats.sliced - before.sliced).toBe(8);
    expect(wasmBatchMatMulStats.transposed - before.transposed).toBeGreaterThanOrEqual(6);
  });

  it('matches cpu when batch dimensions broadcast (one side batch 1, or neither: original kernel)', () => {
    const rng = new Rng(12);
    const cases: [number[], number[]][] = [
      [[4, 10, 16], [16, 6]], // b has no batch: one b for every slice
      [[1, 10, 16], [4, 16, 6]], // a has batch 1
      [[2, 1, 10, 16], [1, 3, 16, 6]], // true broadcast: falls back to the original kernel
    ];
    const before = wasmBatchMatMulStats.sliced;
    for (const [aShape, bShape] of cases) {
      const a = Array.from(rng.normalArray(aShape.reduce((x, y) => x * y, 1), 1));
      const b = Array.from(rng.normalArray(bShape.reduce((x, y) => x * y, 1), 1));
      const run = () => tf.tidy(() => {
        const r = tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape));
        return { shape: r.shape, values: r.dataSync() };
      });
      const want = on('cpu', run);
      const got = on('wasm', run);
      expect(got.shape).toEqual(want.shape);
      expectClose(got.values, want.values, 1e-5);
    }
    expect(wasmBatchMatMulStats.sliced - before).toBe(2);
  });

  it('gives cpu gradients for batched attention scores softmax(q k^T) v', () => {
    const rng = new Rng(8);
    const [B, T, S, hd] = [6, 11, 13, 8];
    const q = Array.from(rng.normalArray(B * T * hd, 1));
    const k = Array.from(rng.normalArray(B * S * hd, 1));
    const v = Array.from(rng.normalArray(B * S * hd, 1));
    const up = Array.from(rng.normalArray(B * T * hd, 1));
    const grads = () => tf.tidy(() => {
      const f = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) =>
        tf.sum(tf.mul(tf.matMul(tf.softmax(tf.matMul(qq, kk, false, true)), vv), tf.tensor(up, [B, T, hd])));
      return tf.grads(f)([tf.tensor(q, [B, T, hd]), tf.tensor(k, [B, S, hd]), tf.tensor(v, [B, S, hd])]).map((g) => g.dataSync());
    });
    const want = on('cpu', grads);
    tf.setBackend('wasm');
    grads();
    const dataIds = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const got = grads();
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(dataIds);
    for (let i = 0; i < 3; i++) expectClose(got[i]!, want[i]!, 1e-4);
  });

  it('does not grow the wasm heap over many sliced products (views and cached XNNPACK operators are released)', () => {
    tf.setBackend('wasm');
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
    const q = tf.randomNormal([32, 40, 24]);
    const k = tf.randomNormal([32, 40, 24]);
    for (let i = 0; i < 20; i++) tf.tidy(() => tf.matMul(q, k, false, true).dataSync());
    const before = heap();
    // 400 x 32 slice views; a leaked operator (packed weights, a few KB each) would add tens of MB.
    for (let i = 0; i < 400; i++) tf.tidy(() => tf.matMul(q, k, false, true).dataSync());
    expect(heap()).toBe(before);
    tf.dispose([q, k]);
  });

  it('gives cpu gradients for a linear layer y = x W^T (PyTorch layout), and leaks nothing', () => {
    const rng = new Rng(5);
    const x = Array.from(rng.normalArray(48 * 64, 1));
    const w = Array.from(rng.normalArray(96 * 64, 0.1));
    const up = Array.from(rng.normalArray(48 * 96, 1));
    const grads = () => tf.tidy(() => {
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.matMul(xx, ww, false, true), tf.tensor(up, [48, 96])));
      const [gx, gw] = tf.grads(f)([tf.tensor(x, [48, 64]), tf.tensor(w, [96, 64])]);
      return [gx!.dataSync(), gw!.dataSync()];
    });
    const want = on('cpu', grads);
    tf.setBackend('wasm');
    grads();
    const before = tf.memory().numTensors;
    const dataIds = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const got = grads();
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(dataIds);
    expectClose(got[0]!, want[0]!, 1e-5);
    expectClose(got[1]!, want[1]!, 1e-5);
  });

  it('flips only large batch-1 transposed operands, passes the rest through, and frees the copies', () => {
    const calls: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [];
    const transposed: number[][] = [];
    const disposed: object[] = [];
    const fakeBackend = { disposeData: (id: object) => { disposed.push(id); return true; } };
    const original: tf.KernelFunc = ({ inputs, attrs }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      calls.push({ a: a.shape, b: b.shape, ta: transposeA, tb: transposeB });
      return { dataId: {}, shape: [], dtype: 'float32' };
    };
    const transpose: tf.KernelFunc = ({ inputs, attrs }) => {
      const x = (inputs as { x: tf.TensorInfo }).x;
      const perm = (attrs as { perm: number[] }).perm;
      transposed.push(perm);
      return { dataId: { copyOf: x.dataId }, shape: perm.map((p) => x.shape[p]!), dtype: 'float32' };
    };
    const k = makeTransposingBatchMatMul(original, transpose, 1024);
    const info = (shape: number[]): tf.TensorInfo => ({ dataId: {}, shape, dtype: 'float32' });
    const call = (a: number[], b: number[], ta: boolean, tb: boolean) =>
      k({ inputs: { a: info(a), b: info(b) }, backend: fakeBackend as unknown as tf.KernelBackend, attrs: { transposeA: ta, transposeB: tb } });
    call([768, 128], [512, 128], false, true); // linear layer forward: flip b
    call([1, 128, 768], [768, 512], true, false); // dW with a leading batch of 1: flip a
    call([64, 48, 32], [64, 48, 32], false, true); // batched attention: untouched
    call([8, 4], [8, 4], true, false); // tiny: untouched
    expect(calls).toEqual([
      { a: [768, 128], b: [128, 512], ta: false, tb: false },
      { a: [1, 768, 128], b: [768, 512], ta: false, tb: false },
      { a: [64, 48, 32], b: [64, 48, 32], ta: false, tb: true },
      { a: [8, 4], b: [8, 4], ta: true, tb: false },
    ]);
    expect(transposed).toEqual([[1, 0], [0, 2, 1]]);
    expect(disposed).toHaveLength(2);
  });
});
