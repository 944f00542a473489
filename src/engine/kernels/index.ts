// JS-side kernels that make tfjs' wasm backend fit for full-parameter training:
//  - UnsortedSegmentSum, the gradient of gather (embedding lookups), which wasm lacks;
//  - a buffer-sharing Identity: the stock one copies every tensor saved for a gradient, which
//    runs a BART-base prompt-tuning step out of wasm's 4 GB heap (wasmIdentity.ts);
//  - a BatchMatMul wrapper that avoids the C++ kernel's slow paths: transposed 2-D operands and
//    batched products (run per slice through XNNPACK).
// Call registerWasmKernels() after importing '@tensorflow/tfjs-backend-wasm' (before or after
// tf.setBackend('wasm')). Nothing here imports the wasm package itself.
import { installWasmBatchMatMul } from './wasmBatchMatMul';
import { registerWasmSharingIdentity } from './wasmIdentity';
import { registerWasmUnsortedSegmentSum } from './wasmUnsortedSegmentSum';

export { installWasmBatchMatMul, makeTransposingBatchMatMul, TRANSPOSE_MIN_ELEMENTS, wasmBatchMatMulStats } from './wasmBatchMatMul';
export { registerWasmUnsortedSegmentSum, segmentSumInto } from './wasmUnsortedSegmentSum';
export { registerWasmSharingIdentity } from './wasmIdentity';

/**
 * Idempotent. Returns false when the wasm backend's own kernels are not registered yet (the
 * package was not imported), in which case the BatchMatMul speed-up is skipped; call it again
 * after the import. UnsortedSegmentSum is registered either way.
 */
export function registerWasmKernels(): boolean {
  registerWasmUnsortedSegmentSum();
  const shared = registerWasmSharingIdentity();
  const batched = installWasmBatchMatMul();
  return shared && batched;
}
