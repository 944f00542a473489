// Page-side harness for test/browser/weights-real-scale.test.ts: runs the real loader, cache and
// tokenizer in Chromium and returns small summaries (never whole tensors) to the test.
import { loadTokenizer } from '../../../src/shared/tokenizer/index';
import type { LoadProgress } from '../../../src/shared/weights/bytes';
import { loadModelFiles, type ModelSource } from '../../../src/shared/weights/load';
import { WeightCache } from '../../../src/storage/weightCache';
import type { WorkerReply, WorkerRequest } from './weights-worker';

export interface SampleRequest {
  readonly name: string;
  readonly indices: readonly number[];
}

export interface LoadSummary {
  readonly ms: number;
  readonly fromCache: readonly string[];
  readonly warnings: readonly string[];
  readonly tensorCount: number;
  readonly totalElements: number;
  readonly samples: Record<string, number[]>;
  readonly shapes: Record<string, readonly number[]>;
  readonly progress: { readonly events: number; readonly monotonic: boolean; readonly last: LoadProgress | null; readonly phases: string[] };
  readonly cache: { readonly entries: { key: string; size: number }[]; readonly total: number };
  readonly dModel: number;
  readonly encoded: number[];
}

async function load(source: ModelSource, samples: readonly SampleRequest[]): Promise<LoadSummary> {
  const cache = await WeightCache.open();
  const events: LoadProgress[] = [];
  const t0 = performance.now();
  try {
    const m = await loadModelFiles(source, { cache, onProgress: (p) => events.push(p), appBase: location.href });
    const ms = performance.now() - t0;
    const w = events.filter((e) => e.file === 'model.safetensors');
    const out: Record<string, number[]> = {};
    const shapes: Record<string, readonly number[]> = {};
    for (const s of samples) {
      const t = m.weights.get(s.name);
      if (!t) throw new Error(`no tensor ${s.name}`);
      out[s.name] = s.indices.map((i) => t.data[i]!);
      shapes[s.name] = t.shape;
    }
    let totalElements = 0;
    for (const t of m.weights.values()) totalElements += t.data.length;
    const codec = await loadTokenizer(m.tokenizerJson, m.tokenizerConfigJson);
    const list = await cache.list();
    return {
      ms,
      fromCache: m.fromCache,
      warnings: m.warnings,
      tensorCount: m.weights.size,
      totalElements,
      samples: out,
      shapes,
      progress: {
        events: w.length,
        monotonic: w.every((e, i) => i === 0 || e.loaded >= w[i - 1]!.loaded),
        last: w.at(-1) ?? null,
        phases: [...new Set(w.map((e) => e.phase))],
      },
      cache: { entries: list.map((e) => ({ key: e.key, size: e.size })), total: await cache.totalSize() },
      dModel: m.config.dModel,
      encoded: codec.encode(' the model'),
    };
  } finally {
    cache.close();
  }
}

declare global {
  interface Window {
    weightsHarness: { load: typeof load; inWorker: typeof inWorker };
  }
}

/** Runs one request in a fresh module worker (bundled next to this page as weights-worker.js). */
function inWorker(request: WorkerRequest): Promise<WorkerReply> {
  const worker = new Worker('./weights-worker.js', { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (ev) => { worker.terminate(); resolve(ev.data); };
    worker.onerror = (ev) => { worker.terminate(); reject(new Error(ev.message)); };
    worker.postMessage(request);
  });
}
window.weightsHarness = { load, inWorker };
document.title = 'ready';
