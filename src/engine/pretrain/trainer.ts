// The pre-training loop as an object with explicit state (step, optimiser moments, sampler RNG),
// so the same code runs in the CLI and in a worker, and a run can stop, checkpoint and resume to
// the exact same numbers. Full-parameter training of every BART weight with AdamW on the mean
// token cross-entropy of the denoising (and optional supervised) pairs.
import * as tf from '@tensorflow/tfjs';
import { Bart } from '../model/bart';
import { makeBatch, disposeBatch } from '../model/batch';
import type { BartConfig } from '../../shared/model/config';
import { meanCrossEntropy } from '../model/loss';
import type { Tensor } from '../../shared/weights/safetensors';
import type { RunRecord, JsonValue, StoredTensor } from '../../shared/study/runStore';
import { AdamW, clipByGlobalNorm } from '../tuning/adamw';
import { lrAt } from '../../shared/tuning/config';
import { bucket } from '../../shared/tuning/data';
import type { RngState } from '../../shared/random';
import type { TextCodec } from '../../shared/tokenizer/index';
import { taskPrefixed } from '../../shared/tasks/transform';
import { trainByteLevelBpe, type TrainedTokenizer } from '../../shared/tokenizer/train';
import type { PretrainCorpus } from './corpus';
import { type EncodedCorpus, encodeCorpus, PairSampler, sentenceEndIds, type SpecialIds, specialIdsOf, type TokenPair } from './data';
import { initBartWeights, tinyBartConfig, tinyBartConfigJson, type TinyBartShape, type TinyBartSizes } from './init';

/** The model's sizes (TinyBartSizes) and how it is trained. */
export interface PretrainConfig extends TinyBartSizes {
  /** Seeds the weights, the data stream and the validation split. */
  readonly seed: number;
  /** Tokenizer size asked of the BPE trainer (specials, 256 bytes and <mask> included). */
  readonly vocabSize: number;
  readonly maxSourceTokens: number;
  readonly maxTargetTokens: number;
  readonly batchSize: number;
  readonly totalSteps: number;
  readonly warmupSteps: number;
  readonly lr: number;
  readonly weightDecay: number;
  readonly maxGradNorm: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly adamEps: number;
  /** BART: 0.3 of tokens masked in Poisson(3) spans; sentences always permuted. */
  readonly maskRatio: number;
  readonly poissonLambda: number;
  readonly permuteProbability: number;
  /** Share of rows that are supervised " [task] input" -> output pairs (0 = pure denoising). */
  readonly supervisedFraction: number;
  /** Every n-th document is held out for the validation loss. */
  readonly validationEvery: number;
  /** Validation pairs (drawn once, fixed for the run). */
  readonly validationPairs: number;
}

/**
 * Proposed defaults for the embedded model: small enough to pre-train on a laptop CPU with the
 * wasm backend in a few hours (see README.md for measured step times), big enough to be a
 * real encoder-decoder. BART-style optimisation: AdamW (0.9, 0.98), eps 1e-6, wd 0.01, clip 1.0,
 * linear warm-up then linear decay.
 */
export const PRETRAIN_DEFAULTS: PretrainConfig = {
  seed: 1,
  vocabSize: 1024,
  dModel: 192,
  layers: 3,
  heads: 4,
  ffnDim: 768,
  maxPositions: 256,
  maxSourceTokens: 128,
  maxTargetTokens: 128,
  batchSize: 16,
  totalSteps: 6000,
  warmupSteps: 300,
  lr: 1e-3,
  weightDecay: 0.01,
  maxGradNorm: 1,
  beta1: 0.9,
  beta2: 0.98,
  adamEps: 1e-6,
  maskRatio: 0.3,
  poissonLambda: 3,
  permuteProbability: 1,
  supervisedFraction: 0,
  validationEvery: 50,
  validationPairs: 64,
};

