// Node setup of tfjs' wasm backend for tests: the binaries are read from node_modules.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Initialises the wasm backend (single-threaded in Node) and makes it current. */
export async function useWasmBackend(): Promise<void> {
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  // setWasmPaths treats a string as a prefix: the trailing slash is required.
  setWasmPaths(dist + path.sep);
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('tfjs wasm backend failed to initialise');
}
