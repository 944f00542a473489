// Shared helpers for the engine tests: the parity fixture and small random models.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BartConfig, parseBartConfig } from '../../../../src/shared/model/config';
import { Bart } from '../../../../src/engine/model/bart';
import { randomWeights } from '../../../../src/shared/model/randomWeights';
import { parseSafetensors, type Tensor } from '../../../../src/shared/weights/safetensors';

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/bart-parity');

export function fixtureFiles(): { config: unknown; model: Uint8Array; cases: Uint8Array } {
  return {
    config: JSON.parse(readFileSync(join(FIXTURE_DIR, 'config.json'), 'utf8')),
    model: new Uint8Array(readFileSync(join(FIXTURE_DIR, 'model.safetensors'))),
    cases: new Uint8Array(readFileSync(join(FIXTURE_DIR, 'cases.safetensors'))),
  };
}

export function fixtureModel(): { config: BartConfig; weights: Map<string, Tensor>; cases: Map<string, Tensor> } {
  const f = fixtureFiles();
  return {
    config: parseBartConfig(f.config),
    weights: new Map(parseSafetensors(f.model).tensors),
    cases: new Map(parseSafetensors(f.cases).tensors),
  };
}

/** A config of another shape than the fixture: odd head size, more encoder than decoder layers. */
export const OTHER_CONFIG_JSON = {
  model_type: 'bart', vocab_size: 61, d_model: 24, encoder_layers: 3, decoder_layers: 1,
  encoder_attention_heads: 3, decoder_attention_heads: 2, encoder_ffn_dim: 40, decoder_ffn_dim: 56,
  max_position_embeddings: 40, pad_token_id: 1, bos_token_id: 0, eos_token_id: 2, decoder_start_token_id: 2,
  forced_bos_token_id: 0, forced_eos_token_id: 2, scale_embedding: true, activation_function: 'gelu',
};

export function randomModel(configJson: unknown, opts?: { seed?: number; std?: number }): Bart {
  const config = parseBartConfig(configJson);
  return Bart.fromTensors(config, randomWeights(config, { seed: opts?.seed ?? 7, std: opts?.std ?? 0.3 }));
}