function checkPretrainConfig(c: PretrainConfig): void {
  const posInt = ['vocabSize', 'dModel', 'layers', 'heads', 'ffnDim', 'maxPositions', 'maxSourceTokens', 'maxTargetTokens', 'batchSize', 'totalSteps', 'validationEvery', 'validationPairs'] as const;
  for (const k of posInt) if (!Number.isInteger(c[k]) || c[k] <= 0) throw new RangeError(`pretrain config: ${k} must be a positive integer, got ${c[k]}`);
  if (c.dModel % c.heads !== 0) throw new RangeError(`pretrain config: dModel ${c.dModel} is not divisible by heads ${c.heads}`);
  if (c.maxSourceTokens > c.maxPositions || c.maxTargetTokens > c.maxPositions) {
    throw new RangeError(`pretrain config: maxSourceTokens/maxTargetTokens (${c.maxSourceTokens}/${c.maxTargetTokens}) exceed maxPositions ${c.maxPositions}`);
  }
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0) throw new RangeError(`pretrain config: warmupSteps must be >= 0, got ${c.warmupSteps}`);
  if (!(c.lr > 0)) throw new RangeError(`pretrain config: lr must be > 0, got ${c.lr}`);
}

export interface StepLog {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly gradNorm: number;
  readonly ms: number;
  readonly tokens: number;
}

/** The BPE tokenizer of the run, trained on exactly the text the model will see. */
export function trainPretrainTokenizer(corpus: Pick<PretrainCorpus, 'documents' | 'supervised'>, c: PretrainConfig): TrainedTokenizer {
  const texts: string[] = [...corpus.documents];
  for (const e of corpus.supervised) texts.push(taskPrefixed(e.task, e.input), e.output);
  return trainByteLevelBpe(texts, { vocabSize: c.vocabSize, minFrequency: 2, modelMaxLength: c.maxPositions });
}

/** The shape of the model this run trains: the config's sizes, the tokenizer's vocabulary and ids. */
function modelShape(c: PretrainConfig, codec: TextCodec): TinyBartShape {
  const s = specialIdsOf(codec);
  return {
    vocabSize: codec.vocabSize, dModel: c.dModel, layers: c.layers, heads: c.heads, ffnDim: c.ffnDim,
    maxPositions: c.maxPositions, bosTokenId: s.bos, padTokenId: s.pad, eosTokenId: s.eos,
  };
}

/** config.json of the model this run trains, for a tokenizer with these ids. */
export function pretrainConfigJson(c: PretrainConfig, codec: TextCodec): Record<string, unknown> {
  return tinyBartConfigJson(modelShape(c, codec));
}

/**
 * Tokenises the corpus and holds out every `validationEvery`-th document; the validation pairs are
 * drawn once from those documents with their own seed, so they are the same in every resumed run.
 */
export function buildPretrainerInit(config: PretrainConfig, codec: TextCodec, corpus: Pick<PretrainCorpus, 'documents' | 'supervised'>): PretrainerInit {
  checkPretrainConfig(config);
  const bartConfig = tinyBartConfig(modelShape(config, codec));
  const specials = specialIdsOf(codec);
  const encoded = encodeCorpus(codec, corpus, config);
  const isVal = (i: number) => i % config.validationEvery === config.validationEvery - 1;
  const train: EncodedCorpus = { documents: encoded.documents.filter((_, i) => !isVal(i)), supervised: encoded.supervised };
  const valDocs: EncodedCorpus = { documents: encoded.documents.filter((_, i) => isVal(i)), supervised: [] };
  const sentenceEnds = sentenceEndIds(codec);
  const validation = valDocs.documents.length === 0 ? [] : new PairSampler(valDocs, specials, {
    maskTokenId: specials.mask, maskRatio: config.maskRatio, poissonLambda: config.poissonLambda, sentenceEndIds: sentenceEnds,
    permuteProbability: config.permuteProbability, maxSourceTokens: config.maxSourceTokens, maxTargetTokens: config.maxTargetTokens, supervisedFraction: 0,
  }, config.seed * 104729 + 3).batch(config.validationPairs);
  return { config, bartConfig, specials, sentenceEnds, train, validation };
}

