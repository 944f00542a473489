// Parity with the paper's PyTorch reference: recompute every tensor of a parity fixture
// (config.json + model.safetensors + cases.safetensors, see test/fixtures/bart-parity/cases.json)
// and compare. Pure: runs on whatever tfjs backend is active (Node CLI, browser worker).
import * as tf from '@tensorflow/tfjs';
import { Bart } from './model/bart';
import { parseBartConfig } from './model/config';
import { generate } from './model/decode';
import { labelSmoothedNllSum, meanCrossEntropy } from './model/loss';
import { istLoss, msfLoss, PromptAutoencoder } from './subspace/autoencoder';
import { parseSafetensors, type Tensor as StoredTensor } from './weights/safetensors';

export interface ParityRow {
  max_abs_err: number;
  /** Tensors: max_abs_err / max|reference|; scalars: |ours - ref| / |ref|. */
  max_rel_err: number;
  ok: boolean;
}

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

/** Recomputes every reference tensor and compares it. Throws ParityInputError on malformed input. */
export async function computeParity(files: { config: unknown; model: Uint8Array; cases: Uint8Array }): Promise<Record<string, ParityRow>> {
  let config;
  let weights: ReadonlyMap<string, StoredTensor>;
  let cases: ReadonlyMap<string, StoredTensor>;
  try {
    config = parseBartConfig(files.config);
    weights = parseSafetensors(files.model, { source: 'model.safetensors' }).tensors;
    cases = parseSafetensors(files.cases, { source: 'cases.safetensors' }).tensors;
  } catch (e) {
    throw new ParityInputError((e as Error).message);
  }
  for (const name of [...INPUTS, ...Object.keys(ROWS)]) {
    if (!cases.has(name)) throw new ParityInputError(`cases.safetensors: missing tensor "${name}"`);
  }
  const get = (name: string) => cases.get(name)!;
  const prompt0 = get('prompt');
  if (prompt0.shape.length !== 2 || prompt0.shape[1] !== config.dModel) {
    throw new ParityInputError(`cases.safetensors: tensor "prompt" has shape [${prompt0.shape}], expected [P, ${config.dModel}] (d_model from config.json)`);
  }
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
    attentionMask: tf.notEqual(inputIds, pad).toInt() as tf.Tensor2D,
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
      keep('loss_label_smoothed_sum', labelSmoothedNllSum(logits, batch.labels, pad));
      keep('loss_mean_ce', meanCrossEntropy(logits, batch.labels, pad));
      keep('grad_prompt', tf.grad((p: tf.Tensor) => labelSmoothedNllSum(model.logits(batch, p as tf.Tensor2D), batch.labels, pad))(prompt));
      keep('ae_reconstruction', ae.reconstruct(prompt));
      const { value, grads } = tf.variableGrads(() => msfLoss(model, ae, batch, prompt).loss, [ae.W1, ae.W2, ae.W3]);
      keep('msf_loss', value);
      keep('grad_ae_W1', grads[ae.W1.name]!);
      keep('grad_ae_W2', grads[ae.W2.name]!);
      keep('grad_ae_W3', grads[ae.W3.name]!);
      keep('ist_prompt', ae.decode(z));
      keep('ist_loss', istLoss(model, ae, batch, z));
      keep('grad_intrinsic_vector', tf.grad((v: tf.Tensor) => istLoss(model, ae, batch, v as tf.Tensor1D))(z));
    });
    const refGreedy = get('greedy_ids');
    const [B, L] = refGreedy.shape as [number, number];
    const gen = await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 1, maxNewTokens: L - 1 });
    const greedy = new Int32Array(B * L).fill(pad);
    gen.forEach((row, b) => {
      greedy[b * L] = config.decoderStartTokenId;
      row.slice(0, L - 1).forEach((id, t) => (greedy[b * L + 1 + t] = id));
    });
    const out: Record<string, ParityRow> = {};
    for (const [name, kind] of Object.entries(ROWS)) {
      const ref = get(name);
      if (name === 'greedy_ids') {
        out[name] = compare(greedy, ref.data, kind);
        continue;
      }
      const x = ours.get(name)!;
      if (x.size !== ref.data.length) {
        out[name] = { max_abs_err: Infinity, max_rel_err: Infinity, ok: false };
        continue;
      }
      out[name] = compare(await x.data(), ref.data, kind);
    }
    return out;
  } finally {
    for (const x of ours.values()) x.dispose();
    for (const x of [batch.inputIds, batch.attentionMask, batch.decoderInputIds, batch.labels, prompt, z]) x.dispose();
    ae.dispose();
    model.dispose();
  }
}
