// BART (Lewis et al. 2020) encoder-decoder with a soft prompt, written to match the paper's
// reference code (thunlp/Intrinsic-Prompt-Tuning modeling_bart.py, transformers 3.x era):
//  - post-LayerNorm blocks (residual add, then LayerNorm), LayerNorm after the embeddings;
//  - learned positions indexed like fairseq: non-pad tokens get cumsum(non-pad) + pad_id, pad tokens
//    get row pad_id, so with pad_id 1 the first real token sits at row 2 (the "+2 offset");
//  - the soft prompt [P, d] is prepended to the encoder input, takes positions like tokens and goes
//    through layernorm_embedding; it is never scaled by embed_scale and never masked;
//  - decoder self-attention masks pad keys of decoder_input_ids as well as the future.
// Linear weights arrive in PyTorch layout [out, in]; we keep them that way and multiply with
// transposeB so that names and shapes stay those of the checkpoint.
import * as tf from '@tensorflow/tfjs';
import { type BartConfig, expectedWeights } from '../../shared/model/config';
import type { Tensor } from '../../shared/weights/safetensors';

/** Teacher-forced batch. */
export interface Seq2SeqBatch {
  inputIds: tf.Tensor2D; // int32 [B, T]
  attentionMask: tf.Tensor2D; // [B, T], 1 = token, 0 = pad
  decoderInputIds: tf.Tensor2D; // int32 [B, Tt]
  labels: tf.Tensor2D; // int32 [B, Tt], pad = padTokenId
}

/**
 * Training-time dropout for one forward pass (the reference trains in model.train()). Every mask
 * derives from (seed, step, site) alone, site being the dropout call's index in the pass, so a run
 * resumed at a step repeats that step's masks exactly: the masks need no state of their own beyond
 * the loop's step, which the checkpoint holds. Absent: no dropout (evaluation, decoding, parity).
 */
export interface DropoutKey { readonly seed: number; readonly step: number }

/**
 * x with each element zeroed at `rate` and the rest scaled by 1 / (1 - rate), as F.dropout; the mask
 * is a function of (key, site) alone. tf.randomUniform draws a string seed's numbers in JS
 * (seedrandom's alea), not on the backend, so a key gives the same mask on every backend.
 */
export function seededDropout(x: tf.Tensor, rate: number, key: DropoutKey, site: number): tf.Tensor {
  if (!(rate > 0)) return x;
  return tf.dropout(x, rate, undefined, `dropout:${key.seed}:${key.step}:${site}`);
}

/** The dropout sites of one forward pass, numbered in call order. */
class Dropper {
  private site = 0;
  constructor(private readonly key: DropoutKey) {}

  apply(x: tf.Tensor, rate: number): tf.Tensor {
    // Counted at rate 0 too, so a site's mask never depends on another site's rate.
    return seededDropout(x, rate, this.key, this.site++);
  }
}

/** Dropout applied when a Dropper is given, the identity otherwise. */
const drop = (d: Dropper | null, x: tf.Tensor, rate: number): tf.Tensor => (d ? d.apply(x, rate) : x);

/** A soft prompt shared by the batch [P, d], one per example [B, P, d], or none. */
export type Prompt = tf.Tensor2D | tf.Tensor3D | null;

export class ModelWeightsError extends Error {
  constructor(message: string, readonly tensor?: string) {
    super(message);
    this.name = 'ModelWeightsError';
  }
}

// Large negative instead of -inf: exp() underflows to exactly 0 the same way, without NaN risk.
const NEG = -1e9;

/**
 * A linear layer. `w` is the checkpoint's tensor [out, in]. A frozen model also holds `wt` = w^T
 * [in, out], made once at load (see WeightPacking): tfjs' wasm backend packs the right-hand operand
 * of a flag-free 2-D product for XNNPACK once per tensor and keeps it, so persistent operands in the
 * kernel's layout skip the transpose-and-repack that every transposeB product pays.
 */
