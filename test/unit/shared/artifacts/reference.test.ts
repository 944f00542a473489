// The paper's own .pt files (../shared/fixtures/reference-artifacts) as Intrinsic Lab artifacts:
// the three MSF checkpoints become projectors that decode the fixture's z to the reference code's
// prompt; the prompt files become soft prompts; everything else is a specific ArtifactError.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactError } from '../../../../src/shared/artifacts/errors';
import type { ModelIdentity } from '../../../../src/shared/artifacts/identity';
import { decodeIntrinsicVector, decodeProjectorBundle, projectPrompt } from '../../../../src/shared/artifacts/projector';
import { decodeSoftPrompt } from '../../../../src/shared/artifacts/prompt';
import { torchFileToArtifact, type TorchArtifact } from '../../../../src/shared/artifacts/reference';
import { TorchFileError } from '../../../../src/shared/torch/errors';
import { archive, f32Bytes, P, REFERENCE_DIR, referencePresent } from '../torch/support';
import { bitsEqual, cases, fixtureIdentity } from './support';

if (!referencePresent) console.warn(`SKIPPING reference .pt conversion tests: ${REFERENCE_DIR} is absent`);

interface Values { shape: number[]; first8: number[]; sum: number; max_abs: number; values: number[] }
const ae = referencePresent
  ? (JSON.parse(readFileSync(join(REFERENCE_DIR, 'expected.json'), 'utf8')) as { autoencoder: { z: number[]; prompt_tokens: number; d_model: number; intrinsic_dim: number; hidden: number; decoded_prompt: Values; encode_small_prompt: Values; msf_reconstruction_of_small_prompt: Values } }).autoencoder
  : undefined!;
const read = (f: string) => new Uint8Array(readFileSync(join(REFERENCE_DIR, f)));

function expectClose(got: Float32Array, want: Values, tol: number): void {
  expect(got.length).toBe(want.values.length);
  let maxErr = 0;
  got.forEach((v, i) => (maxErr = Math.max(maxErr, Math.abs(v - want.values[i]!))));
  expect(maxErr).toBeLessThan(tol);
  expect(Math.abs(got.reduce((a, b) => a + b, 0) - want.sum)).toBeLessThan(tol * got.length);
}

function artifactError(f: () => unknown): ArtifactError {
  try {
    f();
  } catch (e) {
    if (e instanceof ArtifactError) return e;
    throw e;
  }
  throw new Error('expected an ArtifactError');
}

describe.skipIf(!referencePresent)('torchFileToArtifact on the reference files', () => {
  it.each(['msf/best-ckpt.pt', 'msf-dataparallel/best-ckpt.pt', 'msf-gpu-run/best-ckpt.pt'])('%s becomes a projector that decodes z as the reference code does', async (name) => {
    const identity = await fixtureIdentity();
    const out = torchFileToArtifact(read(name), { identity, name });
    expect(out.kind).toBe('projector');
    const b = decodeProjectorBundle(out.bytes, { expect: identity, source: name });
    expect(b.dims).toEqual({ promptLength: ae.prompt_tokens, dModel: ae.d_model, intrinsicDim: ae.intrinsic_dim, hiddenSize: ae.hidden });
    expect(b.tasks).toEqual([]);
    expect(b.trainConfig).toMatchObject({ globalStep: 3, bestAccuracy: 0.5833333333333333 });
    // Proj_b(z), Proj(prompt) and the MSF reconstruction, all in plain float64-accumulated TS.
    expectClose(decodeIntrinsicVector(b.weights, Float32Array.from(ae.z)), ae.decoded_prompt, 2e-6);
    const small = cases.tensors.get('prompt')!.data as Float32Array;
    const z = projectPrompt(b.weights, small);
    expectClose(z, ae.encode_small_prompt, 2e-6);
    expectClose(decodeIntrinsicVector(b.weights, z), ae.msf_reconstruction_of_small_prompt, 2e-6);
    expect(out.notes.join('\n')).toContain('left out 12 tensors outside "model"');
    if (name.includes('dataparallel')) expect(out.notes).toContain('stripped DataParallel\'s "module." prefix from 7 names');
    if (name.includes('gpu')) expect(out.notes).toContain('some tensors were saved on cuda:0; read on the CPU');
  });

  it.each(['prompt_weight/tiny-parity_16_13_best.pt', 'legacy/tiny-parity_16_13_best.pt'])('%s becomes the soft prompt of cases.safetensors, task from its name', async (name) => {
    const identity = await fixtureIdentity();
    const out = torchFileToArtifact(read(name), { identity, name });
    expect(out.kind).toBe('prompt');
    const p = decodeSoftPrompt(out.bytes, { expect: identity });
    expect(p).toMatchObject({ promptLength: 5, task: 'tiny-parity', seed: null });
    expect(bitsEqual(p.prompt, cases.tensors.get('prompt')!.data as Float32Array)).toBe(true);
    expect(out.notes).toContain('task "tiny-parity" (K = 16, data seed 13) from the file name');
  });

  it('the released-size prompt [100, 768] converts for a 768-wide model and is refused for another width', async () => {
    const name = 'prompt_weight/glue-sst2_16_100_best.pt';
    const base: ModelIdentity = { modelId: 'hub:facebook/bart-base', configSha256: 'a'.repeat(64), dModel: 768 };
    const p = decodeSoftPrompt(torchFileToArtifact(read(name), { identity: base, name }).bytes);
    expect(p).toMatchObject({ promptLength: 100, dModel: 768, task: 'glue-sst2', modelId: 'hub:facebook/bart-base' });
    const tiny = await fixtureIdentity();
    const e = artifactError(() => torchFileToArtifact(read(name), { identity: tiny, name }));
    expect(e.code).toBe('shape-mismatch');
    expect(e.message).toBe(`${name}: the prompt is [100, 768]: made for d_model 768, but test/tiny-bart has d_model 32`);
  });

  it('a checkpoint for another d_model is refused by its prompt table, even where W3 would divide', async () => {
    // 160 = 5 x 32 = 10 x 16: W3 alone cannot tell, the [100, 32] prompt_embeddings can.
    const other: ModelIdentity = { modelId: 'x/narrow', configSha256: 'b'.repeat(64), dModel: 16 };
    const e = artifactError(() => torchFileToArtifact(read('msf/best-ckpt.pt'), { identity: other, name: 'best-ckpt.pt' }));
    expect(e.code).toBe('shape-mismatch');
    expect(e.message).toBe('best-ckpt.pt: the checkpoint was trained on a model with d_model 32 ("model.encoder.prompt_embeddings.weight" is [100,32]), but x/narrow has d_model 16');
  });
});

