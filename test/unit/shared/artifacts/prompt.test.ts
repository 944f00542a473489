import { beforeAll, describe, expect, it } from 'vitest';
import { ArtifactError } from '../../../../src/shared/artifacts/errors';
import type { ModelIdentity } from '../../../../src/shared/artifacts/identity';
import { decodeIntrinsicVectorFile, decodeSoftPrompt, encodeIntrinsicVectorFile, encodeSoftPrompt } from '../../../../src/shared/artifacts/prompt';
import { encodeFineTunedWeights } from '../../../../src/shared/artifacts/weights';
import { parseHeader, parseSafetensors } from '../../../../src/shared/weights/safetensors';
import { bitsEqual, cases, fixtureIdentity } from './support';

let identity: ModelIdentity;
beforeAll(async () => {
  identity = await fixtureIdentity();
});
const prompt = () => cases.tensors.get('prompt')!.data as Float32Array; // [5, 32]

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ArtifactError) return e.code;
    throw e;
  }
  throw new Error('nothing thrown');
}

describe('soft prompt files', () => {
  it('round-trip bitwise with their metadata', () => {
    const bytes = encodeSoftPrompt({ identity, promptLength: 5, prompt: prompt(), task: 'glue-sst2', seed: 100 });
    const got = decodeSoftPrompt(bytes, { expect: identity, expectPromptLength: 5 });
    expect(bitsEqual(got.prompt, prompt())).toBe(true);
    expect(got).toMatchObject({ promptLength: 5, dModel: 32, task: 'glue-sst2', seed: 100, modelId: identity.modelId, appVersion: '0.1.0' });
    const h = parseHeader(bytes, bytes.byteLength);
    expect(h.entries.map((e) => [e.name, e.dtype, e.shape])).toEqual([['prompt', 'F32', [5, 32]]]);
  });

  it('reject wrong shapes, NaN, another model and the wrong prompt length', () => {
    expect(codeOf(() => encodeSoftPrompt({ identity, promptLength: 4, prompt: prompt() }))).toBe('shape-mismatch');
    const nan = prompt().slice();
    nan[17] = NaN;
    expect(codeOf(() => encodeSoftPrompt({ identity, promptLength: 5, prompt: nan }))).toBe('non-finite');
    const bytes = encodeSoftPrompt({ identity, promptLength: 5, prompt: prompt() });
    expect(codeOf(() => decodeSoftPrompt(bytes, { expect: { ...identity, modelId: 'other' } }))).toBe('model-mismatch');
    expect(codeOf(() => decodeSoftPrompt(bytes, { expectPromptLength: 100 }))).toBe('shape-mismatch');
    expect(codeOf(() => decodeSoftPrompt(bytes.subarray(0, bytes.length - 4)))).toBe('truncated');
  });
});

describe('intrinsic vector files', () => {
  it('round-trip bitwise and check d_I', () => {
    const z = cases.tensors.get('intrinsic_vector')!.data as Float32Array;
    const projectorSha256 = 'a'.repeat(64);
    const bytes = encodeIntrinsicVectorFile({ identity, vector: z, task: 'xsum', seed: 7, projectorSha256 });
    const got = decodeIntrinsicVectorFile(bytes, { expect: identity, expectIntrinsicDim: z.length });
    expect(bitsEqual(got.vector, z)).toBe(true);
    expect(got).toMatchObject({ intrinsicDim: z.length, task: 'xsum', seed: 7, projectorSha256 });
    expect(codeOf(() => decodeIntrinsicVectorFile(bytes, { expectIntrinsicDim: z.length + 1 }))).toBe('intrinsic-dim-mismatch');
    expect(codeOf(() => decodeSoftPrompt(bytes))).toBe('wrong-kind');
    expect(codeOf(() => encodeIntrinsicVectorFile({ identity, vector: new Float32Array(0) }))).toBe('shape-mismatch');
    expect(codeOf(() => encodeIntrinsicVectorFile({ identity, vector: Float32Array.of(1, Infinity) }))).toBe('non-finite');
  });
});

describe('fine-tuned weights', () => {
  it('keep Hugging Face names and format "pt", and record the base model', () => {
    const w = cases.tensors.get('prompt')!;
    const bytes = encodeFineTunedWeights({ 'model.shared.weight': { shape: w.shape, data: w.data } }, identity, 3);
    const f = parseSafetensors(bytes);
    expect(f.metadata).toMatchObject({ format: 'pt', base_model_id: identity.modelId, base_config_sha256: identity.configSha256, seed: '3' });
    expect(bitsEqual(f.tensors.get('model.shared.weight')!.data as Float32Array, w.data as Float32Array)).toBe(true);
  });
});
