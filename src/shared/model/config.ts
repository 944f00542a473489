// BartConfig: everything the engine needs from a Hugging Face `config.json`, validated once.
// Field names follow the Hugging Face keys in camelCase so a reader can map them one to one.

export interface BartConfig {
  readonly vocabSize: number;
  readonly dModel: number;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  readonly encoderAttentionHeads: number;
  readonly decoderAttentionHeads: number;
  readonly encoderFfnDim: number;
  readonly decoderFfnDim: number;
  /** Learned positions; the embedding tables hold this + 2 rows (BART's offset). */
  readonly maxPositionEmbeddings: number;
  readonly padTokenId: number;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  /** First decoder input; `</s>` (2) for BART. */
  readonly decoderStartTokenId: number;
  /** Token forced at the first generated step (`<s>` for BART), or null. */
  readonly forcedBosTokenId: number | null;
  /** Token forced when the length limit is reached, or null. */
  readonly forcedEosTokenId: number | null;
  /** Multiply token embeddings by sqrt(d_model); false for bart-base. */
  readonly scaleEmbedding: boolean;
  readonly activationFunction: 'gelu' | 'relu' | 'gelu_new' | 'tanh';
  /** LayerNorm epsilon; BART uses PyTorch's default 1e-5. */
  readonly layerNormEps: number;
  /**
   * Training-time dropout rates (config.json dropout, attention_dropout, activation_dropout; 0.1
   * each for bart-base; absent: 0). Used only by a training forward pass (Bart.logits' dropout).
   */
  readonly dropout: number;
  readonly attentionDropout: number;
  readonly activationDropout: number;
  /** The generation entries of config.json, which generate() uses when the call does not pass them. */
  readonly generation: GenerationConfig;
}

/**
 * config.json's generation entries. Absent keys take transformers' PretrainedConfig defaults
 * (configuration_utils.py in the reference's vendored 2.9: no_repeat_ngram_size 0, min_length 0,
 * length_penalty 1, num_beams 1, max_length 20), except `earlyStopping`, which stays null when
 * absent so the engine's own default (early stopping on) keeps today's outputs for models without it.
 */
export interface GenerationConfig {
  /** Ban any token that would repeat an n-gram of this size already in the row (0: off; 3 in facebook/bart-base). */
  readonly noRepeatNgramSize: number;
  /** No </s> while the row (start token included) is shorter than this. */
  readonly minLength: number;
  /** Beam hypotheses score sum(logp) / len^lengthPenalty. */
  readonly lengthPenalty: number;
  readonly earlyStopping: boolean | null;
  readonly numBeams: number;
  /** Counts the start token (transformers' max_length). */
  readonly maxLength: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const ACTIVATIONS = new Set(['gelu', 'relu', 'gelu_new', 'tanh']);

/** Parses and checks a Hugging Face BART `config.json` (already JSON-decoded). */
export function parseBartConfig(json: unknown, source = 'config.json'): BartConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`${source}: expected a JSON object`);
  }
  const raw = json as Record<string, unknown>;
  const modelType = raw.model_type;
  if (modelType !== undefined && modelType !== 'bart') {
    throw new ConfigError(`${source}: model_type is "${String(modelType)}", but Intrinsic Lab runs BART ("bart") models only`);
  }
  const int = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new ConfigError(`${source}: "${key}" must be a non-negative integer, got ${JSON.stringify(raw[key])}`);
    }
    return v;
  };
  const optionalId = (key: string): number | null => {
    const v = raw[key];
    if (v === undefined || v === null) return null;
    return int(key);
  };
  const num = (key: string, fallback: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${source}: "${key}" must be a finite number, got ${JSON.stringify(raw[key])}`);
    return v;
  };
  const bool = (key: string): boolean | null => {
    const v = raw[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'boolean') throw new ConfigError(`${source}: "${key}" must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const rate = (key: string): number => {
    const v = num(key, 0);
    if (!(v >= 0 && v < 1)) throw new ConfigError(`${source}: "${key}" must be a rate in [0, 1), got ${JSON.stringify(raw[key])}`);
    return v;
  };
  const activation = (raw.activation_function ?? 'gelu') as string;
  if (!ACTIVATIONS.has(activation)) {
    throw new ConfigError(`${source}: unsupported activation_function "${activation}"`);
  }
  if (raw.normalize_before === true || raw.add_final_layer_norm === true) {
    throw new ConfigError(`${source}: pre-LayerNorm variants (normalize_before / add_final_layer_norm, mBART) are not supported`);
  }
  const config: BartConfig = {
    vocabSize: int('vocab_size'),
    dModel: int('d_model'),
    encoderLayers: int('encoder_layers'),
    decoderLayers: int('decoder_layers'),
    encoderAttentionHeads: int('encoder_attention_heads'),
    decoderAttentionHeads: int('decoder_attention_heads'),
    encoderFfnDim: int('encoder_ffn_dim'),
    decoderFfnDim: int('decoder_ffn_dim'),
    maxPositionEmbeddings: int('max_position_embeddings'),
    padTokenId: int('pad_token_id', 1),
    bosTokenId: int('bos_token_id', 0),
    eosTokenId: int('eos_token_id', 2),
    decoderStartTokenId: int('decoder_start_token_id', 2),
    forcedBosTokenId: optionalId('forced_bos_token_id'),
    forcedEosTokenId: optionalId('forced_eos_token_id'),
    scaleEmbedding: raw.scale_embedding === true,
    activationFunction: activation as BartConfig['activationFunction'],
    layerNormEps: typeof raw.layer_norm_eps === 'number' ? raw.layer_norm_eps : 1e-5,
    dropout: rate('dropout'),
    attentionDropout: rate('attention_dropout'),
    activationDropout: rate('activation_dropout'),
    generation: {
      noRepeatNgramSize: int('no_repeat_ngram_size', 0),
      minLength: int('min_length', 0),
      lengthPenalty: num('length_penalty', 1),
      earlyStopping: bool('early_stopping'),
      numBeams: int('num_beams', 1),
      maxLength: int('max_length', 20),
    },
  };
  if (config.generation.numBeams < 1) throw new ConfigError(`${source}: "num_beams" must be at least 1, got ${config.generation.numBeams}`);
  for (const [heads, key] of [
    [config.encoderAttentionHeads, 'encoder_attention_heads'],
    [config.decoderAttentionHeads, 'decoder_attention_heads'],
  ] as const) {
    if (heads === 0 || config.dModel % heads !== 0) {
      throw new ConfigError(`${source}: d_model ${config.dModel} is not divisible by ${key} ${heads}`);
    }
  }
  if (config.vocabSize === 0 || config.dModel === 0) throw new ConfigError(`${source}: vocab_size and d_model must be positive`);
  for (const key of ['padTokenId', 'bosTokenId', 'eosTokenId', 'decoderStartTokenId'] as const) {
    if (config[key] >= config.vocabSize) throw new ConfigError(`${source}: ${key} ${config[key]} is outside the vocabulary (${config.vocabSize})`);
  }
  return config;
}

