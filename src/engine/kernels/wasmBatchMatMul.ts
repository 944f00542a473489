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
// materialises the transposed operand with the backend's own Transpose kernel first. Batched
// products (attention) are run as one XNNPACK product per batch slice (batchedBySlices, 4-6x).
// Results are the same products (summation order may differ in the last float bits).
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

/** tfjs-backend-wasm 4.22 internals used to run a batched product slice by slice (see below). */
interface WasmInternals {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...a: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

function hasInternals(b: unknown): b is WasmInternals {
  const o = b as Partial<WasmInternals> | null;
  return o != null && typeof o.wasm?.cwrap === 'function' && typeof o.wasm.tfjs?.registerTensor === 'function'
    && typeof o.wasm.tfjs.disposeData === 'function' && typeof o.dataIdNextNumber === 'number' && typeof o.makeOutput === 'function';
}

type CBatchMatMul = (aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number, ta: boolean, tb: boolean, outId: number) => void;
const cFunctions = new WeakMap<object, CBatchMatMul>();

/**
 * Batched products (attention: [B*H, T, hd] x [B*H, hd, S]) take the C++ kernel's generic loop,
 * ~1 GFLOPS here, while a single [1, m, k] x [1, k, n] product without flags goes through XNNPACK.
 * So: materialise any transposition once for the whole batch, then run one XNNPACK product per
 * slice on zero-copy views. A view is a tensor id registered with the C++ side at an offset into
 * the operand's own heap memory and unregistered right after (never freed: the memory belongs to
 * the operand). Returns null when the shapes need broadcasting beyond "same batch or batch 1".
 */
function batchedBySlices(backend: WasmInternals, a: tf.TensorInfo, b: tf.TensorInfo, transpose: tf.KernelFunc, ta: boolean, tb: boolean): tf.TensorInfo | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const na = batchA.reduce((x, y) => x * y, 1);
  const nb = batchB.reduce((x, y) => x * y, 1);
  const sameBatch = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
  if (!sameBatch && na !== 1 && nb !== 1) return null;
  const m = ta ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = ta ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = tb ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batchShape = na >= nb ? batchA : batchB;
  const batch = Math.max(na, nb);
  let c = cFunctions.get(backend);
  if (!c) {
    c = backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']) as CBatchMatMul;
    cFunctions.set(backend, c);
  }
  const temps: tf.TensorInfo[] = [];
  const plain = (x: tf.TensorInfo, flip: boolean): tf.TensorInfo => {
    if (!flip) return x;
    const t = transpose({ inputs: { x }, backend: backend as unknown as tf.KernelBackend, attrs: { perm: swapLastTwo(x.shape.length) } }) as tf.TensorInfo;
    temps.push(t);
    return t;
  };
  try {
    const A = plain(a, ta);
    const B = plain(b, tb);
    const out = backend.makeOutput([...batchShape, m, n], 'float32');
    const offA = backend.dataIdMap.get(A.dataId)!.memoryOffset;
    const offB = backend.dataIdMap.get(B.dataId)!.memoryOffset;
    const offO = backend.dataIdMap.get(out.dataId)!.memoryOffset;
    const shapeA = new Uint8Array(new Int32Array([1, m, k]).buffer);
    const shapeB = new Uint8Array(new Int32Array([1, k, n]).buffer);
    const view = (offset: number, size: number): number => {
      const id = backend.dataIdNextNumber++;
      backend.wasm.tfjs.registerTensor(id, size, offset);
      return id;
    };
    for (let i = 0; i < batch; i++) {
      const idA = view(offA + 4 * (na === 1 ? 0 : i) * m * k, m * k);
      const idB = view(offB + 4 * (nb === 1 ? 0 : i) * k * n, k * n);
      const idO = view(offO + 4 * i * m * n, m * n);
      try {
        c(idA, shapeA, 3, idB, shapeB, 3, false, false, idO);
      } finally {
        // Unregister only: the C++ side drops the id (and any operator cached for it); the
        // memory stays with the tensors it belongs to.
        backend.wasm.tfjs.disposeData(idA);
        backend.wasm.tfjs.disposeData(idB);
        backend.wasm.tfjs.disposeData(idO);
      }
    }
    return out;
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/** How often each fast path ran (diagnostics and tests). */
export const wasmBatchMatMulStats = { sliced: 0, transposed: 0 };

type Attrs = { transposeA?: boolean; transposeB?: boolean };

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** Wraps `original` (the wasm BatchMatMul kernelFunc) so large transposed operands are copied first. */
export function makeTransposingBatchMatMul(original: tf.KernelFunc, transpose: tf.KernelFunc, minElements = TRANSPOSE_MIN_ELEMENTS, sliceBatches = true): tf.KernelFunc {
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
    const batched = (t: tf.TensorInfo) => t.shape.slice(0, -2).reduce((x, y) => x * y, 1) > 1;
    if (sliceBatches && (batched(a) || batched(b)) && a.dtype === 'float32' && b.dtype === 'float32' && hasInternals(backend)) {
      const out = batchedBySlices(backend, a, b, transpose, transposeA, transposeB);
      if (out) {
        wasmBatchMatMulStats.sliced++;
        return out;
      }
    }
    const flipA = transposeA && worthIt(a);
    const flipB = transposeB && worthIt(b);
    if (!flipA && !flipB) return original(args);
    wasmBatchMatMulStats.transposed++;
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
