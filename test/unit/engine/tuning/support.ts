// Shared by the tuning tests: the tiny random BART fixture, a character-level codec over its
// 97-token vocabulary, and toy tasks the frozen model cannot do without a prompt.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Bart } from '../../../../src/engine/model/bart';
import { parseBartConfig } from '../../../../src/shared/model/config';
import { parseSafetensors, type Tensor } from '../../../../src/shared/weights/safetensors';
import type { TextCodec } from '../../../../src/shared/tokenizer/index';
import type { TaskData } from '../../../../src/shared/tasks/types';
import { Rng } from '../../../../src/shared/random';
import type { Example } from '../../../../src/shared/tasks/types';

const FIXTURE = new URL('../../../fixtures/bart-parity/', import.meta.url);

/**
 * The bart-parity fixture, made responsive: its weights are random with std 0.08, so logits span
 * about +-2 and the encoder barely reaches the decoder; no prompt can make it say anything. We
 * scale the tied embeddings (sharper logits) and the cross-attention value/output projections
 * (a stronger encoder -> decoder path) by `gain`. gain 1 is the fixture as is.
 */
export async function tinyModel(gain = { embed: 6, cross: 5, linear: 1 }, opts: { trainable?: boolean; configJson?: Record<string, unknown> } = {}): Promise<Bart> {
  await tf.setBackend('cpu');
  // configJson: entries of config.json to override (e.g. the dropout rates).
  const config = parseBartConfig({ ...JSON.parse(readFileSync(new URL('config.json', FIXTURE), 'utf8')), ...opts.configJson }, 'bart-parity/config.json');
  const file = parseSafetensors(readFileSync(new URL('model.safetensors', FIXTURE)), { source: 'bart-parity/model.safetensors' });
  const scaled = new Map<string, Tensor>();
  for (const [name, t] of file.tensors) {
    const g = name === 'model.shared.weight' ? gain.embed : /encoder_attn\.(q_proj|k_proj|v_proj|out_proj)\.weight$/.test(name) ? gain.cross : /(proj|fc\d)\.weight$/.test(name) ? gain.linear : 1;
    scaled.set(name, g === 1 ? t : { ...t, data: Float32Array.from(t.data, (x) => x * g) });
  }
  return Bart.fromTensors(config, scaled, opts);
}

/** Ids 0..3 are <s>, <pad>, </s>, <unk>; printable ASCII 32..124 maps to 4..96. */
export const charCodec: TextCodec = {
  vocabSize: 97,
  specialIds: { bos: 0, pad: 1, eos: 2, unk: 3, mask: null },
  encode: (text) => [...text].map((ch) => {
    const c = ch.charCodeAt(0);
    return c >= 32 && c <= 124 ? c - 28 : 3;
  }),
  decode: (ids) => ids.map((id) => (id >= 4 && id <= 96 ? String.fromCharCode(id + 28) : '')).join(''),
};

/** A task whose answer is a fixed string whatever the input: trivial with a prompt, impossible without. */
export function constantTask(name: string, answer: string, seed: number, n = { train: 8, dev: 4, test: 4 }): TaskData {
  const rng = new Rng(seed);
  const letters = 'abcdefgh';
  const ex = (): Example => ({ input: Array.from({ length: 3 }, () => letters[rng.int(letters.length)]).join(''), outputs: [answer] });
  return {
    name, metric: 'ACC',
    train: Array.from({ length: n.train }, ex),
    dev: Array.from({ length: n.dev }, ex),
    test: Array.from({ length: n.test }, ex),
  };
}

/**
 * Records tf.memory().numTensors after every step (a runLoop onProgress) so a test can check that
 * no step leaks: after the first step (the optimiser's moments are made lazily) the count is flat.
 */
export function tensorCounter(): { onStep: () => void; readonly counts: number[]; growth: () => number[] } {
  const counts: number[] = [];
  return {
    counts,
    onStep: () => void counts.push(tf.memory().numTensors),
    /** Steps (1-based) after the first whose count differs from step 2's: [] when nothing leaks. */
    growth: () => counts.flatMap((c, i) => (i >= 1 && c !== counts[1] ? [i + 1] : [])),
  };
}
