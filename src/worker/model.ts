// The loaded model of the engine worker: loading (any source, through the IndexedDB weight cache),
// what is loaded, the cache itself, and "try the model" generation. Other handlers (tuning, studies)
// reach the model with requireModel().
import * as tf from '@tensorflow/tfjs';
import { Bart, ModelWeightsError } from '../engine/model/bart';
import { ConfigError, type BartConfig } from '../shared/model/config';
import { generate } from '../engine/model/decode';
import { assertTokenizerFits, loadTokenizer, TokenizerError, type TextCodec } from '../shared/tokenizer/index';
import { weightsDigest } from '../shared/weights/digest';
import { describeSource, loadModelFiles, parseCacheKey, sourceBaseUrl, SafetensorsError, WeightsError, type ModelSource } from '../shared/weights/index';
import { modelIdentity, type ModelIdentity } from '../shared/artifacts/identity';
import { EngineError, type ErrorCode } from '../protocol/errors';
import type {
  BackendName,
  CacheDeleteParams,
  CacheListResult,
  GenerateParams,
  GenerateResult,
  LoadModelParams,
  LoadModelProgress,
  ModelSourceSpec,
  ModelSummary,
} from '../protocol/messages';
import { WeightCache } from '../storage/weightCache';
import type { RequestContext } from './host';

export interface LoadedModel {
  readonly id: string;
  readonly model: Bart;
  readonly codec: TextCodec;
  readonly config: BartConfig;
  readonly summary: ModelSummary;
  /** What artifacts record as their model (id + config.json hash), to refuse another model's. */
  readonly identity: ModelIdentity;
  /**
   * A fresh trainable copy of the model, for the full fine-tuning baseline; null for a model
   * over FINE_TUNE_MAX_WEIGHTS, whose weights are not kept twice.
   */
  readonly trainable: (() => Bart) | null;
  /** SHA-256 of the weights (shared/weights/digest.ts): part of every study unit's key. */
  readonly weightsDigest: string;
}

/**
 * Fine-tuning needs the weights again (a trainable copy per run), so the worker keeps their JS
 * copy for models up to this many weights: the embedded model (1.2M) yes, bart-base (140M, 560 MB
 * more) no; it is fine-tuned headless (`ipt`).
 */
export const FINE_TUNE_MAX_WEIGHTS = 16_000_000;

let current: LoadedModel | null = null;
let cachePromise: Promise<WeightCache> | null = null;

/** The loaded model, or a NO_MODEL error that tells the user what to do. */
export function requireModel(method: string): LoadedModel {
  if (!current) throw new EngineError('NO_MODEL', `${method}: no model is loaded; load one on the Model screen first`);
  return current;
}

/** One cache per worker, opened on first use (a failure is retried on the next call). */
function weightCache(): Promise<WeightCache> {
  cachePromise ??= WeightCache.open().catch((e: unknown) => {
    cachePromise = null;
    throw e;
  });
  return cachePromise;
}

function toCoreSource(spec: ModelSourceSpec): ModelSource {
  switch (spec?.kind) {
    case 'embedded':
      if (typeof spec.name !== 'string' || !/^[\w.-]+$/.test(spec.name)) throw bad('source.name must be a folder name');
      return { kind: 'embedded', name: spec.name };
    case 'hub':
      if (typeof spec.id !== 'string' || spec.id.trim() === '') throw bad('source.id must be a Hub model id such as facebook/bart-base');
      return {
        kind: 'hub',
        id: spec.id.trim(),
        ...(spec.base ? { base: spec.base } : {}),
        ...(spec.revision ? { revision: spec.revision } : {}),
      };
    case 'url':
      if (typeof spec.baseUrl !== 'string' || spec.baseUrl === '') throw bad('source.baseUrl must be a URL');
      return { kind: 'url', baseUrl: spec.baseUrl };
    case 'files':
      if (!Array.isArray(spec.files) || spec.files.length === 0) throw bad('source.files must hold the picked files');
      return { kind: 'files', files: spec.files };
    default:
      throw bad(`source.kind must be embedded, hub, url or files, got ${JSON.stringify((spec as { kind?: unknown } | null)?.kind)}`);
  }
}

function bad(detail: string): EngineError {
  return new EngineError('BAD_REQUEST', `loadModel: ${detail}`);
}

