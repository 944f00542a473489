// tfjs' engine clones every input a kernel saves for its gradient (engine.saveTensorsForBackwardMode
// -> clone -> Identity). The cpu and webgl backends' Identity shares the buffer; the wasm backend's
// copies it. Under a gradient tape on wasm, every frozen weight a matMul or gather touches is
// therefore duplicated for the step (BART-base: the 154 MB embedding three times over) and so is
// every saved activation, which runs a BART-base prompt-tuning step out of wasm's 4 GB heap.
// This registers a buffer-sharing Identity for wasm, as the cpu backend does (tensors are
// immutable and their buffers refcounted, so sharing is safe). Idempotent; call after the wasm
// backend package is imported.
import * as tf from '@tensorflow/tfjs';

let installed = false;

/** Returns false (and does nothing) when the wasm backend package has not been imported yet. */
export function registerWasmSharingIdentity(): boolean {
  if (installed) return true;
  if (!tf.getKernel('Identity', 'wasm')) return false;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      (backend as unknown as { incRef(dataId: unknown): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  installed = true;
  return true;
}
