// tfjs backend setup for Node (CLI runners and tests).
//  - cpu: pure JS, always there.
//  - wasm: the wasm binaries are loaded from node_modules by file path (no fetch in Node).
//  - webgpu: Dawn through the `webgpu` npm package on SwiftShader's Vulkan ICD (see NOTES.md);
//    navigator.gpu and the WebGPU globals must exist before the backend module is imported, and
//    navigator must be dropped again at the end or the process never exits (releaseNodeBackend).
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type NodeBackend = 'cpu' | 'wasm' | 'webgpu';

const require = createRequire(import.meta.url);
let webgpuInstalled = false;

export async function useNodeBackend(name: NodeBackend): Promise<void> {
  switch (name) {
    case 'cpu':
      break;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      // A trailing separator: tfjs appends the file names to this prefix.
      wasm.setWasmPaths(join(dist, '/'));
      break;
    }
    case 'webgpu': {
      process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
      const { create, globals } = (await import('webgpu')) as unknown as { create: (o: string[]) => unknown; globals: Record<string, unknown> };
      Object.assign(globalThis, globals);
      Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
      webgpuInstalled = true;
      await import('@tensorflow/tfjs-backend-webgpu');
      break;
    }
    default:
      throw new Error(`unknown backend "${String(name)}"; use cpu, wasm or webgpu`);
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend "${name}" failed to initialise`);
  await tf.ready();
}

/** Frees the backend's resources so the process can exit (needed for webgpu). */
export function releaseNodeBackend(): void {
  if (webgpuInstalled) {
    try {
      tf.engine().reset();
    } catch {
      // already torn down
    }
    delete (globalThis as { navigator?: unknown }).navigator;
    webgpuInstalled = false;
  }
}
