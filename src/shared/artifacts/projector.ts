// Projector bundles: the MSF autoencoder's Proj_b (and optionally Proj) in one safetensors file,
// with the intrinsic vectors and categories of the tasks it was trained on, so another user can
// tune a d_I-dim vector through it (IST) or place their own vector on the map.
//
// The autoencoder (paper, Sec. MSF; reference code AE_type 1), in PyTorch Linear layout [out, in]:
//   Proj   = W1, b1 : flatten(prompt) [P*d] -> z [d_I]
//   Proj_b = W2, b2 : z [d_I] -> h [hidden], then tanh
//            W3, b3 : h [hidden] -> prompt [P*d]
// Three naming schemes for the same six tensors:
//   autoencoder (PromptAutoencoder.toTensors): W1 b1 W2 b2 W3 b3
//   reference code:                             prompt_W1.weight prompt_W1.bias ... prompt_W3.bias
//   bundle file:                                proj.weight proj.bias proj_b.0.* proj_b.2.*
// The bundle's names are those of torch.nn.Sequential(Linear, Tanh, Linear) so a PyTorch user can
// load `proj_b.*` into such a module directly.

import { parseSafetensors, writeSafetensors, type Tensor, type WritableTensor } from '../weights/safetensors';
import { fetchArtifactBytes, type CappedFetchOptions } from './download';
import { ArtifactError, wrapSafetensorsError } from './errors';
import type { ModelIdentity } from './identity';
import { checkIdentity, where, writeCommon, type CommonMeta, type IdentityCheck } from './metadata';
import { expectFinite, expectOnly, expectShape, readArtifactFile, requireTensor, type F32Tensor, type ReadOptions } from './tensors';

export type ProjectorParam = 'W1' | 'b1' | 'W2' | 'b2' | 'W3' | 'b3';
export const PROJECTOR_PARAMS: readonly ProjectorParam[] = ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'];

export const BUNDLE_NAMES: Readonly<Record<ProjectorParam, string>> = {
  W1: 'proj.weight',
  b1: 'proj.bias',
  W2: 'proj_b.0.weight',
  b2: 'proj_b.0.bias',
  W3: 'proj_b.2.weight',
  b3: 'proj_b.2.bias',
};

export const REFERENCE_NAMES: Readonly<Record<ProjectorParam, string>> = {
  W1: 'prompt_W1.weight',
  b1: 'prompt_W1.bias',
  W2: 'prompt_W2.weight',
  b2: 'prompt_W2.bias',
  W3: 'prompt_W3.weight',
  b3: 'prompt_W3.bias',
};

/** Training tasks' intrinsic vectors, one row per task in `tasks` order: [T, d_I]. */
export const INTRINSIC_VECTORS_NAME = 'intrinsic_vectors';

/** Proj_b always; Proj (W1, b1) only when the bundle should also map prompts into the subspace. */
export interface ProjectorWeights {
  readonly W1?: F32Tensor;
  readonly b1?: F32Tensor;
  readonly W2: F32Tensor;
  readonly b2: F32Tensor;
  readonly W3: F32Tensor;
  readonly b3: F32Tensor;
}

export interface ProjectorDims {
  /** Prompt length P (tokens). */
  readonly promptLength: number;
  /** d_model, the width of one prompt token. */
  readonly dModel: number;
  /** d_I. */
  readonly intrinsicDim: number;
  /** Width of Proj_b's hidden layer (768 in the paper). */
  readonly hiddenSize: number;
}

export interface TrainingTask {
  readonly name: string;
  /** Category shown on the map (e.g. CrossFit's "classification"); "" when unknown. */
  readonly category: string;
  /** z = Proj(flatten(prompt)) of the task's tuned prompt, length d_I. */
  readonly vector: Float32Array;
}

export interface ProjectorBundle {
  readonly modelId: string;
  readonly configSha256: string;
  readonly dims: ProjectorDims;
  readonly weights: ProjectorWeights;
  readonly tasks: readonly TrainingTask[];
  readonly seed: number | null;
  /** App version that wrote the file ("unknown" for files without one). */
  readonly appVersion: string;
  /** The resolved MSF training config, free-form JSON; undefined when not recorded. */
  readonly trainConfig?: unknown;
}

