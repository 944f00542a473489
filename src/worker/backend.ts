// Chooses and initialises the TF.js backend inside the engine worker.
// Auto rule (measured on the team's machines, see ../shared/NOTES.md): WebGPU only on a hardware
// adapter, because a software adapter (SwiftShader) is ~50x slower than wasm; then threaded SIMD
// wasm (needs cross-origin isolation for SharedArrayBuffer); then webgl; then cpu.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmKernels } from '../engine/kernels';
import { EngineError } from '../protocol/errors';
import type { AdapterReport, BackendChoice, BackendName, InitResult, WasmBuild } from '../protocol/messages';

// WebGPU types are not in TypeScript's WebWorker lib; these are the few fields read here.
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: GpuAdapterInfoLike;
  requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

const AUTO_ORDER: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

let wasmConfigured = false;

/** Describe the WebGPU adapter this worker would get, without creating a device. */
async function probeAdapter(): Promise<AdapterReport> {
  const gpu = (self.navigator as WorkerNavigator & { gpu?: GpuLike }).gpu;
  if (!gpu) return { kind: 'none', description: 'WebGPU is not available here (no navigator.gpu)' };
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { kind: 'none', description: `requestAdapter failed: ${messageOf(error)}` };
  }
  if (!adapter) return { kind: 'none', description: 'navigator.gpu.requestAdapter() returned no adapter' };
  // adapter.info is current Chrome; requestAdapterInfo() is older Chrome; isFallbackAdapter moved
  // from the adapter to its info object.
  let info: GpuAdapterInfoLike = adapter.info ?? {};
  if (!adapter.info && adapter.requestAdapterInfo) {
    try {
      info = await adapter.requestAdapterInfo();
    } catch {
      info = {};
    }
  }
  const parts = [info.vendor, info.architecture, info.device, info.description].filter(
    (part): part is string => typeof part === 'string' && part.length > 0,
  );
  const description = parts.length > 0 ? [...new Set(parts)].join(' / ') : 'unknown adapter';
  // Some builds report SwiftShader without setting the flag; treat it as software either way.
  const software = /swiftshader|llvmpipe|lavapipe|microsoft basic render|warp/i.test(description);
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || software;
  return { kind: fallback ? 'fallback' : 'gpu', description };
}

function configureWasm(): void {
  if (wasmConfigured) return;
  // A per-file map, because Vite hashes each file name; the backend picks threaded-SIMD when the
  // page is cross-origin isolated and SIMD + threads validate, else SIMD, else plain.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlainUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
  });
  // The C++ side caps this at min(8, hardwareConcurrency / 2) (it assumes two hyper-threads per core).
  setThreadsCount(Math.max(1, self.navigator.hardwareConcurrency || 1));
  // The core's JS kernels for wasm: UnsortedSegmentSum (the gradient of gather, missing in
  // tfjs-backend-wasm) and a faster BatchMatMul for attention. The wasm package is imported above,
  // so its own kernels exist and this cannot come back false.
  if (!registerWasmKernels()) console.warn('the core wasm BatchMatMul could not be installed');
  wasmConfigured = true;
}

/** tf.setBackend reports failure as `false` plus a console.warn; keep the warning as the reason. */
async function trySetBackend(name: BackendName): Promise<string | null> {
  if (name === 'wasm') configureWasm();
  const warnings: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(messageOf).join(' '));
    originalWarn.apply(console, args);
  };
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (!ok || tf.getBackend() !== name) {
      return warnings.at(-1) ?? `tf.setBackend('${name}') returned false`;
    }
    return null;
  } catch (error) {
    return messageOf(error);
  } finally {
    console.warn = originalWarn;
  }
}

function autoReason(name: BackendName, adapter: AdapterReport): string {
  switch (name) {
    case 'webgpu':
      return 'auto: WebGPU on a hardware adapter';
    case 'wasm':
      return adapter.kind === 'fallback'
        ? 'auto: the WebGPU adapter is a software fallback, so the CPU wasm backend is faster'
        : adapter.kind === 'none'
          ? `auto: no WebGPU (${adapter.description}); wasm is the fast CPU backend`
          : 'auto: WebGPU failed to start; wasm is the fast CPU backend';
    case 'webgl':
      return 'auto: neither WebGPU nor wasm could start; using WebGL';
    case 'cpu':
      return 'auto: no accelerated backend could start; using the plain JS cpu backend (slow)';
  }
}

/** Initialise `requested` (or the auto choice); falls back down AUTO_ORDER if it fails. */
export async function initBackend(requested: BackendChoice): Promise<InitResult> {
  const adapter = await probeAdapter();
  const attempts: InitResult['attempts'] = [];
  const candidates: BackendName[] =
    requested === 'auto'
      ? AUTO_ORDER.filter((name) => name !== 'webgpu' || adapter.kind === 'gpu')
      : [requested, ...AUTO_ORDER.filter((name) => name !== requested && name !== 'webgpu')];

  for (const name of candidates) {
    const error = await trySetBackend(name);
    attempts.push(error === null ? { backend: name, ok: true } : { backend: name, ok: false, error });
    if (error !== null) continue;
    let reason: string;
    if (requested === 'auto') {
      reason = autoReason(name, adapter);
    } else if (name === requested) {
      reason = `chosen by the user${name === 'webgpu' && adapter.kind === 'fallback' ? ' (software adapter: slow)' : ''}`;
    } else {
      const failed = attempts.find((attempt) => attempt.backend === requested);
      reason = `${requested} failed to start (${failed?.error ?? 'unknown error'}); fell back to ${name}`;
    }
    return {
      backend: name,
      requested,
      reason,
      adapter,
      threads: name === 'wasm' ? getThreadsCount() : 1,
      wasmBuild: name === 'wasm' ? await wasmBuild() : null,
      crossOriginIsolated: self.crossOriginIsolated,
      attempts,
    };
  }
  throw new EngineError(
    'BACKEND_UNAVAILABLE',
    `no TF.js backend could start: ${attempts.map((a) => `${a.backend}: ${a.error ?? 'ok'}`).join('; ')}`,
  );
}

/** The binary tfjs-backend-wasm loads, by the same feature tests it uses to pick one. */
async function wasmBuild(): Promise<WasmBuild> {
  const [simd, threads] = await Promise.all([
    tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  ]);
  return simd && threads ? 'threaded-simd' : simd ? 'simd' : 'plain';
}

function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'object' && value !== null && 'message' in value) return String(value.message);
  return String(value);
}
