// tfjs backend setup for Node (CLI runners and tests).
//  - cpu: pure JS, always there.
//  - wasm: the wasm binaries are loaded from node_modules by file path (no fetch in Node).
//  - webgpu: Dawn through the `webgpu` npm package on SwiftShader's Vulkan ICD (see NOTES.md);
//    navigator.gpu and the WebGPU globals must exist before the backend module is imported, and
//    navigator must be dropped again at the end or the process never exits (releaseNodeBackend).
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from '../engine/kernels';
import { registerWasmSharingIdentity } from '../engine/kernels/wasmIdentity';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type NodeBackend = 'cpu' | 'wasm' | 'webgpu';

const require = createRequire(import.meta.url);
let webgpuInstalled = false;

/** Debian's chromium ships the Vulkan loader and SwiftShader ICD here; the system may have no libvulkan. */
const CHROMIUM_LIB_DIR = '/usr/lib/chromium';

/**
 * Dawn dlopens libvulkan.so.1, and the dynamic loader reads LD_LIBRARY_PATH only at process start.
 * When the system has no Vulkan loader, re-run this same command with chromium's library folder on
 * LD_LIBRARY_PATH and return its exit status; return null when no re-run is needed (or possible).
 */
export function rerunWithVulkanLoader(): number | null {
  const systemLoader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some(existsSync);
  const path = process.env.LD_LIBRARY_PATH ?? '';
  if (systemLoader || path.split(':').includes(CHROMIUM_LIB_DIR) || !existsSync(join(CHROMIUM_LIB_DIR, 'libvulkan.so.1'))) return null;
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, LD_LIBRARY_PATH: path ? `${CHROMIUM_LIB_DIR}:${path}` : CHROMIUM_LIB_DIR },
  });
  return r.status ?? 2;
}

export interface NodeBackendOptions {
  /**
   * wasm only: also register src/engine/kernels (UnsortedSegmentSum, the faster BatchMatMul), as the
   * app's worker does, so Node runs what the browser runs. Default true.
   */
  wasmKernels?: boolean;
}

export async function useNodeBackend(name: NodeBackend, opts?: NodeBackendOptions): Promise<void> {
  switch (name) {
    case 'cpu':
      break;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      // A trailing separator: tfjs appends the file names to this prefix.
      wasm.setWasmPaths(join(dist, '/'));
      registerWasmSharingIdentity(); // see src/engine/kernels/wasmIdentity.ts: halves a training step's memory
      if (opts?.wasmKernels ?? true) registerWasmKernels();
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