export function hasProj(w: ProjectorWeights): w is ProjectorWeights & { W1: F32Tensor; b1: F32Tensor } {
  return w.W1 !== undefined && w.b1 !== undefined;
}

/** The shapes each parameter must have for `dims`. */
export function projectorShapes(d: ProjectorDims): Record<ProjectorParam, number[]> {
  const flat = d.promptLength * d.dModel;
  return {
    W1: [d.intrinsicDim, flat],
    b1: [d.intrinsicDim],
    W2: [d.hiddenSize, d.intrinsicDim],
    b2: [d.hiddenSize],
    W3: [flat, d.hiddenSize],
    b3: [flat],
  };
}

/** Shape and finiteness checks shared by export and import; `at` prefixes messages. */
export function validateProjectorWeights(w: ProjectorWeights, dims: ProjectorDims, at = '', names: Readonly<Record<ProjectorParam, string>> = BUNDLE_NAMES): void {
  if ((w.W1 === undefined) !== (w.b1 === undefined)) {
    throw new ArtifactError('shape-mismatch', `${at}Proj needs both "${names.W1}" and "${names.b1}", or neither`);
  }
  const shapes = projectorShapes(dims);
  for (const p of PROJECTOR_PARAMS) {
    const t = w[p];
    if (t === undefined) continue;
    expectShape(names[p], t, shapes[p], at);
    expectFinite(names[p], t.data, at);
  }
}

/** Reads d_I, hidden size and P*d off the tensors' shapes (W2: [hidden, d_I], W3: [P*d, hidden]). */
export function inferProjectorDims(w: ProjectorWeights, dModel: number, at = ''): ProjectorDims {
  const [hidden, dI] = w.W2.shape;
  const [flat] = w.W3.shape;
  if (w.W2.shape.length !== 2 || w.W3.shape.length !== 2 || hidden === undefined || dI === undefined || flat === undefined) {
    throw new ArtifactError('shape-mismatch', `${at}Proj_b weights must be matrices, got W2 ${JSON.stringify(w.W2.shape)} and W3 ${JSON.stringify(w.W3.shape)}`);
  }
  if (dModel <= 0 || flat % dModel !== 0 || flat === 0) {
    throw new ArtifactError('shape-mismatch', `${at}Proj_b outputs ${flat} values, not a whole number of ${dModel}-wide prompt tokens`);
  }
  return { promptLength: flat / dModel, dModel, intrinsicDim: dI, hiddenSize: hidden };
}

// ---- naming schemes ---------------------------------------------------------------------------

type NamedTensors = ReadonlyMap<string, F32Tensor | Tensor> | Readonly<Record<string, F32Tensor | Tensor | WritableTensor>>;

function entriesOf(t: NamedTensors): [string, F32Tensor | Tensor | WritableTensor][] {
  return t instanceof Map ? [...t.entries()] : Object.entries(t);
}

function asF32(name: string, t: F32Tensor | Tensor | WritableTensor, at: string): F32Tensor {
  if ('dtype' in t && t.dtype !== undefined && t.dtype !== 'F32') {
    throw new ArtifactError('unsupported-dtype', `${at}tensor "${name}" is ${t.dtype}; projector weights are float32`);
  }
  return { shape: [...t.shape], data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data) };
}

/**
 * Picks the projector's tensors out of a state dict named in `scheme`. Reference-code state
 * dicts may carry a module prefix ("model.prompt_W1.weight"), so those names also match as a
 * dotted suffix; other tensors (the rest of a checkpoint) are ignored. Shapes are not checked
 * here: pass the result to validateProjectorWeights.
 */
