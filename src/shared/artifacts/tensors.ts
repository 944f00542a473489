// Plain float32 tensors as artifacts hold them, and the checks every importer runs on them.

import { parseSafetensors, type SafetensorsFile, type StoredDType } from '../weights/safetensors';
import { ArtifactError, wrapSafetensorsError } from './errors';
import { ARTIFACT_MAX_HEADER_BYTES, readCommon, where, type ArtifactKind, type CommonMeta, type MetaReader } from './metadata';

/** Row-major float32 data; matrices use PyTorch's Linear layout [out, in]. */
export interface F32Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

const FLOAT_DTYPES: ReadonlySet<StoredDType> = new Set(['F32', 'F16', 'BF16']);

export interface ReadOptions {
  /** Named in error messages: a file name or URL. */
  readonly source?: string;
  /** Defaults to ARTIFACT_MAX_HEADER_BYTES (1 MiB). */
  readonly maxHeaderBytes?: number;
}

/**
 * Parses a safetensors file whose tensors must all be floating point (F16/BF16 are widened to
 * F32 by the reader). Every failure is an ArtifactError.
 */
export function readFloatFile(bytes: Uint8Array | ArrayBuffer, opts: ReadOptions = {}): { file: SafetensorsFile; tensors: Map<string, F32Tensor> } {
  const at = where(opts.source);
  let file: SafetensorsFile;
  try {
    file = parseSafetensors(bytes, { source: opts.source, maxHeaderBytes: opts.maxHeaderBytes ?? ARTIFACT_MAX_HEADER_BYTES });
  } catch (e) {
    wrapSafetensorsError(e);
  }
  const tensors = new Map<string, F32Tensor>();
  for (const entry of file.header.entries) {
    if (!FLOAT_DTYPES.has(entry.dtype)) {
      throw new ArtifactError('unsupported-dtype', `${at}tensor "${entry.name}" is stored as ${entry.dtype}; artifacts hold floating-point tensors (F32, F16 or BF16)`);
    }
    const t = file.tensors.get(entry.name)!;
    tensors.set(entry.name, { shape: t.shape, data: t.data as Float32Array });
  }
  return { file, tensors };
}

/**
 * Opens an artifact file of `kind`: its float tensors (readFloatFile), then the tag, version and
 * fields every artifact has (readCommon). `at` names the source in error messages.
 */
export function readArtifactFile(bytes: Uint8Array | ArrayBuffer, opts: ReadOptions, kind: ArtifactKind): { at: string; tensors: Map<string, F32Tensor>; common: CommonMeta; r: MetaReader } {
  const at = where(opts.source);
  const { file, tensors } = readFloatFile(bytes, opts);
  const { common, r } = readCommon(file.metadata, kind, at);
  return { at, tensors, common, r };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function expectShape(name: string, t: F32Tensor, shape: readonly number[], at: string): void {
  if (!sameShape(t.shape, shape)) {
    throw new ArtifactError('shape-mismatch', `${at}tensor "${name}" has shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(shape)}`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) {
    throw new ArtifactError('shape-mismatch', `${at}tensor "${name}" holds ${t.data.length} values, but shape ${JSON.stringify(shape)} needs ${n}`);
  }
}

export function expectFinite(name: string, data: Float32Array, at: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new ArtifactError('non-finite', `${at}tensor "${name}" holds ${data[i]} at flat index ${i}; weights must be finite`);
    }
  }
}

/** Fails on tensors other than `allowed`, so a mislabelled file is not half-used. */
export function expectOnly(tensors: ReadonlyMap<string, unknown>, allowed: ReadonlySet<string>, at: string): void {
  for (const name of tensors.keys()) {
    if (!allowed.has(name)) {
      throw new ArtifactError('shape-mismatch', `${at}unexpected tensor "${name}" (this file may hold: ${[...allowed].join(', ')})`);
    }
  }
}

export function requireTensor<T>(tensors: ReadonlyMap<string, T>, name: string, at: string): T {
  const t = tensors.get(name);
  if (t === undefined) throw new ArtifactError('shape-mismatch', `${at}tensor "${name}" is missing`);
  return t;
}