function modelIdOf(source: ModelSource, appBase: string, digest?: string): string {
  switch (source.kind) {
    case 'hub':
      return `hub:${source.id}${source.revision && source.revision !== 'main' ? `@${source.revision}` : ''}`;
    case 'embedded':
      return `embedded:${source.name}`;
    case 'url':
      return `url:${sourceBaseUrl(source, appBase)}`;
    case 'files': {
      const weights = source.files.find((f) => f.name.endsWith('.safetensors'));
      return `files:${weights?.name ?? 'model'}:${digest ?? `${weights?.size ?? 0}`}`;
    }
  }
}

/** WeightsError / config / tokenizer failures as protocol errors the UI can explain. */
function toEngineError(e: unknown): unknown {
  if (e instanceof EngineError) return e;
  if (e instanceof WeightsError) {
    const code: ErrorCode =
      e.code === 'aborted' ? 'CANCELLED'
      : e.code === 'not-found' || e.code === 'refused-url' ? 'NOT_FOUND'
      : e.code === 'weights-mismatch' || e.code === 'bad-json' || e.code === 'non-finite' ? 'BAD_MODEL'
      : e.code === 'quota' ? 'QUOTA'
      : e.code === 'network' || e.code === 'http-status' || e.code === 'truncated' ? 'NETWORK'
      : 'INTERNAL';
    return new EngineError(code, e.message, code === 'CANCELLED' ? 'AbortError' : e.name);
  }
  if (e instanceof ConfigError || e instanceof TokenizerError || e instanceof ModelWeightsError || e instanceof SafetensorsError) {
    return new EngineError('BAD_MODEL', e.message, e.name);
  }
  return e;
}

function summarizeConfig(c: BartConfig): ModelSummary['config'] {
  return {
    encoderLayers: c.encoderLayers,
    decoderLayers: c.decoderLayers,
    dModel: c.dModel,
    heads: c.encoderAttentionHeads,
    ffnDim: c.encoderFfnDim,
    vocabSize: c.vocabSize,
    maxPositions: c.maxPositionEmbeddings,
  };
}

export async function loadModel(params: LoadModelParams, context: RequestContext<LoadModelProgress>): Promise<ModelSummary> {
  if (typeof params?.appBase !== 'string') throw bad('appBase must be the page URL (location.href)');
  const source = toCoreSource(params.source);
  const start = performance.now();
  let cache: WeightCache | undefined;
  const warnings: string[] = [];
  if (source.kind !== 'files') {
    try {
      cache = await weightCache();
    } catch (e) {
      // Private windows can refuse IndexedDB: the model still loads, just not cached.
      warnings.push(`the weight cache is unavailable, so nothing is cached: ${(e as Error).message}`);
    }
  }
  try {
    await context.checkpoint('before it started');
    const files = await loadModelFiles(source, {
      appBase: params.appBase,
      signal: context.signal,
      ...(cache ? { cache } : {}),
      ...(params.revalidate ? { revalidate: true } : {}),
      onProgress: (p) => context.progress({ stage: p.phase, file: p.file, loaded: p.loaded, total: p.total }),
    });
    await context.checkpoint('after the files were read');
    const codec = await loadTokenizer(files.tokenizerJson, files.tokenizerConfigJson);
    assertTokenizerFits(codec, files.config);
    // Every source's weights by content (study keys); a picked file's id carries it too.
    const contentDigest = await weightsDigest(files.weights);
    const digest = source.kind === 'files' ? contentDigest : undefined;
    const identity = await modelIdentity(modelIdOf(source, params.appBase, digest), files.configJson);
    const count = files.weights.size;
    context.progress({ stage: 'build', file: 'model.safetensors', loaded: 0, total: count });
    // The previous model goes first: two bart-base copies would double the memory for a moment.
    disposeCurrent();
    const model = Bart.fromTensors(files.config, files.weights);
    let floats = 0;
    for (const w of files.weights.values()) floats += w.data.length;
    const kept = floats <= FINE_TUNE_MAX_WEIGHTS ? new Map(files.weights) : null;
    const config = files.config;
    // The raw Float32Arrays are now copies inside TF.js; drop ours so they can be collected (a small model's stay, for fine-tuning).
    files.weights.clear();
    context.progress({ stage: 'build', file: 'model.safetensors', loaded: count, total: count });
    let params_ = 0;
    for (const t of model.namedWeights().values()) params_ += t.size;
    const id = modelIdOf(source, params.appBase, digest);
    const summary: ModelSummary = {
      modelId: id,
      configSha256: identity.configSha256,
      source: describeSource(source),
      config: summarizeConfig(files.config),
      params: params_,
      fromCache: [...files.fromCache],
      warnings: [...warnings, ...files.warnings],
      backend: tf.getBackend() as BackendName,
      loadMs: performance.now() - start,
    };
    current = { id, model, codec, config: files.config, summary, identity, trainable: kept ? () => Bart.fromTensors(config, kept, { trainable: true }) : null, weightsDigest: contentDigest };
    return summary;
  } catch (e) {
    throw toEngineError(e);
  }
}

