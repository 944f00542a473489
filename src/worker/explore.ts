// Explore requests: tune an intrinsic vector for the user's own task through a shared projector
// (IST: only z trains, Proj_b is frozen) and decode a vector's prompt to see what the model says.
import * as tf from '@tensorflow/tfjs';
import { ArtifactError, decodeProjectorBundle, projectorToNamed, sha256Hex, type ProjectorBundle } from '../shared/artifacts/index';
import { PromptAutoencoder } from '../engine/subspace/autoencoder';
import { PRESETS, resolvePhases } from '../shared/tuning/config';
import { predict } from '../engine/tuning/evaluate';
import { runLoop } from '../engine/tuning/loop';
import { evalOptions, intrinsicLoop } from '../engine/tuning/phases';
import type { TaskData } from '../shared/tasks/types';
import { EngineError } from '../protocol/errors';
import type { TuneVectorParams, TuneVectorProgress, TuneVectorResult, WalkParams, WalkResult } from '../protocol/messages';
import type { RequestContext } from './host';
import { requireModel, type LoadedModel } from './model';

/** One projector at a time stays built: slider moves re-send the same bytes. */
let cached: { key: string; bundle: ProjectorBundle; ae: PromptAutoencoder } | null = null;

/**
 * The projector the request names, built once per file. The file is identified by the SHA-256 of
 * all its bytes: any cheaper identity lets a different bundle run with the previous one's weights.
 * A bundle made for another model (id or config.json hash) is refused unless the request carries
 * allowModelMismatch: the width may fit while the prompts mean nothing to this model.
 */
async function projector(
  method: string, bytes: Uint8Array, loaded: LoadedModel, allowModelMismatch: boolean | undefined, claimedSha256: string | undefined,
): Promise<{ bundle: ProjectorBundle; ae: PromptAutoencoder }> {
  if (!(bytes instanceof Uint8Array)) throw new EngineError('BAD_REQUEST', `${method}: projector must be the bundle file's bytes (Uint8Array)`);
  // The UI hashes a file once when it opens it; a request that names the built one skips the hash
  // (a slider move re-sends the bytes). A build always hashes, and checks the name it was given.
  let built = claimedSha256 !== undefined && cached?.key === claimedSha256 ? cached : null;
  if (!built) {
    const key = await sha256Hex(bytes);
    if (claimedSha256 !== undefined && claimedSha256 !== key) throw new EngineError('BAD_REQUEST', `${method}: the projector's bytes do not match the SHA-256 sent with them`);
    built = cached?.key === key ? cached : build(method, bytes, key, loaded);
  }
  checkWidth(method, built.bundle, loaded);
  checkModel(method, built.bundle, loaded, allowModelMismatch === true);
  return built;
}

function build(method: string, bytes: Uint8Array, key: string, loaded: LoadedModel): { key: string; bundle: ProjectorBundle; ae: PromptAutoencoder } {
  let bundle: ProjectorBundle;
  try {
    bundle = decodeProjectorBundle(bytes);
  } catch (e) {
    if (e instanceof ArtifactError) throw new EngineError('BAD_REQUEST', `${method}: projector bundle: ${e.message}`);
    throw e;
  }
  checkWidth(method, bundle, loaded);
  const d = loaded.model.config.dModel;
  const named = projectorToNamed(bundle.weights, 'autoencoder');
  const { promptLength: P, intrinsicDim: dI } = bundle.dims;
  // Proj (W1, b1) is optional in a bundle and unused here (IST and decoding only need Proj_b).
  named.W1 ??= { shape: [dI, P * d], data: new Float32Array(dI * P * d) };
  named.b1 ??= { shape: [dI], data: new Float32Array(dI) };
  const tensors = new Map(Object.entries(named).map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: v.data }]));
  const ae = PromptAutoencoder.fromTensors(tensors, { promptTokens: P, dModel: d });
  cached?.ae.dispose();
  cached = { key, bundle, ae };
  return cached;
}

/** Checked on every request: the model may have been replaced since the projector was built. */
function checkWidth(method: string, bundle: ProjectorBundle, loaded: LoadedModel): void {
  const d = loaded.model.config.dModel;
  if (bundle.dims.dModel !== d) {
    throw new EngineError('BAD_REQUEST', `${method}: the projector makes prompts of width ${bundle.dims.dModel}, but the loaded model "${loaded.id}" has d_model ${d}`);
  }
}

