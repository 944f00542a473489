// Fresh BART weights and the Hugging Face config.json for a model we pre-train ourselves.
// Initialisation follows transformers' BartPretrainedModel._init_weights with init_std 0.02:
// Linear and Embedding weights ~ N(0, 0.02), biases 0, the <pad> row of the token embedding 0,
// LayerNorm weight 1 and bias 0, final_logits_bias 0. Drawn from the seeded Rng in the order of
// expectedWeights(), so the same seed gives bit-identical weights in Node and in a worker.
import { type BartConfig, expectedWeights, parseBartConfig } from '../../shared/model/config';
import type { Tensor } from '../../shared/weights/safetensors';
import { Rng } from '../../shared/random';

export const INIT_STD = 0.02;

/** Every tensor the config needs (tied embed_tokens omitted), freshly initialised. */
export function initBartWeights(config: BartConfig, seed: number, std = INIT_STD): Map<string, Tensor> {
  const rng = new Rng(seed);
  const out = new Map<string, Tensor>();
  for (const spec of expectedWeights(config)) {
    if (spec.name.endsWith('embed_tokens.weight')) continue; // tied to model.shared.weight
    const n = spec.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    const leaf = spec.name.split('.').slice(-2).join('.');
    if (spec.name === 'final_logits_bias' || spec.name.endsWith('.bias')) {
      data = new Float32Array(n);
    } else if (/layer_?norm/.test(leaf)) {
      data = new Float32Array(n).fill(1);
    } else {
      data = rng.normalArray(n, std);
      // nn.Embedding(padding_idx=pad) zeroes the pad row so padding contributes nothing at init.
      if (spec.name === 'model.shared.weight') data.fill(0, config.padTokenId * config.dModel, (config.padTokenId + 1) * config.dModel);
    }
    out.set(spec.name, { dtype: 'F32', shape: [...spec.shape], data });
  }
  return out;
}

/** The sizes of a tiny BART, the encoder's and the decoder's alike. */
export interface TinyBartSizes {
  readonly dModel: number;
  /** Encoder and decoder layers each. */
  readonly layers: number;
  readonly heads: number;
  readonly ffnDim: number;
  /** Learned positions. Downstream prompt tuning prepends 100 prompt tokens, so keep room. */
  readonly maxPositions: number;
}

export interface TinyBartShape extends TinyBartSizes {
  readonly vocabSize: number;
  /** Special token ids as the tokenizer assigns them (BART's: <s> 0, <pad> 1, </s> 2). */
  readonly bosTokenId: number;
  readonly padTokenId: number;
  readonly eosTokenId: number;
}

/**
 * A Hugging Face `config.json` object for a small BART; parseBartConfig(json) reads it back to the
 * BartConfig the engine uses. Keys and defaults are bart-base's, scaled down.
 */
export function tinyBartConfigJson(s: TinyBartShape): Record<string, unknown> {
  return {
    model_type: 'bart',
    architectures: ['BartForConditionalGeneration'],
    vocab_size: s.vocabSize,
    d_model: s.dModel,
    encoder_layers: s.layers,
    decoder_layers: s.layers,
    encoder_attention_heads: s.heads,
    decoder_attention_heads: s.heads,
    encoder_ffn_dim: s.ffnDim,
    decoder_ffn_dim: s.ffnDim,
    max_position_embeddings: s.maxPositions,
    activation_function: 'gelu',
    // Dropout is not implemented by the engine; recorded as 0 so a PyTorch reload behaves alike.
    dropout: 0,
    attention_dropout: 0,
    activation_dropout: 0,
    init_std: INIT_STD,
    scale_embedding: false,
    normalize_before: false,
    add_final_layer_norm: false,
    layer_norm_eps: 1e-5,
    bos_token_id: s.bosTokenId,
    pad_token_id: s.padTokenId,
    eos_token_id: s.eosTokenId,
    decoder_start_token_id: s.eosTokenId,
    forced_bos_token_id: s.bosTokenId,
    forced_eos_token_id: s.eosTokenId,
    is_encoder_decoder: true,
    tie_word_embeddings: true,
  };
}

export function tinyBartConfig(s: TinyBartShape): BartConfig {
  return parseBartConfig(tinyBartConfigJson(s), 'tiny BART config');
}