function disposeCurrent(): void {
  current?.model.dispose();
  current = null;
}

export async function modelInfo(): Promise<ModelSummary | null> {
  return current ? { ...current.summary, backend: tf.getBackend() as BackendName } : null;
}

export async function cacheList(): Promise<CacheListResult> {
  const cache = await weightCache().catch((e: unknown) => {
    throw new EngineError('INTERNAL', `the weight cache could not be opened: ${(e as Error).message}`);
  });
  const entries = (await cache.list()).map((info) => {
    const parsed = parseCacheKey(info.key);
    return {
      key: info.key,
      source: parsed?.sourceKey ?? info.key,
      file: parsed?.file ?? info.key,
      size: info.size,
      storedAt: info.storedAt,
    };
  });
  return { entries, totalSize: entries.reduce((s, e) => s + e.size, 0) };
}

export async function cacheDelete(params: CacheDeleteParams): Promise<CacheListResult> {
  const cache = await weightCache();
  if (params && 'all' in params && params.all === true) {
    await cache.clear();
  } else if (params && 'key' in params && typeof params.key === 'string') {
    await cache.delete(params.key);
  } else if (params && 'source' in params && typeof params.source === 'string') {
    for (const info of await cache.list()) {
      if (parseCacheKey(info.key)?.sourceKey === params.source) await cache.delete(info.key);
    }
  } else {
    throw new EngineError('BAD_REQUEST', 'cacheDelete: give {key}, {source} or {all: true}');
  }
  return cacheList();
}

function checkCount(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EngineError('BAD_REQUEST', `generate: ${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

/** Tokenises, decodes with beam search (or greedy) and detokenises, one small batch at a time. */
export async function generateText(params: GenerateParams, context: RequestContext<never>): Promise<GenerateResult> {
  const loaded = requireModel('generate');
  if (!Array.isArray(params?.inputs) || params.inputs.length === 0 || params.inputs.some((s) => typeof s !== 'string')) {
    throw new EngineError('BAD_REQUEST', 'generate: inputs must be a non-empty list of strings');
  }
  if (params.prompt != null) throw new EngineError('BAD_REQUEST', 'generate: prompt must be null (soft prompts are not supported here yet)');
  checkCount('inputs.length', params.inputs.length, 1, 256);
  const numBeams = checkCount('numBeams', params.numBeams ?? 4, 1, 16);
  const maxNewTokens = checkCount('maxNewTokens', params.maxNewTokens ?? 64, 1, 512);
  const positions = Math.min(loaded.config.maxPositionEmbeddings, 512);
  const maxInput = checkCount('maxInputTokens', params.maxInputTokens ?? positions, 2, positions);
  const start = performance.now();
  const outputs: string[] = [];
  const BATCH = 8;
  for (let i = 0; i < params.inputs.length; i += BATCH) {
    await context.checkpoint(`at input ${i + 1} of ${params.inputs.length}`);
    const rows = params.inputs.slice(i, i + BATCH).map((text) => loaded.codec.encode(text, maxInput));
    const T = Math.max(...rows.map((r) => r.length));
    const ids = new Int32Array(rows.length * T).fill(loaded.config.padTokenId);
    const mask = new Int32Array(rows.length * T);
    rows.forEach((row, b) => row.forEach((id, t) => {
      ids[b * T + t] = id;
      mask[b * T + t] = 1;
    }));
    const inputIds = tf.tensor2d(ids, [rows.length, T], 'int32');
    const attentionMask = tf.tensor2d(mask, [rows.length, T], 'int32');
    try {
      const generated = await generate(loaded.model, inputIds, attentionMask, null, { numBeams, maxNewTokens });
      for (const out of generated) outputs.push(loaded.codec.decode(out));
    } finally {
      inputIds.dispose();
      attentionMask.dispose();
    }
  }
  return { outputs, modelId: loaded.id, backend: tf.getBackend() as BackendName, ms: performance.now() - start };
}
