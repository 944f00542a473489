// facebook/bart-base at its real size (random values, exact config and tensor names, 558 MB F32)
// served in the Hub layout and loaded in Chromium: streamed download into tensors and the
// IndexedDB cache, then a second page load that must come from the cache alone.
import { closeSync, mkdtempSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedWeights, parseBartConfig } from '../../src/shared/model/config';
import type { LoadSummary, SampleRequest } from './harness/weights';
import { bundlePage, type BundledPage } from './support/bundle';
import { launchChromium, type LaunchedBrowser } from './support/chromium';
import { serveStatic, type StaticServer } from './support/server';

/** facebook/bart-base's config.json as published on the Hub. */
const BART_BASE_CONFIG = {
  _name_or_path: 'bart-base',
  activation_dropout: 0.1,
  activation_function: 'gelu',
  add_bias_logits: false,
  add_final_layer_norm: false,
  architectures: ['BartModel'],
  attention_dropout: 0.1,
  bos_token_id: 0,
  classif_dropout: 0.1,
  classifier_dropout: 0.0,
  d_model: 768,
  decoder_attention_heads: 12,
  decoder_ffn_dim: 3072,
  decoder_layerdrop: 0.0,
  decoder_layers: 6,
  decoder_start_token_id: 2,
  dropout: 0.1,
  early_stopping: true,
  encoder_attention_heads: 12,
  encoder_ffn_dim: 3072,
  encoder_layerdrop: 0.0,
  encoder_layers: 6,
  eos_token_id: 2,
  forced_bos_token_id: 0,
  forced_eos_token_id: 2,
  gradient_checkpointing: false,
  id2label: { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' },
  init_std: 0.02,
  is_encoder_decoder: true,
  label2id: { LABEL_0: 0, LABEL_1: 1, LABEL_2: 2 },
  max_position_embeddings: 1024,
  model_type: 'bart',
  no_repeat_ngram_size: 3,
  normalize_before: false,
  normalize_embedding: true,
  num_beams: 4,
  num_hidden_layers: 6,
  pad_token_id: 1,
  scale_embedding: false,
  task_specific_params: {
    summarization: { length_penalty: 1.0, max_length: 128, min_length: 12, num_beams: 4 },
    summarization_cnn: { length_penalty: 2.0, max_length: 142, min_length: 56, num_beams: 4 },
    summarization_xsum: { length_penalty: 1.0, max_length: 62, min_length: 11, num_beams: 6 },
  },
  torch_dtype: 'float32',
  transformers_version: '4.12.0.dev0',
  use_cache: true,
  vocab_size: 50265,
};

const ID = 'facebook/bart-base';
/** The data section is this block of random floats repeated: cheap to write, easy to check. */
const BLOCK = 1 << 18;

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Layout {
  readonly offsets: Map<string, { begin: number; shape: number[] }>;
  readonly bytes: number;
}

/** Writes model.safetensors with bart-base's tensors (tied embed_tokens left out, as PyTorch does). */
function writeCheckpoint(path: string, block: Float32Array): Layout {
  const config = parseBartConfig(BART_BASE_CONFIG);
  const tensors = expectedWeights(config).filter((w) => !w.name.endsWith('embed_tokens.weight'));
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const offsets = new Map<string, { begin: number; shape: number[] }>();
  let off = 0;
  for (const t of [...tensors].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const bytes = 4 * t.shape.reduce((a, b) => a * b, 1);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + bytes] };
    offsets.set(t.name, { begin: off, shape: t.shape });
    off += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = openSync(path, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeSync(fd, len);
    writeSync(fd, json);
    const blockBytes = new Uint8Array(block.buffer);
    for (let done = 0; done < off; done += blockBytes.byteLength) writeSync(fd, blockBytes, 0, Math.min(blockBytes.byteLength, off - done));
  } finally {
    closeSync(fd);
  }
  return { offsets, bytes: 8 + json.length + off };
}

