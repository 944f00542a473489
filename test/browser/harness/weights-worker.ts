// Worker-side harness for test/browser/weights-worker.test.ts: the loader, the IndexedDB cache and
// the tokenizer inside a module Web Worker, as the engine worker will use them.
import { loadTokenizer } from '../../../src/shared/tokenizer/index';
import { loadModelFiles, type ModelSource } from '../../../src/shared/weights/load';
import { WeightCache } from '../../../src/storage/weightCache';

export interface WorkerRequest {
  readonly source: ModelSource;
  readonly appBase: string;
  readonly text: string;
}
export type WorkerReply =
  | { readonly ok: true; readonly fromCache: readonly string[]; readonly tensors: number; readonly first: number[]; readonly ids: number[]; readonly decoded: string; readonly vocabSize: number }
  | { readonly ok: false; readonly name: string; readonly code: string | undefined; readonly message: string };

self.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
  const { source, appBase, text } = ev.data;
  let reply: WorkerReply;
  const cache = await WeightCache.open();
  try {
    const m = await loadModelFiles(source, { cache, appBase });
    const codec = await loadTokenizer(m.tokenizerJson, m.tokenizerConfigJson);
    const ids = codec.encode(text);
    reply = {
      ok: true,
      fromCache: m.fromCache,
      tensors: m.weights.size,
      first: Array.from(m.weights.get('model.shared.weight')!.data.subarray(0, 4)),
      ids,
      decoded: codec.decode(ids),
      vocabSize: codec.vocabSize,
    };
  } catch (e) {
    const err = e as Error & { code?: string };
    reply = { ok: false, name: err.name, code: err.code, message: err.message };
  } finally {
    cache.close();
  }
  self.postMessage(reply);
};