export function projectorFromNamed(tensors: NamedTensors, scheme: 'autoencoder' | 'reference' | 'bundle', source?: string): ProjectorWeights {
  const at = where(source);
  const names = scheme === 'autoencoder' ? (Object.fromEntries(PROJECTOR_PARAMS.map((p) => [p, p])) as Record<ProjectorParam, string>) : scheme === 'reference' ? REFERENCE_NAMES : BUNDLE_NAMES;
  const all = entriesOf(tensors);
  const found: Partial<Record<ProjectorParam, F32Tensor>> = {};
  for (const p of PROJECTOR_PARAMS) {
    const want = names[p];
    const hits = all.filter(([n]) => n === want || (scheme === 'reference' && n.endsWith(`.${want}`)));
    if (hits.length > 1) {
      throw new ArtifactError('shape-mismatch', `${at}several tensors match "${want}": ${hits.map(([n]) => n).join(', ')}`);
    }
    if (hits[0]) found[p] = asF32(hits[0][0], hits[0][1], at);
  }
  for (const p of ['W2', 'b2', 'W3', 'b3'] as const) {
    if (!found[p]) throw new ArtifactError('shape-mismatch', `${at}Proj_b tensor "${names[p]}" is missing`);
  }
  return found as ProjectorWeights;
}

/**
 * Reads the projector out of a safetensors file saved from the reference code (names
 * `prompt_W1.weight` ... `prompt_W3.bias`, optionally under a module prefix; the rest of the file is
 * ignored). The file has no Intrinsic Lab metadata, so the caller supplies d_model; the result is
 * shape- and NaN-checked and can go straight into encodeProjectorBundle.
 */
export function readReferenceProjector(bytes: Uint8Array | ArrayBuffer, opts: { dModel: number; source?: string; maxHeaderBytes?: number }): { weights: ProjectorWeights; dims: ProjectorDims } {
  const at = where(opts.source);
  let file: ReturnType<typeof parseSafetensors>;
  try {
    // Full checkpoints have headers of tens of kB; the artifact limit would be too tight here.
    file = parseSafetensors(bytes, { source: opts.source, maxHeaderBytes: opts.maxHeaderBytes });
  } catch (e) {
    wrapSafetensorsError(e);
  }
  const weights = projectorFromNamed(file.tensors, 'reference', opts.source);
  const dims = inferProjectorDims(weights, opts.dModel, at);
  validateProjectorWeights(weights, dims, at, REFERENCE_NAMES);
  return { weights, dims };
}

/** The weights under `scheme`'s names, sharing the data arrays (no copy). */
export function projectorToNamed(w: ProjectorWeights, scheme: 'autoencoder' | 'reference' | 'bundle'): Record<string, F32Tensor> {
  const out: Record<string, F32Tensor> = {};
  for (const p of PROJECTOR_PARAMS) {
    const t = w[p];
    if (t === undefined) continue;
    const name = scheme === 'autoencoder' ? p : scheme === 'reference' ? REFERENCE_NAMES[p] : BUNDLE_NAMES[p];
    out[name] = t;
  }
  return out;
}

// ---- the bundle file --------------------------------------------------------------------------

export interface ProjectorBundleInput {
  readonly identity: ModelIdentity;
  readonly promptLength: number;
  readonly weights: ProjectorWeights;
  readonly tasks?: readonly TrainingTask[];
  readonly seed?: number | null;
  readonly trainConfig?: unknown;
}

