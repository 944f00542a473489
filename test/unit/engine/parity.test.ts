// Parity with the paper's PyTorch reference (the copied fixture), on the cpu and wasm backends,
// and a check that the tolerances actually reject a slightly wrong model.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { computeParity, TOLERANCE } from '../../../src/engine/parity';
import { parseSafetensors, writeSafetensors } from '../../../src/shared/weights/safetensors';
import { useNodeBackend } from '../../../src/node/backend';
import { fixtureFiles } from './model/support';
import { haveShared } from '../shared/tasks/support';

const EXPECTED_ROWS = [
  'logits', 'encoder_last_hidden_state', 'loss_label_smoothed_sum', 'loss_mean_ce', 'grad_prompt',
  'ae_reconstruction', 'msf_loss', 'grad_ae_W1', 'grad_ae_W2', 'grad_ae_W3', 'ist_prompt', 'ist_loss',
  'grad_intrinsic_vector', 'greedy_ids',
];

describe.each(['cpu', 'wasm'] as const)('parity with the reference on %s', (backend) => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('reproduces every reference tensor within tolerance, without leaking tensors', async () => {
    await useNodeBackend(backend);
    const before = tf.memory().numTensors;
    const rows = await computeParity(fixtureFiles());
    expect(Object.keys(rows).sort()).toEqual([...EXPECTED_ROWS].sort());
    for (const [name, row] of Object.entries(rows)) {
      expect(row.ok, `${name}: ${JSON.stringify(row)}`).toBe(true);
    }
    // Far inside the tolerances, not just at the edge.
    expect(rows.logits!.max_rel_err).toBeLessThan(TOLERANCE.activations / 10);
    expect(rows.grad_prompt!.max_rel_err).toBeLessThan(TOLERANCE.gradient / 10);
    expect(rows.greedy_ids!.max_abs_err).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the tolerances bite', () => {
  it('scaling one weight matrix by 1.01 makes the logits and gradient rows fail, and only those downstream', async () => {
    await useNodeBackend('cpu');
    const files = fixtureFiles();
    const parsed = parseSafetensors(files.model).tensors;
    const tensors: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
    for (const [name, t] of parsed) tensors[name] = { shape: t.shape, data: Float32Array.from(t.data) };
    const w = tensors['model.decoder.layers.1.fc2.weight']!.data;
    w.forEach((x, i) => (w[i] = x * 1.01));
    const rows = await computeParity({ ...files, model: writeSafetensors(tensors) });
    expect(rows.logits!.ok).toBe(false);
    expect(rows.grad_prompt!.ok).toBe(false);
    expect(rows.grad_intrinsic_vector!.ok).toBe(false);
    // The encoder and the autoencoder do not see the decoder: their rows still pass.
    expect(rows.encoder_last_hidden_state!.ok).toBe(true);
    expect(rows.ae_reconstruction!.ok).toBe(true);
  });

  it('a wrong LayerNorm epsilon (1e-12 instead of 1e-5) fails the logits row', async () => {
    await useNodeBackend('cpu');
    const files = fixtureFiles();
    const rows = await computeParity({ ...files, config: { ...(files.config as object), layer_norm_eps: 1e-12 } });
    expect(rows.logits!.ok).toBe(false);
  });

  // greedy_ids here follows the ENGINE's convention (start </s>, forced <s>/</s>), not the
  // reference's; the decoding parity below checks the reference's generate().
  it('a different greedy sequence fails the exact greedy_ids row', async () => {
    await useNodeBackend('cpu');
    const files = fixtureFiles();
    const parsed = parseSafetensors(files.cases).tensors;
    const tensors: Record<string, { dtype?: 'F32' | 'I32'; shape: readonly number[]; data: Float32Array | Int32Array }> = {};
    for (const [name, t] of parsed) tensors[name] = { dtype: t.dtype, shape: t.shape, data: t.data.slice() };
    const g = tensors.greedy_ids!.data;
    g[3] = g[3] === 5 ? 6 : 5;
    const rows = await computeParity({ ...files, cases: writeSafetensors(tensors) });
    expect(rows.greedy_ids!.ok).toBe(false);
    expect(rows.logits!.ok).toBe(true);
  });
});

// The reference's own generate() (transformers 2.9, ../shared/fixtures/reference-decoding): every
// *_ids tensor exactly. These supersede the greedy_ids row above, which pins the engine convention.
const DECODING_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/fixtures/reference-decoding');
const decodingFiles = (name: string) => ({
  config: JSON.parse(readFileSync(join(DECODING_DIR, name, 'config.json'), 'utf8')) as Record<string, unknown>,
  model: new Uint8Array(readFileSync(join(DECODING_DIR, name, 'model.safetensors'))),
  cases: new Uint8Array(readFileSync(join(DECODING_DIR, name, 'cases.safetensors'))),
});
const haveDecoding = haveShared(DECODING_DIR, 'decoding parity with ../shared/fixtures/reference-decoding');

describe.skipIf(!haveDecoding)('decoding parity with the reference generate()', () => {
  const ROWS: Record<string, string[]> = {
    'bart-parity': ['beam_ids', 'beam_no_ngram_ids', 'greedy_ids', 'greedy_no_ngram_ids', 'beam_hyp_ids', 'beam_hyp_lengths', 'beam_hyp_scores'],
    lively: ['beam_ids', 'beam_no_ngram_ids', 'greedy_ids', 'greedy_no_ngram_ids', 'beam_rowprompts_ids', 'beam_hyp_ids', 'beam_hyp_lengths', 'beam_hyp_scores'],
  };
  it.each(Object.keys(ROWS).flatMap((name) => (['cpu', 'wasm'] as const).map((backend) => [name, backend] as const)))('%s on %s: every tensor matches (ids exactly), without leaking tensors', async (name, backend) => {
    await useNodeBackend(backend);
    const before = tf.memory().numTensors;
    const rows = await computeParity(decodingFiles(name));
    expect(Object.keys(rows).sort()).toEqual([...ROWS[name]!].sort());
    for (const [tensor, row] of Object.entries(rows)) {
      expect(row.ok, `${tensor}: ${JSON.stringify(row)}`).toBe(true);
      if (tensor !== 'beam_hyp_scores') expect(row.max_abs_err, tensor).toBe(0);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the n-gram ban comes from config.json: without it the banned rows fail and the unbanned ones still pass', async () => {
    await useNodeBackend('cpu');
    const files = decodingFiles('lively');
    const rows = await computeParity({ ...files, config: { ...files.config, no_repeat_ngram_size: 0 } });
    expect(rows.beam_ids!.ok).toBe(false);
    expect(rows.greedy_ids!.ok).toBe(false);
    expect(rows.beam_no_ngram_ids!.ok).toBe(true);
    expect(rows.greedy_no_ngram_ids!.ok).toBe(true);
  });
});