/** Rows of the learned position tables: BART offsets positions by 2. */
const POSITION_OFFSET = 2;

/**
 * The tensors a checkpoint must hold for this config, by Hugging Face name, with their shapes
 * (PyTorch Linear layout: weight [out, in]). `optional` tensors may be absent: embed_tokens are
 * tied to model.shared.weight, and final_logits_bias defaults to zeros.
 */
export function expectedWeights(c: BartConfig): { name: string; shape: number[]; optional: boolean }[] {
  const d = c.dModel;
  const out: { name: string; shape: number[]; optional: boolean }[] = [];
  const add = (name: string, shape: number[], optional = false) => out.push({ name, shape, optional });
  add('model.shared.weight', [c.vocabSize, d]);
  add('final_logits_bias', [1, c.vocabSize], true);
  for (const side of ['encoder', 'decoder'] as const) {
    const layers = side === 'encoder' ? c.encoderLayers : c.decoderLayers;
    const ffn = side === 'encoder' ? c.encoderFfnDim : c.decoderFfnDim;
    const p = `model.${side}`;
    add(`${p}.embed_tokens.weight`, [c.vocabSize, d], true);
    add(`${p}.embed_positions.weight`, [c.maxPositionEmbeddings + POSITION_OFFSET, d]);
    add(`${p}.layernorm_embedding.weight`, [d]);
    add(`${p}.layernorm_embedding.bias`, [d]);
    const attns = side === 'encoder' ? ['self_attn'] : ['self_attn', 'encoder_attn'];
    for (let i = 0; i < layers; i++) {
      const l = `${p}.layers.${i}`;
      for (const a of attns) {
        for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
          add(`${l}.${a}.${proj}.weight`, [d, d]);
          add(`${l}.${a}.${proj}.bias`, [d]);
        }
        add(`${l}.${a}_layer_norm.weight`, [d]);
        add(`${l}.${a}_layer_norm.bias`, [d]);
      }
      add(`${l}.fc1.weight`, [ffn, d]);
      add(`${l}.fc1.bias`, [ffn]);
      add(`${l}.fc2.weight`, [d, ffn]);
      add(`${l}.fc2.bias`, [d]);
      add(`${l}.final_layer_norm.weight`, [d]);
      add(`${l}.final_layer_norm.bias`, [d]);
    }
  }
  return out;
}