/** Validates and serialises a bundle. Tensors are written as F32, so a round trip is bitwise. */
export function encodeProjectorBundle(input: ProjectorBundleInput): Uint8Array {
  const dims = inferProjectorDims(input.weights, input.identity.dModel);
  if (dims.promptLength !== input.promptLength) {
    throw new ArtifactError('shape-mismatch', `Proj_b outputs ${dims.promptLength} tokens of width ${dims.dModel}, but the prompt length is ${input.promptLength}`);
  }
  validateProjectorWeights(input.weights, dims);
  const tasks = input.tasks ?? [];
  const seen = new Set<string>();
  for (const t of tasks) {
    if (seen.has(t.name)) throw new ArtifactError('bad-metadata', `task "${t.name}" is listed twice`);
    seen.add(t.name);
    if (t.vector.length !== dims.intrinsicDim) {
      throw new ArtifactError('intrinsic-dim-mismatch', `task "${t.name}" has an intrinsic vector of length ${t.vector.length}, but d_I is ${dims.intrinsicDim}`);
    }
    expectFinite(`${INTRINSIC_VECTORS_NAME}[${t.name}]`, t.vector, '');
  }

  const tensors: Record<string, WritableTensor> = projectorToNamed(input.weights, 'bundle');
  if (tasks.length > 0) {
    const z = new Float32Array(tasks.length * dims.intrinsicDim);
    tasks.forEach((t, i) => z.set(t.vector, i * dims.intrinsicDim));
    tensors[INTRINSIC_VECTORS_NAME] = { shape: [tasks.length, dims.intrinsicDim], data: z };
  }
  const meta = writeCommon('projector', input.identity, input.seed);
  meta.prompt_length = String(dims.promptLength);
  meta.intrinsic_dim = String(dims.intrinsicDim);
  meta.hidden_size = String(dims.hiddenSize);
  meta.has_proj = hasProj(input.weights) ? 'true' : 'false';
  meta.tasks = JSON.stringify(tasks.map((t) => t.name));
  meta.task_categories = JSON.stringify(tasks.map((t) => t.category));
  if (input.trainConfig !== undefined) meta.train_config = JSON.stringify(input.trainConfig);
  return writeSafetensors(tensors, meta);
}

export interface ProjectorImportOptions extends ReadOptions, IdentityCheck {
  /** Reject a bundle whose d_I differs (e.g. when a share link's vector has this length). */
  readonly expectIntrinsicDim?: number;
}

/**
 * Parses and fully validates a bundle file. Throws ArtifactError (never anything else for bad
 * bytes): corrupt/truncated files, unknown dtypes, oversized headers, missing or extra tensors,
 * shapes that disagree with the metadata, NaN/Inf, another model (unless overridden), a d_I other
 * than `expectIntrinsicDim`.
 */
export function decodeProjectorBundle(bytes: Uint8Array | ArrayBuffer, opts: ProjectorImportOptions = {}): ProjectorBundle {
  const { at, tensors, common, r } = readArtifactFile(bytes, opts, 'projector');
  const dims: ProjectorDims = {
    promptLength: r.int('prompt_length'),
    dModel: common.dModel,
    intrinsicDim: r.int('intrinsic_dim'),
    hiddenSize: r.int('hidden_size'),
  };
  const taskNames = r.stringList('tasks');
  const categories = r.stringList('task_categories');
  if (categories.length !== taskNames.length) {
    throw new ArtifactError('bad-metadata', `${at}${taskNames.length} tasks but ${categories.length} task categories`);
  }
  if (new Set(taskNames).size !== taskNames.length) throw new ArtifactError('bad-metadata', `${at}a task is listed twice in "tasks"`);
  const trainConfig = r.optionalJson('train_config');

  const allowed = new Set<string>(Object.values(BUNDLE_NAMES));
  if (taskNames.length > 0) allowed.add(INTRINSIC_VECTORS_NAME);
  expectOnly(tensors, allowed, at);
  const weights = {} as Record<ProjectorParam, F32Tensor>;
  for (const p of ['W2', 'b2', 'W3', 'b3'] as const) weights[p] = requireTensor(tensors, BUNDLE_NAMES[p], at);
  for (const p of ['W1', 'b1'] as const) {
    const t = tensors.get(BUNDLE_NAMES[p]);
    if (t) weights[p] = t;
  }
  validateProjectorWeights(weights, dims, at);

  const vectorsTensor = taskNames.length > 0 ? requireTensor(tensors, INTRINSIC_VECTORS_NAME, at) : undefined;
  const tasks: TrainingTask[] = [];
  if (vectorsTensor) {
    expectShape(INTRINSIC_VECTORS_NAME, vectorsTensor, [taskNames.length, dims.intrinsicDim], at);
    expectFinite(INTRINSIC_VECTORS_NAME, vectorsTensor.data, at);
    taskNames.forEach((name, i) =>
      tasks.push({ name, category: categories[i]!, vector: vectorsTensor.data.slice(i * dims.intrinsicDim, (i + 1) * dims.intrinsicDim) }),
    );
  }

  checkIdentity(common, opts, at);
  if (opts.expectIntrinsicDim !== undefined && opts.expectIntrinsicDim !== dims.intrinsicDim) {
    throw new ArtifactError('intrinsic-dim-mismatch', `${at}the projector has d_I = ${dims.intrinsicDim}, but ${opts.expectIntrinsicDim} was expected`);
  }
  return { modelId: common.modelId, configSha256: common.configSha256, dims, weights, tasks, seed: common.seed, appVersion: common.appVersion, trainConfig };
}

