// The paper's multi-task subspace finding (MSF) autoencoder, reference AE_type 1:
//   Proj   = W1: Linear(P*d -> d_I)                      (prompt -> intrinsic vector)
//   Proj_b = W2: Linear(d_I -> hidden), tanh, W3: Linear(hidden -> P*d)   (back to a prompt)
// Weights in PyTorch layout [out, in] (y = x W^T + b) so they can be exchanged with the reference.
// The reference hard-codes hidden = 768 whatever d_model is; we keep that as the default.
import * as tf from '@tensorflow/tfjs';
import type { Bart, DropoutKey, Seq2SeqBatch } from '../model/bart';
import { labelSmoothedNllSum } from '../model/loss';
import type { Tensor } from '../../shared/weights/safetensors';

export interface AutoencoderOptions {
  promptTokens: number;
  dModel: number;
  intrinsicDim: number;
  /** Width of Proj_b's hidden layer; 768 in the reference. */
  hidden?: number;
  /** Seed for PyTorch-style init U(-1/sqrt(in), 1/sqrt(in)). */
  seed?: number;
}

const NAMES = ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'] as const;

export class PromptAutoencoder {
  readonly promptTokens: number;
  readonly dModel: number;
  readonly intrinsicDim: number;
  readonly hidden: number;
  readonly W1: tf.Variable; // [dI, P*d]
  readonly b1: tf.Variable; // [dI]
  readonly W2: tf.Variable; // [hidden, dI]
  readonly b2: tf.Variable; // [hidden]
  readonly W3: tf.Variable; // [P*d, hidden]
  readonly b3: tf.Variable; // [P*d]

  constructor(opts: AutoencoderOptions, init?: Partial<Record<(typeof NAMES)[number], tf.Tensor>>) {
    const { promptTokens: P, dModel: d, intrinsicDim: dI } = opts;
    const h = opts.hidden ?? 768;
    for (const [k, v] of Object.entries({ promptTokens: P, dModel: d, intrinsicDim: dI, hidden: h })) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`PromptAutoencoder: ${k} must be a positive integer, got ${v}`);
    }
    this.promptTokens = P;
    this.dModel = d;
    this.intrinsicDim = dI;
    this.hidden = h;
    let seed = opts.seed ?? 0;
    const uni = (shape: number[], fanIn: number) => tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', seed++);
    const v = (name: (typeof NAMES)[number], shape: number[], fanIn: number) => {
      const given = init?.[name];
      if (given && !given.shape.every((s, i) => s === shape[i])) {
        throw new Error(`PromptAutoencoder: tensor "${name}" has shape [${given.shape}], expected [${shape}]`);
      }
      const x = given ? given.clone() : uni(shape, fanIn);
      const out = tf.variable(x, true);
      x.dispose();
      return out;
    };
    this.W1 = v('W1', [dI, P * d], P * d);
    this.b1 = v('b1', [dI], P * d);
    this.W2 = v('W2', [h, dI], dI);
    this.b2 = v('b2', [h], dI);
    this.W3 = v('W3', [P * d, h], h);
    this.b3 = v('b3', [P * d], h);
  }

  /** Proj: prompts [P, d] or [B, P, d] -> intrinsic vectors [dI] or [B, dI]. */
  encode(prompt: tf.Tensor2D): tf.Tensor1D;
  encode(prompt: tf.Tensor3D): tf.Tensor2D;
  encode(prompt: tf.Tensor2D | tf.Tensor3D): tf.Tensor {
    this.checkPrompt(prompt);
    return tf.tidy(() => {
      const x = prompt.reshape([-1, this.promptTokens * this.dModel]) as tf.Tensor2D; // [B, P*d]
      const z = tf.matMul(x, this.W1, false, true).add(this.b1); // [B, dI]
      return prompt.rank === 2 ? z.reshape([this.intrinsicDim]) : z;
    });
  }

  /** Proj_b: intrinsic vectors [dI] or [B, dI] -> prompts [P, d] or [B, P, d]. */
  decode(z: tf.Tensor1D): tf.Tensor2D;
  decode(z: tf.Tensor2D): tf.Tensor3D;
  decode(z: tf.Tensor1D | tf.Tensor2D): tf.Tensor {
    if (z.shape[z.rank - 1] !== this.intrinsicDim) throw new Error(`PromptAutoencoder.decode: z has width ${z.shape[z.rank - 1]}, expected d_I ${this.intrinsicDim}`);
    return tf.tidy(() => {
      const zz = z.reshape([-1, this.intrinsicDim]) as tf.Tensor2D; // [B, dI]
      const h = tf.tanh(tf.matMul(zz, this.W2, false, true).add(this.b2)) as tf.Tensor2D; // [B, hidden]
      const y = tf.matMul(h, this.W3, false, true).add(this.b3); // [B, P*d]
      return z.rank === 1 ? y.reshape([this.promptTokens, this.dModel]) : y.reshape([-1, this.promptTokens, this.dModel]);
    });
  }

  reconstruct(prompt: tf.Tensor2D): tf.Tensor2D;
  reconstruct(prompt: tf.Tensor3D): tf.Tensor3D;
  reconstruct(prompt: tf.Tensor2D | tf.Tensor3D): tf.Tensor {
    return tf.tidy(() => (prompt.rank === 2 ? this.decode(this.encode(prompt as tf.Tensor2D)) : this.decode(this.encode(prompt as tf.Tensor3D))));
  }

  /** Proj (W1, b1). */
  projVariables(): tf.Variable[] {
    return [this.W1, this.b1];
  }

  /** Proj_b (W2, b2, W3, b3): the only part used (frozen) by IST. */
  projBVariables(): tf.Variable[] {
    return [this.W2, this.b2, this.W3, this.b3];
  }

  variables(): tf.Variable[] {
    return [...this.projVariables(), ...this.projBVariables()];
  }

  /** Weights under the reference names, PyTorch layout. */
  toTensors(): Record<string, { shape: number[]; data: Float32Array }> {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const n of NAMES) out[n] = { shape: [...this[n].shape], data: Float32Array.from(this[n].dataSync()) };
    return out;
  }

  /** Rebuilds from W1..b3 (e.g. ae_W1 ... with a prefix); sizes come from the tensors. */
  static fromTensors(t: ReadonlyMap<string, Tensor>, opts: { prefix?: string; dModel?: number; promptTokens?: number }): PromptAutoencoder {
    const prefix = opts.prefix ?? '';
    const get = (n: string) => {
      const x = t.get(prefix + n);
      if (!x) throw new Error(`PromptAutoencoder: missing tensor "${prefix + n}"`);
      return x;
    };
    const W1 = get('W1');
    const W2 = get('W2');
    const W3 = get('W3');
    if (W1.shape.length !== 2 || W2.shape.length !== 2 || W3.shape.length !== 2) throw new Error('PromptAutoencoder: W1, W2, W3 must be 2-D');
    const dI = W1.shape[0]!;
    const Pd = W1.shape[1]!;
    const hidden = W2.shape[0]!;
    // W1 is [d_I, P*d]: P and d are not separable from the tensors alone, so the caller names one.
    const d = opts.dModel ?? (opts.promptTokens ? Pd / opts.promptTokens : NaN);
    if (!Number.isInteger(d) || d <= 0 || Pd % d !== 0) {
      throw new Error(`PromptAutoencoder.fromTensors: W1 is [${dI}, ${Pd}] = [d_I, P*d_model]; pass opts.dModel or opts.promptTokens that divides ${Pd}`);
    }
    const init = Object.fromEntries(NAMES.map((n) => {
      const x = get(n);
      return [n, tf.tensor(x.data, [...x.shape], 'float32')];
    })) as Record<(typeof NAMES)[number], tf.Tensor>;
    try {
      return new PromptAutoencoder({ promptTokens: Pd / d, dModel: d, intrinsicDim: dI, hidden }, init);
    } finally {
      for (const x of Object.values(init)) x.dispose();
    }
  }

  dispose(): void {
    for (const x of this.variables()) x.dispose();
  }

  private checkPrompt(prompt: tf.Tensor): void {
    const s = prompt.shape;
    if (s[s.length - 1] !== this.dModel || s[s.length - 2] !== this.promptTokens) {
      throw new Error(`PromptAutoencoder: prompt has shape [${s}], expected [..., ${this.promptTokens}, ${this.dModel}]`);
    }
  }
}