describe('torchFileToArtifact refusals', () => {
  it('a file of another kind, a refused global and unreadable bytes are specific ArtifactErrors', async () => {
    const identity = await fixtureIdentity();
    const dict = archive(new P().proto().emptyDict().str('a').int(1).setitem().stop().bytes());
    const e = artifactError(() => torchFileToArtifact(dict, { identity, name: 'x.pt' }));
    expect(e.code).toBe('wrong-kind');
    expect(e.message).toBe('x.pt: holds a dict with keys ["a"]; expected a reference MSF checkpoint (a dict whose "model" holds prompt_W1..prompt_W3) or a bare prompt tensor [P, d_model]');
    const evil = artifactError(() => torchFileToArtifact(archive(new P().proto().global('os', 'system').str('id').raw(0x85).reduce().stop().bytes()), { identity, name: 'evil.pt' }));
    expect(evil.code).toBe('corrupt');
    expect(evil.message).toMatch(/^evil\.pt: archive\/data\.pkl offset 2 \(GLOBAL\): global "os\.system" is refused.*\[refused-global\]$/);
    expect((evil.cause as TorchFileError).code).toBe('refused-global');
    expect(artifactError(() => torchFileToArtifact(new Uint8Array(10), { identity })).code).toBe('wrong-kind');
    // A 3-D tensor is no prompt; an int tensor is no weight.
    const cube = archive(new P().proto().tensor({ key: '0', numel: 2, shape: [1, 1, 2], stride: [2, 2, 1] }).stop().bytes(), { 0: f32Bytes([1, 2]) });
    expect(artifactError(() => torchFileToArtifact(cube, { identity })).message).toBe('a prompt file holds one [P, d_model] tensor; this one is [1,1,2]');
    const ints = archive(new P().proto().tensor({ key: '0', cls: 'LongStorage', numel: 1, shape: [1, 32], stride: [32, 0] }).stop().bytes(), { 0: new Uint8Array(8) });
    expect(artifactError(() => torchFileToArtifact(ints, { identity })).code).toBe('unsupported-dtype');
  });

  it('fuzzing: mutated reference files give an artifact or an ArtifactError, never another exception', async () => {
    const identity = await fixtureIdentity();
    const seedsFor = referencePresent ? ['prompt_weight/tiny-parity_16_13_best.pt', 'legacy/tiny-parity_16_13_best.pt', 'msf/best-ckpt.pt'].map(read) : [];
    const outcome = (b: Uint8Array): TorchArtifact | string => {
      try {
        return torchFileToArtifact(b, { identity, name: 'fuzz.pt' });
      } catch (e) {
        if (e instanceof ArtifactError) return e.code;
        throw e;
      }
    };
    for (const seed of seedsFor) {
      // The checkpoint is 1.5 MB: mutate its pickle (first 2.5 kB) and its directory (last 2 kB).
      const spots = seed.length > 10_000 ? fc.oneof(fc.integer({ min: 0, max: 2500 }), fc.integer({ min: seed.length - 2000, max: seed.length - 1 })) : fc.nat(seed.length - 1);
      fc.assert(
        fc.property(fc.array(fc.tuple(spots, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (edits) => {
          const b = seed.slice();
          for (const [at, v] of edits) b[at] = v;
          const r = outcome(b);
          if (typeof r === 'object') expect(['projector', 'prompt']).toContain(r.kind);
        }),
        { numRuns: seed.length > 10_000 ? 60 : 200 },
      );
    }
  });
});