describe('bart-base-sized checkpoint in Chromium', () => {
  let work: string;
  let layout: Layout;
  let block: Float32Array;
  let page: BundledPage;
  let server: StaticServer;
  let browser: LaunchedBrowser;
  const samples: SampleRequest[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'intrinsic-lab-bart-base-'));
    const repo = join(work, 'hub', ID, 'resolve', 'main');
    mkdirSync(repo, { recursive: true });
    const rand = mulberry32(42);
    block = Float32Array.from({ length: BLOCK }, () => (rand() - 0.5) * 0.04);
    const t0 = Date.now();
    layout = writeCheckpoint(join(repo, 'model.safetensors'), block);
    writeFileSync(join(repo, 'config.json'), JSON.stringify(BART_BASE_CONFIG, null, 2));
    copyFileSync('test/fixtures/tokenizer/tokenizer.json', join(repo, 'tokenizer.json'));
    console.log(`wrote ${(layout.bytes / 1e6).toFixed(1)} MB checkpoint in ${Date.now() - t0} ms`);
    const last = (name: string) => layout.offsets.get(name)!.shape.reduce((a, b) => a * b, 1) - 1;
    for (const name of ['model.shared.weight', 'model.decoder.layers.5.fc2.weight', 'final_logits_bias', 'model.encoder.embed_positions.weight', 'model.encoder.layers.3.self_attn.k_proj.bias']) {
      samples.push({ name, indices: [0, 1, Math.min(777, last(name) - 1), Math.floor(last(name) / 2), last(name)] });
    }
    page = await bundlePage('test/browser/harness/weights.ts', { title: 'weights harness' });
    server = await serveStatic({ '/': page.dir, '/hub': join(work, 'hub') });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    page?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const expectedValue = (name: string, i: number) => block[(layout.offsets.get(name)!.begin / 4 + i) % BLOCK]!;

  async function loadInFreshPage(): Promise<LoadSummary> {
    const tab: Page = await browser.context.newPage();
    try {
      tab.on('pageerror', (e) => console.error('page error:', e.message));
      await tab.goto(`${server.url}/`);
      await tab.waitForFunction(() => document.title === 'ready');
      return await tab.evaluate(
        ([base, id, s]) => window.weightsHarness.load({ kind: 'hub', id, base }, s),
        [`${server.url}/hub`, ID, samples] as const,
      );
    } finally {
      await tab.close();
    }
  }

  it('streams 558 MB into tensors and the cache, then loads it again from IndexedDB only', async () => {
    const weightsPath = `/hub/${ID}/resolve/main/model.safetensors`;
    const first = await loadInFreshPage();
    console.log(`first load (download + cache write): ${first.ms.toFixed(0)} ms; bundle ${(page.bytes / 1e6).toFixed(2)} MB`);
    expect(first.warnings).toEqual([]);
    expect(first.fromCache).toEqual([]);
    expect(first.dModel).toBe(768);
    expect(first.tensorCount).toBe(layout.offsets.size);
    expect(first.totalElements * 4).toBe([...layout.offsets.values()].reduce((s, t) => s + 4 * t.shape.reduce((a, b) => a * b, 1), 0));
    expect(first.progress.monotonic).toBe(true);
    expect(first.progress.phases).toEqual(['download']);
    expect(first.progress.last).toMatchObject({ loaded: layout.bytes, total: layout.bytes });
    expect(first.progress.events).toBeGreaterThan(50);
    expect(first.cache.entries.find((e) => e.key.endsWith('|model.safetensors'))?.size).toBe(layout.bytes);
    expect(first.encoded[0]).toBe(0);
    expect(first.encoded.at(-1)).toBe(2);
    for (const s of samples) {
      expect(first.shapes[s.name]).toEqual(layout.offsets.get(s.name)!.shape);
      expect(first.samples[s.name]).toEqual(s.indices.map((i) => expectedValue(s.name, i)));
    }
    expect(server.hits.get(weightsPath)).toBe(1);

    const second = await loadInFreshPage();
    console.log(`second load (IndexedDB): ${second.ms.toFixed(0)} ms`);
    expect(server.hits.get(weightsPath)).toBe(1);
    expect(second.fromCache).toContain('model.safetensors');
    expect(second.progress.phases).toEqual(['cache']);
    expect(second.progress.last).toMatchObject({ loaded: layout.bytes, total: layout.bytes });
    for (const s of samples) expect(second.samples[s.name], s.name).toEqual(first.samples[s.name]);
    expect(second.cache.total).toBe(first.cache.total);
  }, 240_000);
});