interface Linear { w: tf.Tensor2D /* [out, in] */; b: tf.Tensor1D /* [out] */; wt?: tf.Tensor2D /* [in, out] */; packBackward?: boolean }
interface LayerNorm { g: tf.Tensor1D; b: tf.Tensor1D }
interface Attention { q: Linear; k: Linear; v: Linear; o: Linear; heads: number }
interface EncoderLayer { selfAttn: Attention; selfAttnLn: LayerNorm; fc1: Linear; fc2: Linear; finalLn: LayerNorm }
interface DecoderLayer extends EncoderLayer { crossAttn: Attention; crossAttnLn: LayerNorm }

// ---------------------------------------------------------------------------------------------
// Small pure units

/** x [N, in] -> [N, out]; also accepts [B, T, in] by folding to 2-D (tfjs' broadcast matMul grad is broken). */
export function linear(x: tf.Tensor, l: Linear): tf.Tensor {
  const inDim = l.w.shape[1];
  const lead = x.shape.slice(0, -1);
  const x2 = x.reshape([-1, inDim]) as tf.Tensor2D;
  const y = l.wt ? frozenProduct(x2, l.wt, l.b, l.packBackward ? l.w : null) : tf.matMul(x2, l.w, false, true).add(l.b); // [N, out]
  return y.reshape([...lead, l.w.shape[0]]);
}

/**
 * x [N, in] @ wt [in, out] + bias for weights that never train: the gradient flows to x alone, so
 * x need not be kept for the backward pass. dx = dy @ w, through `w` [out, in] when the model keeps
 * it packed for that (WeightPacking 'both'), else through wt with transposeB (one transpose per call).
 * The bias is fused into the product (one kernel, added inside XNNPACK's accumulation).
 */
