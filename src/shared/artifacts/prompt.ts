// Single-tensor artifacts: a tuned soft prompt [P, d] and a tuned intrinsic vector [d_I], each a
// safetensors file with the same metadata conventions as projector bundles.

import { writeSafetensors, type WritableTensor } from '../weights/safetensors';
import { ArtifactError } from './errors';
import type { ModelIdentity } from './identity';
import { checkIdentity, writeCommon, type ArtifactKind, type CommonMeta, type IdentityCheck, type MetaReader } from './metadata';
import { expectFinite, expectOnly, expectShape, readArtifactFile, requireTensor, type ReadOptions } from './tensors';

export const PROMPT_TENSOR = 'prompt';
export const VECTOR_TENSOR = 'intrinsic_vector';

export interface SoftPromptArtifact extends CommonMeta {
  readonly promptLength: number;
  /** Row-major [promptLength, dModel]. */
  readonly prompt: Float32Array;
  /** Task it was tuned on; "" when unknown. */
  readonly task: string;
}

export interface SoftPromptInput {
  readonly identity: ModelIdentity;
  readonly promptLength: number;
  readonly prompt: Float32Array;
  readonly task?: string;
  readonly seed?: number | null;
}

export function encodeSoftPrompt(input: SoftPromptInput): Uint8Array {
  const shape = [input.promptLength, input.identity.dModel];
  expectShape(PROMPT_TENSOR, { shape, data: input.prompt }, shape, '');
  expectFinite(PROMPT_TENSOR, input.prompt, '');
  const meta = writeCommon('prompt', input.identity, input.seed);
  meta.prompt_length = String(input.promptLength);
  meta.task = input.task ?? '';
  return writeSafetensors({ [PROMPT_TENSOR]: { shape, data: input.prompt } }, meta);
}

export interface SoftPromptImportOptions extends ReadOptions, IdentityCheck {
  readonly expectPromptLength?: number;
}

/**
 * Reads a file of `kind` that holds the one tensor `name`, whose first dimension is the metadata
 * integer `dimKey` (`withDModel`: then d_model): checked to be finite and for the expected model.
 */
function decodeSingleTensor(
  bytes: Uint8Array | ArrayBuffer, opts: ReadOptions & IdentityCheck, kind: ArtifactKind, name: string, dimKey: string, withDModel: boolean,
): { at: string; common: CommonMeta; r: MetaReader; dim: number; data: Float32Array } {
  const { at, tensors, common, r } = readArtifactFile(bytes, opts, kind);
  const dim = r.int(dimKey);
  expectOnly(tensors, new Set([name]), at);
  const t = requireTensor(tensors, name, at);
  expectShape(name, t, withDModel ? [dim, common.dModel] : [dim], at);
  expectFinite(name, t.data, at);
  checkIdentity(common, opts, at);
  return { at, common, r, dim, data: t.data };
}

export function decodeSoftPrompt(bytes: Uint8Array | ArrayBuffer, opts: SoftPromptImportOptions = {}): SoftPromptArtifact {
  const { at, common, r, dim: promptLength, data } = decodeSingleTensor(bytes, opts, 'prompt', PROMPT_TENSOR, 'prompt_length', true);
  if (opts.expectPromptLength !== undefined && opts.expectPromptLength !== promptLength) {
    throw new ArtifactError('shape-mismatch', `${at}the prompt has ${promptLength} tokens, but ${opts.expectPromptLength} were expected`);
  }
  return { ...common, promptLength, prompt: data, task: r.optionalString('task') ?? '' };
}

export interface IntrinsicVectorArtifact extends CommonMeta {
  readonly intrinsicDim: number;
  readonly vector: Float32Array;
  readonly task: string;
  /** SHA-256 of the projector bundle file the vector was tuned through; "" when unknown. */
  readonly projectorSha256: string;
}

export interface IntrinsicVectorInput {
  readonly identity: ModelIdentity;
  readonly vector: Float32Array;
  readonly task?: string;
  readonly seed?: number | null;
  readonly projectorSha256?: string;
}

export function encodeIntrinsicVectorFile(input: IntrinsicVectorInput): Uint8Array {
  if (input.vector.length === 0) throw new ArtifactError('shape-mismatch', 'an intrinsic vector needs at least one value');
  expectFinite(VECTOR_TENSOR, input.vector, '');
  if (input.projectorSha256 !== undefined && !/^[0-9a-f]{64}$/.test(input.projectorSha256)) {
    throw new ArtifactError('bad-metadata', 'projectorSha256 must be a lowercase SHA-256 hex digest');
  }
  const meta = writeCommon('intrinsic-vector', input.identity, input.seed);
  meta.intrinsic_dim = String(input.vector.length);
  meta.task = input.task ?? '';
  if (input.projectorSha256) meta.projector_sha256 = input.projectorSha256;
  const tensors: Record<string, WritableTensor> = { [VECTOR_TENSOR]: { shape: [input.vector.length], data: input.vector } };
  return writeSafetensors(tensors, meta);
}

export interface IntrinsicVectorImportOptions extends ReadOptions, IdentityCheck {
  readonly expectIntrinsicDim?: number;
}

export function decodeIntrinsicVectorFile(bytes: Uint8Array | ArrayBuffer, opts: IntrinsicVectorImportOptions = {}): IntrinsicVectorArtifact {
  const { at, common, r, dim: intrinsicDim, data } = decodeSingleTensor(bytes, opts, 'intrinsic-vector', VECTOR_TENSOR, 'intrinsic_dim', false);
  if (opts.expectIntrinsicDim !== undefined && opts.expectIntrinsicDim !== intrinsicDim) {
    throw new ArtifactError('intrinsic-dim-mismatch', `${at}the vector has d_I = ${intrinsicDim}, but the projector expects ${opts.expectIntrinsicDim}`);
  }
  return { ...common, intrinsicDim, vector: data, task: r.optionalString('task') ?? '', projectorSha256: r.optionalString('projector_sha256') ?? '' };
}
