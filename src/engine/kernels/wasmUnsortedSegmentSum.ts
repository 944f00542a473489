// UnsortedSegmentSum for tfjs' wasm backend, written in JS over the wasm heap.
//
// Why: tfjs-backend-wasm 4.22 ships no UnsortedSegmentSum kernel, and that op is the gradient of
// `gather` (tfjs-core's GatherV2 grad). Every embedding lookup on the differentiable path therefore
// fails on wasm as soon as the embedding table itself is trained (full-parameter pre-training).
// A one-hot matmul would work around it at O(N * vocab * d) cost; this kernel is O(N * d).
//
// Semantics (those of TensorFlow and of tfjs' cpu backend for the shapes tfjs-core produces):
//   x [N, ...inner], segmentIds int32 [N], numSegments S  ->  out [S, ...inner],
//   out[s] = sum of x[i] over all i with segmentIds[i] == s.
// Ids outside [0, S) (negative or too large) are dropped, as on cpu and in TensorFlow.
// Segments nobody maps to are 0. Output dtype = x dtype (float32 or int32).
// One difference from the cpu kernel, by design: cpu computes mask * x, so a NaN/Inf in a row whose
// id is out of range poisons every segment; here such a row is simply skipped.
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm this kernel uses (kept structural so core code
 * never imports the wasm package: the app loads it lazily). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  readSync(dataId: object): unknown;
}

export const UNSORTED_SEGMENT_SUM = 'UnsortedSegmentSum';

function isWasmBackend(b: unknown): b is WasmBackendLike {
  const o = b as Partial<WasmBackendLike> | null;
  return o != null && typeof o.makeOutput === 'function' && typeof o.typedArrayFromHeap === 'function';
}

/** Pure reference of the accumulation, shared by the kernel; exported for tests and reuse. */
export function segmentSumInto(
  out: Float32Array | Int32Array,
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  numSegments: number,
  rowSize: number,
): void {
  out.fill(0);
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * rowSize;
    const dst = s * rowSize;
    for (let j = 0; j < rowSize; j++) out[dst + j]! += x[src + j]!;
  }
}

const unsortedSegmentSumWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x?: tf.TensorInfo; segmentIds?: tf.TensorInfo };
  const numSegments = (attrs as { numSegments?: unknown } | undefined)?.numSegments;
  if (!x || !segmentIds) throw new Error('UnsortedSegmentSum (wasm): expected inputs x and segmentIds');
  if (!isWasmBackend(backend)) throw new Error('UnsortedSegmentSum (wasm): called with a backend that is not tfjs-backend-wasm');
  if (typeof numSegments !== 'number' || !Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum (wasm): numSegments must be a non-negative integer, got ${String(numSegments)}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum (wasm): x must be float32 or int32, got ${x.dtype}`);
  }
  if (segmentIds.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum (wasm): segmentIds must be int32, got ${segmentIds.dtype}`);
  }
  // tfjs-core's gather gradient always flattens the ids to rank 1; higher ranks would need
  // TensorFlow's prefix semantics, which tfjs' own cpu kernel does not implement consistently.
  if (segmentIds.shape.length !== 1 || x.shape.length < 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new Error(
      `UnsortedSegmentSum (wasm): segmentIds must be 1-D with length x.shape[0]; got segmentIds [${segmentIds.shape.join(', ')}] for x [${x.shape.join(', ')}]`,
    );
  }
  const inner = x.shape.slice(1);
  const rowSize = inner.reduce((a, b) => a * b, 1);
  const outShape = [numSegments, ...inner];
  // Allocate first: malloc may grow the wasm memory, which detaches earlier heap views.
  const out = backend.makeOutput(outShape, x.dtype);
  if (numSegments * rowSize === 0) return out;
  const outView = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xView = backend.typedArrayFromHeap(x);
  const idView = backend.typedArrayFromHeap(segmentIds);
  segmentSumInto(outView, xView, idView, numSegments, rowSize);
  return out;
};

let registered = false;

/** Registers the wasm UnsortedSegmentSum kernel once; leaves an existing registration alone, so a
 * future tfjs release with its own kernel wins. Safe before or after `tf.setBackend('wasm')`. */
export function registerWasmUnsortedSegmentSum(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel(UNSORTED_SEGMENT_SUM, 'wasm') !== undefined) return;
  tf.registerKernel({ kernelName: UNSORTED_SEGMENT_SUM, backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm });
}
