// Fine-tuned model weights: a plain Hugging Face checkpoint (HF tensor names, F32) so that
// `AutoModelForSeq2SeqLM.from_pretrained` reads it next to the base config.json. The metadata keeps
// "format": "pt" (transformers rejects safetensors checkpoints without it) and records which base
// model and app produced it.

import { writeSafetensors, type WritableTensor } from '../weights/safetensors';
import { APP_VERSION } from '../version';
import { ArtifactError } from './errors';
import type { ModelIdentity } from './identity';
import { expectFinite } from './tensors';

export function encodeFineTunedWeights(tensors: Readonly<Record<string, WritableTensor>>, base: ModelIdentity, seed?: number): Uint8Array {
  for (const [name, t] of Object.entries(tensors)) {
    if ((t.dtype ?? 'F32') === 'F32') expectFinite(name, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data), '');
  }
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new ArtifactError('bad-metadata', `seed must be an integer, got ${seed}`);
  const meta: Record<string, string> = {
    format: 'pt',
    artifact: 'intrinsic-lab.weights',
    base_model_id: base.modelId,
    base_config_sha256: base.configSha256,
    app_version: APP_VERSION,
  };
  if (seed !== undefined) meta.seed = String(seed);
  return writeSafetensors(tensors, meta);
}