export function frozenProduct(x: tf.Tensor2D, wt: tf.Tensor2D, bias: tf.Tensor1D | null, w: tf.Tensor2D | null): tf.Tensor2D {
  const f = tf.customGrad(((xx: tf.Tensor2D) => {
    const value = bias ? tf.fused.matMul({ a: xx, b: wt, bias }) : tf.matMul(xx, wt);
    const gradFunc = (dy: tf.Tensor) => [w ? tf.matMul(dy as tf.Tensor2D, w) : tf.matMul(dy as tf.Tensor2D, wt, false, true)];
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as unknown as (a: tf.Tensor2D) => tf.Tensor2D)(x);
}

/**
 * LayerNorm over the last axis with a hand-written gradient: autodiff through moments() keeps about
 * ten activation-sized tensors per call alive until the backward pass; this keeps two (x_hat, rstd).
 */
export function layerNorm(x: tf.Tensor, ln: LayerNorm, eps: number): tf.Tensor {
  const f = tf.customGrad(((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const { mean, variance } = tf.moments(xx, -1, true);
    const rstd = tf.rsqrt(variance.add(eps)); // [..., 1]
    const xhat = xx.sub(mean).mul(rstd); // [..., d]
    save([xhat, rstd, g]);
    const value = xhat.mul(g).add(b);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xh, rs, gg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const dxhat = dy.mul(gg);
      // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
      const dx = dxhat.sub(dxhat.mean(-1, true)).sub(xh.mul(dxhat.mul(xh).mean(-1, true))).mul(rs);
      const lead = Array.from({ length: dy.rank - 1 }, (_, i) => i);
      return [dx, dy.mul(xh).sum(lead), dy.sum(lead)];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as unknown as (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor)(x, ln.g, ln.b);
}

/**
 * Exact (erf) GELU with a hand-written gradient. It keeps x and Phi(x) for the backward pass:
 * computing erf again there cost a fifth of a training step on wasm (tfjs' Erf is a scalar loop).
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((xx: tf.Tensor, save: tf.GradSaveFunc) => {
    // x * (erf + 1) * 0.5 and x * ((erf + 1) * 0.5) are the same floats: halving is exact.
    const cdfOf = tf.erf(xx.mul(Math.SQRT1_2)).add(1).mul(0.5);
    save([xx, cdfOf]);
    const value = xx.mul(cdfOf);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [v, cdf] = saved as [tf.Tensor, tf.Tensor];
      // d/dx [x * Phi(x)] = Phi(x) + x * phi(x)
      const pdf = tf.exp(v.square().mul(-0.5)).mul(1 / Math.sqrt(2 * Math.PI));
      return [dy.mul(cdf.add(v.mul(pdf)))];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as unknown as (a: tf.Tensor) => tf.Tensor)(x);
}

function activation(x: tf.Tensor, kind: BartConfig['activationFunction']): tf.Tensor {
  switch (kind) {
    case 'gelu': // exact erf GELU, as torch.nn.functional.gelu
      return gelu(x);
    case 'gelu_new': {
      const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
      return x.mul(tf.tanh(inner).add(1)).mul(0.5);
    }
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
  }
}

/** [B, S, d] -> [B, H, S, hd] */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [B, S, d] = x.shape as [number, number, number];
  return x.reshape([B, S, heads, d / heads]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
}

/** Attention keys and values, each [B, H, S, hd]. */
type KV = { k: tf.Tensor4D; v: tf.Tensor4D };

/** Keys and values of `kv` [B, S, d] -> two [B, H, S, hd]. */
function projectKV(a: Attention, kv: tf.Tensor): KV {
  return { k: splitHeads(linear(kv, a.k), a.heads), v: splitHeads(linear(kv, a.v), a.heads) };
}

/** Scaled dot-product attention of queries x [B, T, d] over cached k/v; bias broadcasts to [B, H, T, S]. */
function attendKV(a: Attention, x: tf.Tensor, k: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor | null, dr: Dropper | null = null, rate = 0): tf.Tensor3D {
  const [B, T, d] = x.shape as [number, number, number];
  const hd = d / a.heads;
  const q = splitHeads(linear(x, a.q).mul(hd ** -0.5), a.heads); // [B, H, T, hd], q scaled as in the reference
  let scores: tf.Tensor = tf.matMul(q, k, false, true); // [B, H, T, S]
  if (bias) scores = scores.add(bias);
  const probs = drop(dr, tf.softmax(scores, -1), rate); // attention_dropout on the probabilities
  const ctx = tf.matMul(probs, v).transpose([0, 2, 1, 3]).reshape([B, T, d]); // [B, T, d]
  return linear(ctx, a.o) as tf.Tensor3D;
}

function attend(a: Attention, x: tf.Tensor, kv: tf.Tensor, bias: tf.Tensor | null, d: Dropper | null, rate: number): tf.Tensor3D {
  const { k, v } = projectKV(a, kv);
  return attendKV(a, x, k, v, bias, d, rate);
}

/** fc2(dropout(act(fc1 x), activation_dropout)), then dropout(., dropout) as transformers 2.9. */
function feedForward(l: EncoderLayer, x: tf.Tensor, c: BartConfig, d: Dropper | null): tf.Tensor {
  return drop(d, linear(drop(d, activation(linear(x, l.fc1), c.activationFunction), c.activationDropout), l.fc2), c.dropout);
}

/** Additive key mask [B, 1, 1, S] from a 1/0 mask [B, S]. */
function keyBias(mask: tf.Tensor): tf.Tensor4D {
  const [B, S] = mask.shape as [number, number];
  return tf.scalar(1).sub(mask.toFloat()).mul(NEG).reshape([B, 1, 1, S]);
}

/** Future-masking bias [1, 1, T, T]. */
function causalBias(T: number): tf.Tensor4D {
  const lower = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
  return tf.scalar(1).sub(lower).mul(NEG).reshape([1, 1, T, T]);
}

/** fairseq positions: cumsum over non-pad flags, + pad id; pads point at row pad id. [B, S] int32 */
function positionIds(notPad: tf.Tensor2D, padId: number): tf.Tensor2D {
  const f = notPad.toFloat();
  return tf.cumsum(f, 1).mul(f).add(padId).toInt() as tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------

/**
 * How a frozen model lays out its linear weights for the products (trainable models keep only the
 * checkpoint's tensors: their weights change every step).
 * - 'both': w^T for the forward and w for the backward, each packed by XNNPACK once; fastest, and
 *   the weights' memory about triples (two layouts, each with XNNPACK's packed copy).
 * - 'forward': w^T for the forward only; the backward transposes per call, as 'none' does for both.
 * - 'none': the checkpoint's layout with transposeB everywhere (the kernel wrapper transposes).
 */
export type WeightPacking = 'both' | 'forward' | 'none';

/** Up to this many weight floats (about 256 MB) a frozen model packs both ways; bart-base (140M) packs the forward only. */
export const PACK_BOTH_MAX_FLOATS = 64 * 1024 * 1024;

/** The packing a frozen model of `floats` weight floats gets unless told otherwise. */
export function defaultPacking(floats: number): WeightPacking {
  return floats <= PACK_BOTH_MAX_FLOATS ? 'both' : 'forward';
}

export interface FromTensorsOptions {
  /** Wrap every weight in a tf.Variable (full fine-tuning). Default false: constants. */
  trainable?: boolean;
  /** Frozen models only; default 'both' up to PACK_BOTH_MAX_FLOATS weight floats, else 'forward'. */
  packing?: WeightPacking;
}

/** Cached decoder state for incremental decoding. */
export interface DecoderCache {
  /**
   * Cross-attention keys and values of the encoder output, per layer, [N, H, S, hd] (projected once
   * by startCache), and the additive cross-attention bias over the encoder positions [N, 1, 1, S].
   */
  crossK: tf.Tensor4D[];
  crossV: tf.Tensor4D[];
  crossBias: tf.Tensor4D;
  /** Self-attention keys/values so far, per layer, [N, H, t, hd]; null before the first step. */
  selfK: (tf.Tensor4D | null)[];
  selfV: (tf.Tensor4D | null)[];
  /** Number of decoder tokens consumed so far. */
  length: number;
}

export class Bart {
  readonly config: BartConfig;
  private readonly tensors: Map<string, tf.Tensor>;
  private readonly trainable: boolean;
  private readonly shared: tf.Tensor2D;
  private readonly finalLogitsBias: tf.Tensor;
  private readonly encPos: tf.Tensor2D;
  private readonly decPos: tf.Tensor2D;
  private readonly encLnEmb: LayerNorm;
  private readonly decLnEmb: LayerNorm;
  private readonly encLayers: EncoderLayer[];
  private readonly decLayers: DecoderLayer[];
  private readonly embedScale: number;
  /** The layouts made at load for the products (WeightPacking); disposed with the model. */
  private readonly packed: tf.Tensor[] = [];
  /** shared^T [d, V] for the LM head's forward when packed, and final_logits_bias as [V]. */
  private readonly sharedT: tf.Tensor2D | null;
  private readonly logitsBias1d: tf.Tensor1D | null;
  readonly packing: WeightPacking;

  private constructor(config: BartConfig, tensors: Map<string, tf.Tensor>, trainable: boolean, packing: WeightPacking) {
    this.config = config;
    this.tensors = tensors;
    this.trainable = trainable;
    this.packing = trainable ? 'none' : packing;
    const transposed = (w: tf.Tensor2D): tf.Tensor2D => this.keepPacked(tf.transpose(w) as tf.Tensor2D);
    const t = <R extends tf.Rank>(name: string) => {
      const x = tensors.get(name);
      if (!x) throw new ModelWeightsError(`checkpoint is missing tensor "${name}"`, name);
      return x as tf.Tensor<R>;
    };
    const lin = (p: string): Linear => {
      const w = t<tf.Rank.R2>(`${p}.weight`);
      const b = t<tf.Rank.R1>(`${p}.bias`);
      return this.packing === 'none' ? { w, b } : { w, b, wt: transposed(w), packBackward: this.packing === 'both' };
    };
    const ln = (p: string): LayerNorm => ({ g: t(`${p}.weight`), b: t(`${p}.bias`) });
    const attn = (p: string, heads: number): Attention => ({
      q: lin(`${p}.q_proj`), k: lin(`${p}.k_proj`), v: lin(`${p}.v_proj`), o: lin(`${p}.out_proj`), heads,
    });
    this.shared = t('model.shared.weight');
    this.sharedT = this.packing === 'none' ? null : transposed(this.shared);
    this.finalLogitsBias = t('final_logits_bias');
    // A fused bias must be rank 1 in its own storage (wasm checks the stored shape: a reshape of
    // the checkpoint's [1, V] would not do), so the packed LM head gets its own copy.
    this.logitsBias1d = this.sharedT ? this.keepPacked(tf.tensor1d(this.finalLogitsBias.dataSync() as Float32Array)) : null;
    this.encPos = t('model.encoder.embed_positions.weight');
    this.decPos = t('model.decoder.embed_positions.weight');
    this.encLnEmb = ln('model.encoder.layernorm_embedding');
    this.decLnEmb = ln('model.decoder.layernorm_embedding');
    this.embedScale = config.scaleEmbedding ? Math.sqrt(config.dModel) : 1;
    this.encLayers = Array.from({ length: config.encoderLayers }, (_, i) => {
      const p = `model.encoder.layers.${i}`;
      return {
        selfAttn: attn(`${p}.self_attn`, config.encoderAttentionHeads), selfAttnLn: ln(`${p}.self_attn_layer_norm`),
        fc1: lin(`${p}.fc1`), fc2: lin(`${p}.fc2`), finalLn: ln(`${p}.final_layer_norm`),
      };
    });
    this.decLayers = Array.from({ length: config.decoderLayers }, (_, i) => {
      const p = `model.decoder.layers.${i}`;
      return {
        selfAttn: attn(`${p}.self_attn`, config.decoderAttentionHeads), selfAttnLn: ln(`${p}.self_attn_layer_norm`),
        crossAttn: attn(`${p}.encoder_attn`, config.decoderAttentionHeads), crossAttnLn: ln(`${p}.encoder_attn_layer_norm`),
        fc1: lin(`${p}.fc1`), fc2: lin(`${p}.fc2`), finalLn: ln(`${p}.final_layer_norm`),
      };
    });
  }

  /**
   * Builds the model from checkpoint tensors under Hugging Face names, checking every name and
   * shape against the config. Tied embed_tokens may be absent (they must equal shared if present);
   * final_logits_bias defaults to zeros. Extra tensors are ignored.
   */
  static fromTensors(config: BartConfig, tensors: ReadonlyMap<string, Tensor>, opts?: FromTensorsOptions): Bart {
    const trainable = opts?.trainable ?? false;
    const out = new Map<string, tf.Tensor>();
    // Variables get tfjs' auto-generated unique names: registering the Hugging Face names would make
    // a second trainable model (or a reload) collide. namedWeights() keeps the HF names.
    const put = (name: string, x: tf.Tensor) => {
      if (!trainable) return void out.set(name, x);
      out.set(name, tf.variable(x, true));
      x.dispose();
    };
    try {
      for (const spec of expectedWeights(config)) {
        const src = tensors.get(spec.name);
        if (spec.name.endsWith('embed_tokens.weight')) {
          if (src && !sameShape(src.shape, spec.shape)) {
            throw new ModelWeightsError(`tensor "${spec.name}" has shape [${src.shape}], expected [${spec.shape}] (tied to model.shared.weight)`, spec.name);
          }
          continue; // tied to model.shared.weight
        }
        if (!src) {
          if (spec.name === 'final_logits_bias') {
            put(spec.name, tf.zeros(spec.shape));
            continue;
          }
          throw new ModelWeightsError(`checkpoint is missing tensor "${spec.name}" (shape [${spec.shape}])`, spec.name);
        }
        if (!sameShape(src.shape, spec.shape)) {
          throw new ModelWeightsError(`tensor "${spec.name}" has shape [${src.shape}], expected [${spec.shape}] for this config`, spec.name);
        }
        if (src.dtype !== 'F32') throw new ModelWeightsError(`tensor "${spec.name}" has dtype ${src.dtype}, expected a float tensor`, spec.name);
        put(spec.name, tf.tensor(src.data, [...src.shape], 'float32'));
      }
    } catch (e) {
      for (const x of out.values()) x.dispose();
      throw e;
    }
    const floats = [...out.values()].reduce((n, x) => n + x.size, 0);
    return new Bart(config, out, trainable, opts?.packing ?? defaultPacking(floats));
  }

  /**
   * A model over weights the caller computed (Random_all's theta0 + P(z), differentiable in z), under
   * Hugging Face names as namedWeights() gives them: no packing, no copies. The names and shapes are
   * the caller's to get right (they come from a checked model's namedWeights()); dispose() of the
   * view frees the given tensors, so inside a tf.tidy it need not be called.
   */
  static over(config: BartConfig, tensors: Map<string, tf.Tensor>): Bart {
    return new Bart(config, tensors, false, 'none');
  }

  private keepPacked<T extends tf.Tensor>(x: T): T {
    this.packed.push(x);
    return x;
  }

  /** Every weight as a variable when built with trainable: true (full fine-tuning), else []. */
  variables(): tf.Variable[] {
    return this.trainable ? [...this.tensors.values()] as tf.Variable[] : [];
  }

  /** The weights by Hugging Face name (PyTorch layout); tied embed_tokens are not repeated. */
  namedWeights(): ReadonlyMap<string, tf.Tensor> {
    return this.tensors;
  }

  dispose(): void {
    for (const x of this.tensors.values()) x.dispose();
    this.tensors.clear();
    for (const x of this.packed) x.dispose();
    this.packed.length = 0;
  }

  // ------------------------------------------------------------------ encoder

  /** Encoder output [B, P+T, d]. */
  encode(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, prompt: Prompt): tf.Tensor3D {
    return tf.tidy(() => this.encodeWithMask(inputIds, attentionMask, prompt).hidden);
  }

  /** Encoder output and the mask over its P+T positions (prompt positions are always 1). */
  encodeWithMask(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, prompt: Prompt, d: Dropper | null = null): { hidden: tf.Tensor3D; mask: tf.Tensor2D } {
    const c = this.config;
    const [B, T] = inputIds.shape;
    assert(attentionMask.shape[0] === B && attentionMask.shape[1] === T, `attentionMask [${attentionMask.shape}] does not match inputIds [${inputIds.shape}]`);
    const P = prompt ? prompt.shape[prompt.rank - 2]! : 0;
    if (prompt) {
      assert(prompt.shape[prompt.rank - 1] === c.dModel, `prompt width ${prompt.shape[prompt.rank - 1]} != d_model ${c.dModel}`);
      assert(prompt.rank === 2 || prompt.shape[0] === B, `per-example prompt batch ${prompt.shape[0]} != batch ${B}`);
    }
    assert(P + T <= c.maxPositionEmbeddings, `prompt ${P} + input ${T} tokens exceed max_position_embeddings ${c.maxPositionEmbeddings}`);
    return tf.tidy(() => {
      let x: tf.Tensor = tf.gather(this.shared, inputIds).mul(this.embedScale); // [B, T, d]
      let notPad: tf.Tensor2D = tf.notEqual(inputIds, c.padTokenId).toInt() as tf.Tensor2D; // [B, T]
      let mask = attentionMask.toFloat() as tf.Tensor2D; // [B, T]
      if (prompt && P > 0) {
        // Broadcast by adding zeros, not tf.tile: tile's gradient is one slice and one add per row
        // (2B kernel calls), a broadcast add's is a single sum.
        const p = prompt.rank === 2 ? prompt.expandDims(0).add(tf.zeros([B, P, c.dModel])) : prompt; // [B, P, d]
        x = tf.concat([p, x], 1); // [B, P+T, d]
        notPad = tf.concat([tf.ones([B, P], 'int32'), notPad], 1) as tf.Tensor2D;
        mask = tf.concat([tf.ones([B, P]), mask], 1) as tf.Tensor2D;
      }
      x = x.add(tf.gather(this.encPos, positionIds(notPad, c.padTokenId))); // [B, P+T, d]
      x = drop(d, layerNorm(x, this.encLnEmb, c.layerNormEps), c.dropout);
      const bias = keyBias(mask); // [B, 1, 1, P+T]
      // A tidy per layer: what a layer makes and the backward does not save goes at its end, so
      // the forward's peak is the saved tensors plus one layer's working set, not every layer's.
      for (const l of this.encLayers) {
        const input = x;
        x = tf.tidy(() => this.encoderLayer(l, input, bias, d));
      }
      return { hidden: x as tf.Tensor3D, mask };
    });
  }

  private encoderLayer(l: EncoderLayer, x: tf.Tensor, bias: tf.Tensor, d: Dropper | null): tf.Tensor {
    const c = this.config;
    x = layerNorm(x.add(drop(d, attend(l.selfAttn, x, x, bias, d, c.attentionDropout), c.dropout)), l.selfAttnLn, c.layerNormEps);
    return layerNorm(x.add(feedForward(l, x, c, d)), l.finalLn, c.layerNormEps);
  }

  // ------------------------------------------------------------------ decoder

  /** Decoder hidden states [B, Tt, d], teacher forced. */
  decodeHidden(decoderInputIds: tf.Tensor2D, encoderHidden: tf.Tensor3D, encoderMask: tf.Tensor2D, d: Dropper | null = null): tf.Tensor3D {
    const c = this.config;
    const Tt = decoderInputIds.shape[1];
    assert(Tt <= c.maxPositionEmbeddings, `decoder length ${Tt} exceeds max_position_embeddings ${c.maxPositionEmbeddings}`);
    return tf.tidy(() => {
      const notPad = tf.notEqual(decoderInputIds, c.padTokenId).toInt() as tf.Tensor2D; // [B, Tt]
      let x: tf.Tensor = tf.gather(this.shared, decoderInputIds).mul(this.embedScale); // [B, Tt, d]
      x = x.add(tf.gather(this.decPos, positionIds(notPad, c.padTokenId)));
      x = drop(d, layerNorm(x, this.decLnEmb, c.layerNormEps), c.dropout);
      const selfBias = causalBias(Tt).add(keyBias(notPad)); // [B, 1, Tt, Tt]
      const crossBias = keyBias(encoderMask); // [B, 1, 1, S]
      for (const l of this.decLayers) {
        const input = x;
        x = tf.tidy(() => this.decoderLayer(l, input, selfBias, projectKV(l.crossAttn, encoderHidden), crossBias, undefined, d));
      }
      return x as tf.Tensor3D;
    });
  }

  /**
   * One decoder block on x [B, t, d]: self-attention, cross-attention over the encoder's keys and
   * values `cross`, feed-forward, each a residual add then LayerNorm. `withPast` turns this step's
   * self-attention keys/values into the ones attended over (incremental decoding prepends the cached
   * ones; teacher forcing attends over x alone).
   */
  private decoderLayer(l: DecoderLayer, x: tf.Tensor, selfBias: tf.Tensor | null, cross: KV, crossBias: tf.Tensor, withPast: (kv: KV) => KV = (kv) => kv, d: Dropper | null = null): tf.Tensor {
    const c = this.config;
    const eps = c.layerNormEps;
    const self = withPast(projectKV(l.selfAttn, x));
    x = layerNorm(x.add(drop(d, attendKV(l.selfAttn, x, self.k, self.v, selfBias, d, c.attentionDropout), c.dropout)), l.selfAttnLn, eps);
    x = layerNorm(x.add(drop(d, attendKV(l.crossAttn, x, cross.k, cross.v, crossBias, d, c.attentionDropout), c.dropout)), l.crossAttnLn, eps);
    return layerNorm(x.add(feedForward(l, x, c, d)), l.finalLn, eps);
  }

  /** hidden [..., d] -> logits [..., V] = hidden @ shared^T + final_logits_bias (tied output layer). */
  lmHead(hidden: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const d = this.config.dModel;
      const lead = hidden.shape.slice(0, -1);
      const h = hidden.reshape([-1, d]) as tf.Tensor2D;
      // The backward through shared [V, d] is flag-free, so XNNPACK keeps it packed too (the
      // embedding lookup keeps that tensor anyway).
      const y = this.sharedT
        ? frozenProduct(h, this.sharedT, this.logitsBias1d!, this.shared)
        : tf.matMul(h, this.shared, false, true).add(this.finalLogitsBias); // [N, V]
      return y.reshape([...lead, this.config.vocabSize]);
    });
  }

  /**
   * Teacher-forced logits [B, Tt, V]. With `dropout`, a training pass with the config's rates and
   * masks from that key (see DropoutKey); without, the deterministic eval pass parity checks.
   */
  logits(batch: Seq2SeqBatch, prompt: Prompt, dropout?: DropoutKey): tf.Tensor3D {
    return tf.tidy(() => {
      const d = dropout ? new Dropper(dropout) : null;
      const { hidden, mask } = this.encodeWithMask(batch.inputIds, batch.attentionMask, prompt, d);
      const dec = this.decodeHidden(batch.decoderInputIds, hidden, mask, d);
      return this.lmHead(dec) as tf.Tensor3D;
    });
  }

  // ------------------------------------------------------------------ incremental decoding

  /** Precomputes cross-attention keys/values once per generation. Caller disposes with disposeCache. */
  startCache(encoderHidden: tf.Tensor3D, encoderMask: tf.Tensor2D): DecoderCache {
    const crossK: tf.Tensor4D[] = [];
    const crossV: tf.Tensor4D[] = [];
    for (const l of this.decLayers) {
      const { k, v } = tf.tidy(() => projectKV(l.crossAttn, encoderHidden)); // [N, H, S, hd]
      crossK.push(k);
      crossV.push(v);
    }
    return {
      crossK, crossV, crossBias: tf.tidy(() => keyBias(encoderMask)),
      selfK: this.decLayers.map(() => null), selfV: this.decLayers.map(() => null), length: 0,
    };
  }

  /**
   * Feeds one token per row (ids [N]) and returns the next-token logits [N, V]. Updates the cache
   * in place (old self-attention tensors are disposed). Positions continue at cache.length, as the
   * reference does with use_cache (no decoder padding mask during generation).
   */
  step(ids: tf.Tensor1D, cache: DecoderCache): tf.Tensor2D {
    const c = this.config;
    const pos = cache.length + c.padTokenId + 1;
    assert(cache.length < c.maxPositionEmbeddings, `decoder length exceeds max_position_embeddings ${c.maxPositionEmbeddings}`);
    const newK: tf.Tensor4D[] = [];
    const newV: tf.Tensor4D[] = [];
    const logits = tf.tidy(() => {
      const N = ids.shape[0];
      let x: tf.Tensor = tf.gather(this.shared, ids).mul(this.embedScale); // [N, d]
      x = x.add(tf.slice(this.decPos, [pos, 0], [1, c.dModel])).reshape([N, 1, c.dModel]); // [N, 1, d]
      x = layerNorm(x, this.decLnEmb, c.layerNormEps);
      this.decLayers.forEach((l, i) => {
        const withPast = (kv: KV): KV => { // kv: [N, H, 1, hd]
          const prevK = cache.selfK[i];
          const prevV = cache.selfV[i];
          const k = prevK ? tf.concat([prevK, kv.k], 2) : kv.k; // [N, H, t+1, hd]
          const v = prevV ? tf.concat([prevV, kv.v], 2) : kv.v;
          newK.push(tf.keep(k));
          newV.push(tf.keep(v));
          return { k, v };
        };
        x = this.decoderLayer(l, x, null, { k: cache.crossK[i]!, v: cache.crossV[i]! }, cache.crossBias, withPast);
      });
      return this.lmHead(x.reshape([N, c.dModel])) as tf.Tensor2D;
    });
    for (let i = 0; i < this.decLayers.length; i++) {
      cache.selfK[i]?.dispose();
      cache.selfV[i]?.dispose();
      cache.selfK[i] = newK[i]!;
      cache.selfV[i] = newV[i]!;
    }
    cache.length += 1;
    return logits;
  }

  /** Reorders every cached row (beam search): row r of the result is row index[r] of the cache. */
  reorderCache(cache: DecoderCache, index: tf.Tensor1D): void {
    const swap = <T extends tf.Tensor>(x: T): T => {
      const y = tf.gather(x, index) as T;
      x.dispose();
      return y;
    };
    cache.selfK = cache.selfK.map((x) => (x ? swap(x) : null));
    cache.selfV = cache.selfV.map((x) => (x ? swap(x) : null));
    cache.crossK = cache.crossK.map(swap);
    cache.crossV = cache.crossV.map(swap);
    cache.crossBias = swap(cache.crossBias);
  }

  disposeCache(cache: DecoderCache): void {
    for (const x of [...cache.crossK, ...cache.crossV, cache.crossBias, ...cache.selfK, ...cache.selfV]) x?.dispose();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function assert(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(`Bart: ${message}`);
}