const W = 'w/';
const M = 'm/';
const V = 'v/';

export interface PretrainerInit {
  readonly config: PretrainConfig;
  readonly bartConfig: BartConfig;
  readonly specials: SpecialIds;
  readonly sentenceEnds: readonly number[];
  readonly train: EncodedCorpus;
  readonly validation: readonly TokenPair[];
}

export class Pretrainer {
  private stepCount: number;
  private readonly names: string[];
  private readonly vars: tf.Variable[];
  private readonly adam: AdamW;
  private readonly sampler: PairSampler;

  private constructor(private readonly init: PretrainerInit, readonly model: Bart, step: number, samplerState: number | RngState) {
    const c = init.config;
    this.stepCount = step;
    this.names = [...model.namedWeights().keys()];
    this.vars = this.names.map((n) => model.namedWeights().get(n) as tf.Variable);
    this.adam = new AdamW(this.vars, { lr: c.lr, beta1: c.beta1, beta2: c.beta2, eps: c.adamEps, weightDecay: c.weightDecay });
    this.sampler = new PairSampler(init.train, init.specials, {
      maskTokenId: init.specials.mask, maskRatio: c.maskRatio, poissonLambda: c.poissonLambda,
      sentenceEndIds: init.sentenceEnds, permuteProbability: c.permuteProbability,
      maxSourceTokens: c.maxSourceTokens, maxTargetTokens: c.maxTargetTokens, supervisedFraction: c.supervisedFraction,
    }, samplerState);
  }

  /** A fresh run: weights ~ N(0, 0.02) from config.seed, sampler seeded from it too. */
  static fresh(init: PretrainerInit): Pretrainer {
    checkPretrainConfig(init.config);
    const model = Bart.fromTensors(init.bartConfig, initBartWeights(init.bartConfig, init.config.seed), { trainable: true });
    // A distinct stream for the data, so changing the model size does not change the batches.
    return new Pretrainer(init, model, 0, init.config.seed * 7919 + 17);
  }

  /** Continues a run from a checkpoint written by `checkpoint()`. */
  static resume(init: PretrainerInit, ckpt: RunRecord): Pretrainer {
    checkPretrainConfig(init.config);
    if (ckpt.kind !== 'pretrain') throw new Error(`checkpoint "${ckpt.key}" is a "${ckpt.kind}" checkpoint, not "pretrain"`);
    const saved = JSON.stringify(ckpt.meta.config);
    if (saved !== JSON.stringify(init.config)) {
      throw new Error(`checkpoint "${ckpt.key}" was written with another pre-training config:\n  saved ${saved}\n  now   ${JSON.stringify(init.config)}`);
    }
    const weights = new Map<string, Tensor>();
    for (const [k, t] of Object.entries(ckpt.tensors)) if (k.startsWith(W)) weights.set(k.slice(W.length), { dtype: 'F32', shape: t.shape, data: t.data });
    const model = Bart.fromTensors(init.bartConfig, weights, { trainable: true });
    const rng = ckpt.meta.samplerState as unknown as RngState;
    const p = new Pretrainer(init, model, ckpt.step, rng);
    const missing = p.names.filter((n) => !ckpt.tensors[M + n] || !ckpt.tensors[V + n]);
    if (missing.length > 0) {
      p.dispose();
      throw new Error(`checkpoint "${ckpt.key}" lacks optimiser moments for ${missing.length} weights, e.g. "${missing[0]}"`);
    }
    p.adam.setState({
      step: ckpt.meta.adamStep as number,
      m: p.names.map((n) => ckpt.tensors[M + n]!.data),
      v: p.names.map((n) => ckpt.tensors[V + n]!.data),
    });
    return p;
  }

  get step(): number {
    return this.stepCount;
  }

  get done(): boolean {
    return this.stepCount >= this.init.config.totalSteps;
  }

