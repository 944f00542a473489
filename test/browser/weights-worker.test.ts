// The loader, IndexedDB cache and transformers.js tokenizer bundled into a module Web Worker (as
// the engine worker uses them): an embedded model resolved against the app URL, a second load
// from the cache, and a missing model reported by file name.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedWeights, parseBartConfig } from '../../src/shared/model/config';
import { writeSafetensors, type WritableTensor } from '../../src/shared/weights/safetensors';
import type { WorkerReply, WorkerRequest } from './harness/weights-worker';
import { bundlePage, type BundledPage } from './support/bundle';
import { launchChromium, type LaunchedBrowser } from './support/chromium';
import { serveStatic, type StaticServer } from './support/server';

const CONFIG = {
  model_type: 'bart', vocab_size: 600, d_model: 16, encoder_layers: 1, decoder_layers: 1,
  encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 32, decoder_ffn_dim: 32, max_position_embeddings: 32,
};

describe('weights and tokenizer in a Web Worker', () => {
  let work: string;
  let page: BundledPage;
  let server: StaticServer;
  let browser: LaunchedBrowser;
  let shared: number[];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'intrinsic-lab-worker-'));
    const dir = join(work, 'models', 'tiny-bart');
    mkdirSync(dir, { recursive: true });
    const tensors: Record<string, WritableTensor> = {};
    for (const w of expectedWeights(parseBartConfig(CONFIG))) {
      if (w.optional) continue;
      const n = w.shape.reduce((a, b) => a * b, 1);
      tensors[w.name] = { shape: w.shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i + w.name.length)) };
    }
    shared = Array.from(tensors['model.shared.weight']!.data).slice(0, 4).map((v) => Math.fround(v));
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(tensors));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
    copyFileSync('test/fixtures/tokenizer/tokenizer.json', join(dir, 'tokenizer.json'));
    copyFileSync('test/fixtures/tokenizer/tokenizer_config.json', join(dir, 'tokenizer_config.json'));
    page = await bundlePage('test/browser/harness/weights.ts', { workers: { 'weights-worker': 'test/browser/harness/weights-worker.ts' } });
    // The app's layout: index.html at the root and public/models/<name>/ served at models/<name>/.
    server = await serveStatic({ '/': page.dir, '/models': join(work, 'models') });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    page?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('loads an embedded model in a worker, then from its cache, and names a missing one', async () => {
    const tab = await browser.context.newPage();
    await tab.goto(`${server.url}/`);
    await tab.waitForFunction(() => document.title === 'ready');
    const run = (req: Omit<WorkerRequest, 'appBase'>) =>
      tab.evaluate((r) => window.weightsHarness.inWorker({ ...r, appBase: location.href }), req) as Promise<WorkerReply>;
    const text = ' [glue-sst2] the movie was great!';

    const first = await run({ source: { kind: 'embedded', name: 'tiny-bart' }, text });
    expect(first).toMatchObject({ ok: true, fromCache: [], vocabSize: 600, decoded: text });
    if (!first.ok) throw new Error(first.message);
    expect(first.first).toEqual(shared);
    expect(first.ids[0]).toBe(0);
    expect(first.ids.at(-1)).toBe(2);

    const second = await run({ source: { kind: 'embedded', name: 'tiny-bart' }, text });
    expect(second).toMatchObject({ ok: true, fromCache: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors'], ids: first.ids });
    expect(server.hits.get('/models/tiny-bart/model.safetensors')).toBe(1);

    const missing = await run({ source: { kind: 'embedded', name: 'no-such-model' }, text });
    expect(missing).toEqual({ ok: false, name: 'WeightsError', code: 'not-found', message: `${server.url}/models/no-such-model/config.json: not found (HTTP 404)` });
    await tab.close();
  }, 120_000);
});