/**
 * MSF objective for one batch: LS-NLL sum with the reconstructed prompt(s) + alpha * mean((rec - prompt)^2).
 * `prompt` is the batch's task prompt [P, d] or one per example [B, P, d].
 */
export function msfLoss(model: Bart, ae: PromptAutoencoder, batch: Seq2SeqBatch, prompt: tf.Tensor2D | tf.Tensor3D, opts?: { alpha?: number; epsilon?: number; dropout?: DropoutKey }): { loss: tf.Scalar; lm: tf.Scalar; rec: tf.Scalar } {
  return tf.tidy(() => {
    const recon = prompt.rank === 2 ? ae.reconstruct(prompt as tf.Tensor2D) : ae.reconstruct(prompt as tf.Tensor3D);
    const lm = labelSmoothedNllSum(model.logits(batch, recon, opts?.dropout), batch.labels, model.config.padTokenId, opts?.epsilon ?? 0.1);
    const rec = recon.sub(prompt).square().mean() as tf.Scalar;
    return { loss: lm.add(rec.mul(opts?.alpha ?? 200)) as tf.Scalar, lm, rec };
  });
}

/** IST objective: LS-NLL sum with the prompt Proj_b(z); only z is meant to be trained. */
export function istLoss(model: Bart, ae: PromptAutoencoder, batch: Seq2SeqBatch, z: tf.Tensor1D, opts?: { epsilon?: number; dropout?: DropoutKey }): tf.Scalar {
  return tf.tidy(() => labelSmoothedNllSum(model.logits(batch, ae.decode(z), opts?.dropout), batch.labels, model.config.padTokenId, opts?.epsilon ?? 0.1));
}
