// Parity with the paper's PyTorch reference: recompute every tensor of a parity fixture
// (config.json + model.safetensors + cases.safetensors, see test/fixtures/bart-parity/cases.json)
// and compare. Pure: runs on whatever tfjs backend is active (Node CLI, browser worker).
import * as tf from '@tensorflow/tfjs';
import { Bart } from './model/bart';
import { parseBartConfig } from '../shared/model/config';
import { generate } from './model/decode';
import { labelSmoothedNllSum, meanCrossEntropy } from './model/loss';
import { istLoss, msfLoss, PromptAutoencoder } from './subspace/autoencoder';
import { parseSafetensors, type Tensor } from '../shared/weights/safetensors';
import type { ParityRow } from '../shared/parity';

export class ParityInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParityInputError';
  }
}

/** Tolerances from the issue: relative to the reference tensor's largest magnitude. */
export const TOLERANCE = { activations: 1e-4, loss: 1e-4, gradient: 1e-3 } as const;

type Kind = keyof typeof TOLERANCE | 'exact';

const ROWS: Record<string, Kind> = {
  logits: 'activations',
  encoder_last_hidden_state: 'activations',
  loss_label_smoothed_sum: 'loss',
  loss_mean_ce: 'loss',
  grad_prompt: 'gradient',
  ae_reconstruction: 'activations',
  msf_loss: 'loss',
  grad_ae_W1: 'gradient',
  grad_ae_W2: 'gradient',
  grad_ae_W3: 'gradient',
  ist_prompt: 'activations',
  ist_loss: 'loss',
  grad_intrinsic_vector: 'gradient',
  greedy_ids: 'exact',
};

const INPUTS = ['input_ids', 'labels', 'decoder_input_ids', 'prompt', 'ae_W1', 'ae_b1', 'ae_W2', 'ae_b2', 'ae_W3', 'ae_b3', 'intrinsic_vector'];

export function compare(ours: ArrayLike<number>, ref: ArrayLike<number>, kind: Kind): ParityRow {
  if (ours.length !== ref.length) return { max_abs_err: Infinity, max_rel_err: Infinity, ok: false };
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i]! - ref[i]!);
    maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  }
  const rel = maxRef > 0 ? maxAbs / maxRef : maxAbs === 0 ? 0 : Infinity;
  const ok = kind === 'exact' ? maxAbs === 0 : rel <= TOLERANCE[kind];
  return { max_abs_err: maxAbs, max_rel_err: rel, ok };
}

export interface OutputTensor {
  shape: number[];
  data: Float32Array | Int32Array;
}

/**
 * Recomputes every output tensor of a parity fixture from its inputs (input_ids, labels,
 * decoder_input_ids, prompt, ae_*, intrinsic_vector) with our implementation. Sizes (prompt
 * tokens, d_I, AE hidden, greedy length) come from the tensors. `greedyLength` defaults to the
 * width of cases' greedy_ids.
 */