function checkModel(method: string, bundle: ProjectorBundle, loaded: LoadedModel, allow: boolean): void {
  if (allow) return;
  const want = loaded.identity;
  if (bundle.modelId !== want.modelId) {
    throw new EngineError('MODEL_MISMATCH', `${method}: this projector was made for model "${bundle.modelId}", but "${want.modelId}" is loaded; use it anyway only if you know the two are compatible`);
  }
  if (bundle.configSha256 !== want.configSha256) {
    throw new EngineError('MODEL_MISMATCH', `${method}: this projector was made for a "${bundle.modelId}" whose config.json hashes to ${bundle.configSha256.slice(0, 12)}…, but the loaded "${want.modelId}" hashes to ${want.configSha256.slice(0, 12)}…; use it anyway only if you know the two are compatible`);
  }
}

export async function tuneVector(params: TuneVectorParams, context: RequestContext<TuneVectorProgress>): Promise<TuneVectorResult> {
  const loaded = requireModel('tuneVector');
  const { ae } = await projector('tuneVector', params.projector, loaded, params.allowModelMismatch, params.projectorSha256);
  const examples = params.examples ?? [];
  if (examples.length < 2) throw new EngineError('BAD_REQUEST', `tuneVector: examples needs at least 2 lines (one to train on, one to check), got ${examples.length}`);
  if (!Number.isInteger(params.steps) || params.steps < 1 || params.steps > 100_000) throw new EngineError('BAD_REQUEST', `tuneVector: steps must be an integer in 1..100000, got ${params.steps}`);
  if (!(params.lr > 0)) throw new EngineError('BAD_REQUEST', `tuneVector: lr must be positive, got ${params.lr}`);
  const task = params.task?.trim() || 'my_task';
  const nDev = Math.max(1, Math.floor(examples.length / 4));
  const data: TaskData = {
    name: task,
    metric: 'ACC',
    train: examples.slice(0, examples.length - nDev),
    dev: examples.slice(examples.length - nDev),
    test: examples.slice(examples.length - nDev),
  };
  const base = resolvePhases(PRESETS.browser).ist;
  const config = { ...base, totalSteps: params.steps, lr: params.lr, warmupSteps: 0, schedule: 'constant' as const, evalEvery: Math.max(1, Math.ceil(params.steps / 4)), batchSize: Math.min(base.batchSize, data.train.length) };
  const { loop, objective } = intrinsicLoop({ model: loaded.model, codec: loaded.codec, taskPrefix: true }, ae, data, config, params.seed ?? 1);
  try {
    await runLoop(loop, {
      // A macrotask before every step, so a cancel can arrive between steps on any backend.
      onYield: () => context.checkpoint('between tuning steps'),
      onProgress: (p) => context.progress({ step: p.step, totalSteps: p.totalSteps, loss: p.loss, ...(p.devScore === undefined ? {} : { devScore: p.devScore }) }),
    });
    loop.loadBest();
    return { vector: Array.from(await objective.z.data()), devScore: loop.bestScore, steps: loop.step };
  } finally {
    loop.dispose();
    objective.dispose();
  }
}

export async function walkSubspace(params: WalkParams): Promise<WalkResult> {
  const loaded = requireModel('walkSubspace');
  const { bundle, ae } = await projector('walkSubspace', params.projector, loaded, params.allowModelMismatch, params.projectorSha256);
  const dI = bundle.dims.intrinsicDim;
  if (!Array.isArray(params.vector) || params.vector.length !== dI || params.vector.some((v) => !Number.isFinite(v))) {
    throw new EngineError('BAD_REQUEST', `walkSubspace: vector must be ${dI} finite numbers (the projector's d_I)`);
  }
  if (!Array.isArray(params.inputs) || params.inputs.length === 0 || params.inputs.length > 32) throw new EngineError('BAD_REQUEST', 'walkSubspace: inputs must hold 1..32 strings');
  const t0 = performance.now();
  const prompt = tf.tidy(() => ae.decode(tf.tensor1d(params.vector)));
  try {
    const o = evalOptions({ ...resolvePhases(PRESETS.browser).ist, numBeams: 1, maxNewTokens: params.maxNewTokens ?? 16 }, { model: loaded.model, codec: loaded.codec, taskPrefix: true });
    const outputs = await predict(loaded.model, loaded.codec, params.task || 'my_task', params.inputs.map((input) => ({ input, outputs: [''] })) /* predict encodes a target; it is not used */, prompt, o);
    return { outputs, ms: performance.now() - t0 };
  } finally {
    prompt.dispose();
  }
}