  private batchOf(pairs: readonly TokenPair[]) {
    const c = this.init.config;
    const inLen = Math.max(...pairs.map((p) => p.input.length));
    const tLen = Math.max(...pairs.map((p) => p.target.length));
    // Few distinct shapes: lengths rounded up to multiples of 8.
    return makeBatch(this.init.bartConfig, pairs, { padTo: { input: bucket(inLen, c.maxSourceTokens), target: bucket(tLen, c.maxTargetTokens) } });
  }

  /** One optimiser step on a fresh batch. */
  async trainStep(): Promise<StepLog> {
    const c = this.init.config;
    const t0 = performance.now();
    const pairs = this.sampler.batch(c.batchSize);
    const lr = lrAt(this.stepCount, { lr: c.lr, warmupSteps: c.warmupSteps, totalSteps: c.totalSteps, schedule: 'linear' });
    const batch = this.batchOf(pairs);
    const pad = this.init.bartConfig.padTokenId;
    const { value, grads } = tf.variableGrads(() => meanCrossEntropy(this.model.logits(batch, null), batch.labels, pad), this.vars);
    const ordered = this.vars.map((v) => grads[v.name]!);
    const { clipped, norm } = clipByGlobalNorm(ordered, c.maxGradNorm);
    this.adam.applyGradients(clipped, lr);
    const [loss, gradNorm] = await Promise.all([value.data(), norm.data()]);
    tf.dispose([value, norm, ...clipped, ...Object.values(grads)]);
    disposeBatch(batch);
    this.stepCount++;
    const tokens = pairs.reduce((a, p) => a + p.target.length - 1, 0);
    return { step: this.stepCount, loss: loss[0]!, lr, gradNorm: gradNorm[0]!, ms: performance.now() - t0, tokens };
  }

  /** Mean token cross-entropy on the fixed validation pairs (no gradient). */
  async validationLoss(chunk = 16): Promise<number> {
    const pairs = this.init.validation;
    if (pairs.length === 0) return Number.NaN;
    let sum = 0;
    let count = 0;
    const pad = this.init.bartConfig.padTokenId;
    for (let i = 0; i < pairs.length; i += chunk) {
      const part = pairs.slice(i, i + chunk);
      const batch = this.batchOf(part);
      const n = part.reduce((a, p) => a + p.target.length, 0);
      const l = tf.tidy(() => meanCrossEntropy(this.model.logits(batch, null), batch.labels, pad));
      sum += (await l.data())[0]! * n;
      count += n;
      l.dispose();
      disposeBatch(batch);
    }
    return sum / count;
  }

  /** Weights under Hugging Face names (for model.safetensors). */
  async weights(): Promise<Map<string, Tensor>> {
    const out = new Map<string, Tensor>();
    for (let i = 0; i < this.names.length; i++) {
      const v = this.vars[i]!;
      out.set(this.names[i]!, { dtype: 'F32', shape: [...v.shape], data: Float32Array.from(await v.data() as Float32Array) });
    }
    return out;
  }

  /** Everything needed to continue exactly: weights, AdamW moments, step, sampler RNG, config. */
  async checkpoint(key: string, extraMeta: Readonly<Record<string, JsonValue>> = {}): Promise<RunRecord> {
    const tensors: Record<string, StoredTensor> = {};
    for (const [n, t] of await this.weights()) tensors[W + n] = { shape: t.shape, data: t.data as Float32Array };
    const st = await this.adam.getState();
    this.names.forEach((n, i) => {
      const shape = [...this.vars[i]!.shape];
      tensors[M + n] = { shape, data: st.m[i]! };
      tensors[V + n] = { shape, data: st.v[i]! };
    });
    return {
      key,
      kind: 'pretrain',
      step: this.stepCount,
      savedAt: new Date().toISOString(),
      meta: {
        ...extraMeta,
        config: JSON.parse(JSON.stringify(this.init.config)) as JsonValue,
        samplerState: [...this.sampler.getState()],
        adamStep: st.step,
      },
      tensors,
    };
  }

  dispose(): void {
    this.adam.dispose();
    this.model.dispose();
  }
}