/** The fields of a decoded bundle that describe it, without tensors (for listings). */
export function describeProjector(b: ProjectorBundle): CommonMeta & ProjectorDims & { tasks: string[]; hasProj: boolean } {
  return {
    modelId: b.modelId,
    configSha256: b.configSha256,
    seed: b.seed,
    appVersion: b.appVersion,
    ...b.dims,
    tasks: b.tasks.map((t) => t.name),
    hasProj: hasProj(b.weights),
  };
}

export interface FetchOptions extends ProjectorImportOptions, CappedFetchOptions {}

/** Loads a bundle from bytes or downloads it from a URL, then decodes it as decodeProjectorBundle does. */
export async function loadProjectorBundle(input: Uint8Array | ArrayBuffer | string, opts: FetchOptions = {}): Promise<ProjectorBundle> {
  if (typeof input !== 'string') return decodeProjectorBundle(input, opts);
  const bytes = await fetchArtifactBytes(input, opts);
  return decodeProjectorBundle(bytes, { ...opts, source: opts.source ?? input });
}

// ---- pure decode ------------------------------------------------------------------------------

/**
 * Proj_b applied to one intrinsic vector: W3 tanh(W2 z + b2) + b3, reshaped by the caller to
 * [P, d]. Dot products accumulate in float64 and round to float32 once, so the result depends only
 * on the weights and z (the same bits on every machine): it is the reference for "an imported
 * projector gives the same prompt", not a replacement for the engine's batched tfjs path.
 */
export function decodeIntrinsicVector(w: ProjectorWeights, z: Float32Array): Float32Array {
  const [hidden, dI] = w.W2.shape as [number, number];
  const [flat] = w.W3.shape as [number, number];
  if (z.length !== dI) throw new ArtifactError('intrinsic-dim-mismatch', `intrinsic vector has length ${z.length}, but the projector's d_I is ${dI}`);
  const pre = matVec(w.W2.data, hidden, dI, z);
  const h = Float32Array.from(pre, (s, j) => Math.tanh(Math.fround(s + w.b2.data[j]!)));
  const sums = matVec(w.W3.data, flat, hidden, h);
  return Float32Array.from(sums, (s, i) => s + w.b3.data[i]!);
}

/** w [rows, cols] (row-major) times x, each dot product accumulated in float64 and not rounded. */
function matVec(w: Float32Array, rows: number, cols: number, x: Float32Array): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const row = r * cols;
    for (let c = 0; c < cols; c++) s += w[row + c]! * x[c]!;
    out[r] = s;
  }
  return out;
}

/** Proj applied to a flattened prompt [P*d]: z = W1 p + b1 (float64 accumulation, as above). */
export function projectPrompt(w: ProjectorWeights, prompt: Float32Array): Float32Array {
  if (!hasProj(w)) throw new ArtifactError('shape-mismatch', 'this projector has no Proj (W1, b1): it cannot map prompts into the subspace');
  const [dI, flat] = w.W1.shape as [number, number];
  if (prompt.length !== flat) throw new ArtifactError('shape-mismatch', `prompt has ${prompt.length} values, Proj expects ${flat}`);
  const sums = matVec(w.W1.data, dI, flat, prompt);
  return Float32Array.from(sums, (s, k) => s + w.b1.data[k]!);
}