export async function computeOutputs(
  configJson: unknown,
  weights: ReadonlyMap<string, Tensor>,
  cases: ReadonlyMap<string, Tensor>,
  opts?: { greedyLength?: number },
): Promise<Record<string, OutputTensor>> {
  let config;
  try {
    config = parseBartConfig(configJson);
  } catch (e) {
    throw new ParityInputError((e as Error).message);
  }
  for (const name of INPUTS) {
    if (!cases.has(name)) throw new ParityInputError(`cases.safetensors: missing input tensor "${name}"`);
  }
  const get = (name: string) => cases.get(name)!;
  const prompt0 = get('prompt');
  if (prompt0.shape.length !== 2 || prompt0.shape[1] !== config.dModel) {
    throw new ParityInputError(`cases.safetensors: tensor "prompt" has shape [${prompt0.shape}], expected [P, ${config.dModel}] (d_model from config.json)`);
  }
  const ids = get('input_ids');
  for (const name of ['input_ids', 'labels', 'decoder_input_ids']) {
    const t = get(name);
    if (t.dtype !== 'I32' || t.shape.length !== 2 || t.shape[0] !== ids.shape[0]) {
      throw new ParityInputError(`cases.safetensors: tensor "${name}" must be integer [batch, length] with batch ${ids.shape[0]}, got ${t.dtype} [${t.shape}]`);
    }
    for (const v of t.data) {
      if (v < 0 || v >= config.vocabSize) throw new ParityInputError(`cases.safetensors: tensor "${name}" holds id ${v}, outside the vocabulary (${config.vocabSize})`);
    }
  }
  const greedyLength = opts?.greedyLength ?? get('greedy_ids')?.shape[1];
  if (!greedyLength || greedyLength < 2) throw new ParityInputError('cases.safetensors: greedy_ids must be [batch, length >= 2]');
  let model: Bart;
  try {
    model = Bart.fromTensors(config, weights);
  } catch (e) {
    throw new ParityInputError(`model.safetensors: ${(e as Error).message}`);
  }
  let ae: PromptAutoencoder;
  try {
    ae = PromptAutoencoder.fromTensors(cases, { prefix: 'ae_', promptTokens: prompt0.shape[0]! });
  } catch (e) {
    model.dispose();
    throw new ParityInputError(`cases.safetensors: ${(e as Error).message}`);
  }
  const toTf = (name: string, dtype: 'int32' | 'float32') => {
    const t = get(name);
    return tf.tensor(dtype === 'int32' ? Int32Array.from(t.data) : Float32Array.from(t.data), [...t.shape], dtype);
  };
  const pad = config.padTokenId;
  const inputIds = toTf('input_ids', 'int32') as tf.Tensor2D;
  const batch = {
    inputIds,
    attentionMask: tf.tidy(() => tf.notEqual(inputIds, pad).toInt()) as tf.Tensor2D,
    decoderInputIds: toTf('decoder_input_ids', 'int32') as tf.Tensor2D,
    labels: toTf('labels', 'int32') as tf.Tensor2D,
  };
  const prompt = toTf('prompt', 'float32') as tf.Tensor2D;
  const z = toTf('intrinsic_vector', 'float32') as tf.Tensor1D;
  const ours = new Map<string, tf.Tensor>();
  try {
    tf.tidy(() => {
      const keep = (name: string, x: tf.Tensor) => ours.set(name, tf.keep(x));
      const logits = model.logits(batch, prompt);
      keep('logits', logits);
      keep('encoder_last_hidden_state', model.encode(batch.inputIds, batch.attentionMask, prompt));
      keep('loss_label_smoothed_sum', labelSmoothedNllSum(logits, batch.labels, pad).reshape([1]));
      keep('loss_mean_ce', meanCrossEntropy(logits, batch.labels, pad).reshape([1]));
      keep('grad_prompt', tf.grad((p: tf.Tensor) => labelSmoothedNllSum(model.logits(batch, p as tf.Tensor2D), batch.labels, pad))(prompt));
      keep('ae_reconstruction', ae.reconstruct(prompt));
      const { value, grads } = tf.variableGrads(() => msfLoss(model, ae, batch, prompt).loss, [ae.W1, ae.W2, ae.W3]);
      keep('msf_loss', value.reshape([1]));
      keep('grad_ae_W1', grads[ae.W1.name]!);
      keep('grad_ae_W2', grads[ae.W2.name]!);
      keep('grad_ae_W3', grads[ae.W3.name]!);
      keep('ist_prompt', ae.decode(z));
      keep('ist_loss', istLoss(model, ae, batch, z).reshape([1]));
      keep('grad_intrinsic_vector', tf.grad((v: tf.Tensor) => istLoss(model, ae, batch, v as tf.Tensor1D))(z));
    });
    const B = batch.inputIds.shape[0];
    const L = greedyLength;
    // The reference returns the start token, then the generated ids, pad after </s>.
    const gen = await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 1, maxNewTokens: L - 1 });
    const greedy = new Int32Array(B * L).fill(pad);
    gen.forEach((row, b) => {
      greedy[b * L] = config.decoderStartTokenId;
      row.slice(0, L - 1).forEach((id, t) => (greedy[b * L + 1 + t] = id));
    });
    const out: Record<string, OutputTensor> = { greedy_ids: { shape: [B, L], data: greedy } };
    for (const [name, x] of ours) out[name] = { shape: [...x.shape], data: Float32Array.from(await x.data()) };
    return out;
  } finally {
    for (const x of ours.values()) x.dispose();
    for (const x of [batch.inputIds, batch.attentionMask, batch.decoderInputIds, batch.labels, prompt, z]) x.dispose();
    ae.dispose();
    model.dispose();
  }
}

/** Recomputes every reference tensor and compares it. Throws ParityInputError on malformed input. */
export async function computeParity(files: { config: unknown; model: Uint8Array; cases: Uint8Array }): Promise<Record<string, ParityRow>> {
  let weights: ReadonlyMap<string, Tensor>;
  let cases: ReadonlyMap<string, Tensor>;
  try {
    weights = parseSafetensors(files.model, { source: 'model.safetensors' }).tensors;
    cases = parseSafetensors(files.cases, { source: 'cases.safetensors' }).tensors;
  } catch (e) {
    throw new ParityInputError((e as Error).message);
  }
  for (const name of Object.keys(ROWS)) {
    if (!cases.has(name)) throw new ParityInputError(`cases.safetensors: missing reference tensor "${name}"`);
  }
  const ours = await computeOutputs(files.config, weights, cases);
  const out: Record<string, ParityRow> = {};
  for (const [name, kind] of Object.entries(ROWS)) {
    const ref = cases.get(name)!;
    const mine = ours[name]!;
    const sameShape = mine.shape.length === ref.shape.length && mine.shape.every((s, i) => s === ref.shape[i]);
    // Losses are stored as [1] or []; compare by size there.
    out[name] = sameShape || (kind === 'loss' && mine.data.length === ref.data.length)
      ? compare(mine.data, ref.data, kind)
      : { max_abs_err: Infinity, max_rel_err: Infinity, ok: false };
  }
  return out;
}
