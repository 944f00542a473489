// A faster BatchMatMul for tfjs' wasm backend when an operand is transposed.
//
// Why: tfjs-backend-wasm 4.22 hands transposeA / transposeB straight to its C++ kernel, which then
// leaves XNNPACK's fast path. Measured on this project's 2-core machines, [768,128] x [512,128]^T
// runs at ~1-2 GFLOPS with transposeB but ~15-25 GFLOPS when the operand is first transposed in
// memory (an O(rows * cols) copy) and multiplied without flags. BART keeps PyTorch's [out, in]
// weight layout and multiplies with transposeB, and the gradients of every matMul use transposeA
// (dW = x^T dy) and transposeB (dx = dy W^T), so training and inference both hit the slow path.
//
// The wrapper keeps the original kernel (and its wasm setup) and, for large enough matrices,
// materialises the transposed operand with the backend's own Transpose kernel first. Results
// are the same products (summation order may differ in the last float bits).
import * as tf from '@tensorflow/tfjs';

export const BATCH_MAT_MUL = 'BatchMatMul';

/**
 * Explicit transposition pays off for plain 2-D products (batch 1: linear layers, the LM head and
 * their gradients: 6-10x faster measured). Batched products ([B*H, T, hd] attention) take another
 * path in the C++ kernel that is no faster without flags, so they are left alone, as are tiny
 * matrices where the copy is not worth a kernel call.
 */
export const TRANSPOSE_MIN_ELEMENTS = 1024;

interface WasmBackendLike {
  disposeData(dataId: object): boolean;
}

type Attrs = { transposeA?: boolean; transposeB?: boolean };

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** Wraps `original` (the wasm BatchMatMul kernelFunc) so large transposed operands are copied first. */
export function makeTransposingBatchMatMul(original: tf.KernelFunc, transpose: tf.KernelFunc, minElements = TRANSPOSE_MIN_ELEMENTS): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA = false, transposeB = false } = (attrs ?? {}) as Attrs;
    const worthIt = (t: tf.TensorInfo) => {
      const r = t.shape.length;
      if (r < 2) return false;
      const batch = t.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      return batch === 1 && t.shape[r - 1]! * t.shape[r - 2]! >= minElements;
    };
    const flipA = transposeA && worthIt(a);
    const flipB = transposeB && worthIt(b);
    if (!flipA && !flipB) return original(args);
    const temps: tf.TensorInfo[] = [];
    const flip = (x: tf.TensorInfo): tf.TensorInfo => {
      const t = transpose({ inputs: { x }, backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as tf.TensorInfo;
      temps.push(t);
      return t;
    };
    try {
      return original({
        inputs: { a: flipA ? flip(a) : a, b: flipB ? flip(b) : b },
        backend,
        attrs: { ...attrs, transposeA: transposeA && !flipA, transposeB: transposeB && !flipB },
      });
    } finally {
      for (const t of temps) (backend as unknown as WasmBackendLike).disposeData(t.dataId);
    }
  };
}

let installed = false;

/**
 * Replaces the wasm BatchMatMul registration by the transposing wrapper. Idempotent. Works before
 * or after the wasm backend is initialised: the original setupFunc (which binds the C++ function)
 * is kept on the new registration, and the binding it made stays valid.
 * Returns false (and changes nothing) when the wasm backend's kernels are not registered, i.e.
 * '@tensorflow/tfjs-backend-wasm' has not been imported.
 */
export function installWasmBatchMatMul(minElements = TRANSPOSE_MIN_ELEMENTS): boolean {
  if (installed) return true;
  const original = tf.getKernel(BATCH_MAT_MUL, 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return false;
  tf.unregisterKernel(BATCH_MAT_MUL, 'wasm');
  tf.registerKernel({
    kernelName: BATCH_MAT_MUL,
    backendName: 'wasm',
    kernelFunc: makeTransposingBatchMatMul(original.kernelFunc, transpose.kernelFunc, minElements),
    ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
  });
  installed = true;
  return true;
}
