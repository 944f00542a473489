// The three phases as objectives for TrainLoop:
//   PT  - a soft prompt [P, d] per task, init N(0, 0.02), summed label-smoothed NLL.
//   MSF - the prompt autoencoder over many tasks' trained prompts: LM loss with the reconstructed
//         prompt + alpha * mean((rec - prompt)^2); batches mix tasks, each example with its own task's prompt.
//   IST - a d_I vector z through the frozen Proj_b: LM loss with prompt = Proj_b(z).
// and the baselines: FT (every weight), multi-task PT and FT (Table IV), and Random_all (§V-A: a d
// vector z moving every weight through a random Fastfood projection, no prompt).
import * as tf from '@tensorflow/tfjs';
import { Bart, type DropoutKey } from '../model/bart';
import { makeBatch, type MakeBatchOptions } from '../model/batch';
import { labelSmoothedNllSum } from '../model/loss';
import { PromptAutoencoder, istLoss, msfLoss } from '../subspace/autoencoder';
import { FastfoodSubspace } from '../subspace/fastfood';
import type { Example, TaskData } from '../../shared/tasks/types';
import type { FtConfig, IstConfig, LoopConfig, MsfConfig, PtConfig, RandomAllConfig } from '../../shared/tuning/config';
import { bucket, encodeExample, maxInputLength, type EncodedExample } from '../../shared/tuning/data';
import type { TextCodec } from '../../shared/tokenizer/index';
import { evaluateSet, type EvalOptions } from './evaluate';
import { TrainLoop, type Objective } from './loop';
import { Rng } from '../../shared/random';

/** Shared by every phase: the frozen model and how text becomes ids. */
export interface ModelContext {
  readonly model: Bart;
  readonly codec: TextCodec;
  /** Prefix inputs with " [task] " (reference: yes). */
  readonly taskPrefix?: boolean;
}

export const evalOptions = (c: LoopConfig, e: ModelContext): EvalOptions => ({
  numBeams: c.numBeams, maxNewTokens: c.maxNewTokens, decoding: c.decoding, evalBatchSize: c.evalBatchSize,
  maxInputTokens: c.maxInputTokens, maxTargetTokens: c.maxTargetTokens, taskPrefix: e.taskPrefix, ...(c.data ? { data: c.data } : {}),
});

/** A phase's training examples as ids; under the reference's conventions MSF and IST targets start with a space. */
function encodeAll(e: ModelContext, task: string, examples: readonly Example[], c: LoopConfig, P: number, phase: 'pt' | 'msf' | 'ist' | 'ft' | 'random_all'): EncodedExample[] {
  const reference = c.data === 'reference';
  const lim = { maxInputTokens: c.maxInputTokens, maxTargetTokens: c.maxTargetTokens, promptTokens: P, taskPrefix: e.taskPrefix, conventions: c.data, targetSpace: reference && (phase === 'msf' || phase === 'ist') };
  return examples.map((ex) => encodeExample(e.codec, e.model.config, task, ex, lim));
}

/** How a batch of a phase pads: inputs and targets to a length bucket under the phase's caps. */
export function batchPadding(e: ModelContext, items: readonly EncodedExample[], c: LoopConfig, P: number): MakeBatchOptions {
  const cap = maxInputLength(e.model.config, { maxInputTokens: c.maxInputTokens, maxTargetTokens: c.maxTargetTokens, promptTokens: P, conventions: c.data });
  return {
    padTo: {
      input: bucket(Math.max(...items.map((x) => x.input.length)), cap),
      target: bucket(Math.max(...items.map((x) => x.target.length)), Math.max(c.maxTargetTokens, ...items.map((x) => x.target.length))),
    },
  };
}

// ------------------------------------------------------------------------------------------ PT

/**
 * An objective whose whole effect on the frozen model is the prompt it feeds each row (plus, for
 * MSF, a loss term of its own): runs of such objectives can share a forward pass (group.ts).
 */
export interface RowPromptObjective<E extends EncodedExample = EncodedExample> extends Objective<E> {
  readonly ctx: ModelContext;
  readonly config: LoopConfig;
  readonly promptTokens: number;
  /**
   * The prompt for `items`: one [P, d] for all, or one per item [n, P, d]; and a loss term of the
   * run's own, added to its summed NLL. Differentiable in the run's trainable variables.
   */
  rowPrompts(items: readonly E[]): { prompt: tf.Tensor2D | tf.Tensor3D; extra?: tf.Scalar };
}

export class PromptTuningObjective implements RowPromptObjective {
  readonly phase = 'pt' as const;
  readonly prompt: tf.Variable; // [P, d]
  readonly trainable: tf.Variable[];

  constructor(readonly ctx: ModelContext, readonly task: TaskData, readonly config: PtConfig, seed: number, init?: Float32Array) {
    const P = config.promptTokens;
    const d = ctx.model.config.dModel;
    if (init && init.length !== P * d) throw new RangeError(`PT "${task.name}": initial prompt has ${init.length} values, expected ${P}x${d}`);
    // The reference initialises prompt embeddings from N(0, 0.02); ours is seeded per (task run) seed.
    const data = init ?? new Rng(seed).normalArray(P * d, config.initStd);
    const t = tf.tensor2d(data, [P, d]);
    this.prompt = tf.variable(t, true);
    t.dispose();
    this.trainable = [this.prompt];
  }

  get promptTokens(): number { return this.config.promptTokens; }

  rowPrompts(): { prompt: tf.Tensor2D } { return { prompt: this.prompt as tf.Tensor2D }; }

  loss(items: readonly EncodedExample[], dropout?: DropoutKey): tf.Scalar {
    const batch = makeBatch(this.ctx.model.config, items, batchPadding(this.ctx, items, this.config, this.config.promptTokens));
    return labelSmoothedNllSum(this.ctx.model.logits(batch, this.prompt as tf.Tensor2D, dropout), batch.labels, this.ctx.model.config.padTokenId, this.config.labelSmoothing);
  }

  async evaluate(): Promise<number> {
    return (await evaluateSet(this.ctx.model, this.ctx.codec, { task: this.task.name, metric: this.task.metric, examples: this.task.dev }, this.prompt as tf.Tensor2D, evalOptions(this.config, this.ctx))).score;
  }

  dispose(): void { this.prompt.dispose(); }
}

export function promptTuningLoop(ctx: ModelContext, task: TaskData, config: PtConfig, seed: number, init?: Float32Array): { loop: TrainLoop<EncodedExample>; objective: PromptTuningObjective } {
  const objective = new PromptTuningObjective(ctx, task, config, seed, init);
  const loop = new TrainLoop(objective, encodeAll(ctx, task.name, task.train, config, config.promptTokens, 'pt'), config, seed);
  return { loop, objective };
}

/**
 * Multi-task PT (the reference's run_multitask.py with --do_prompt; the paper's Table IV): one prompt
 * trained on every task's examples, shuffled together, each with its own task prefix; its dev score
 * is the mean of the tasks' dev scores (each with its own metric).
 */
export class MultiTaskPromptObjective extends PromptTuningObjective {
  constructor(ctx: ModelContext, readonly tasks: readonly TaskData[], config: PtConfig, seed: number) {
    super(ctx, { name: tasks.map((t) => t.name).join('+'), metric: tasks[0]!.metric, train: [], dev: [], test: [] }, config, seed);
  }

  override async evaluate(): Promise<number> {
    let sum = 0;
    for (const t of this.tasks) {
      sum += (await evaluateSet(this.ctx.model, this.ctx.codec, { task: t.name, metric: t.metric, examples: t.dev }, this.prompt as tf.Tensor2D, evalOptions(this.config, this.ctx))).score;
    }
    return sum / this.tasks.length;
  }
}

export function multiTaskPromptLoop(ctx: ModelContext, tasks: readonly TaskData[], config: PtConfig, seed: number): { loop: TrainLoop<EncodedExample>; objective: MultiTaskPromptObjective } {
  if (!tasks.length) throw new RangeError('multi-task PT needs at least one task');
  const objective = new MultiTaskPromptObjective(ctx, tasks, config, seed);
  const examples = tasks.flatMap((t) => encodeAll(ctx, t.name, t.train, config, config.promptTokens, 'pt'));
  return { loop: new TrainLoop(objective, examples, config, seed), objective };
}

// ----------------------------------------------------------------------------------------- MSF

export interface MsfTask extends TaskData {
  /** The task's trained PT prompt, [P * d] row-major. */
  readonly prompt: Float32Array;
}

export interface MsfExample extends EncodedExample {
  readonly taskIndex: number;
}

export class SubspaceObjective implements RowPromptObjective<MsfExample> {
  readonly phase = 'msf' as const;
  readonly ae: PromptAutoencoder;
  readonly trainable: tf.Variable[];
  private readonly prompts: tf.Tensor3D; // [nTasks, P, d], constant

  constructor(readonly ctx: ModelContext, readonly tasks: readonly MsfTask[], readonly config: MsfConfig, readonly promptTokens: number, readonly intrinsicDim: number, seed: number) {
    const d = ctx.model.config.dModel;
    tasks.forEach((t) => {
      if (t.prompt.length !== promptTokens * d) throw new RangeError(`MSF: task "${t.name}" prompt has ${t.prompt.length} values, expected ${promptTokens}x${d}`);
    });
    if (tasks.length === 0) throw new RangeError('MSF: no training tasks');
    this.ae = new PromptAutoencoder({ promptTokens, dModel: d, intrinsicDim, hidden: config.hidden, seed });
    this.trainable = this.ae.variables();
    const flat = new Float32Array(tasks.length * promptTokens * d);
    tasks.forEach((t, i) => flat.set(t.prompt, i * promptTokens * d));
    this.prompts = tf.tensor3d(flat, [tasks.length, promptTokens, d]);
  }

  loss(items: readonly MsfExample[], dropout?: DropoutKey): tf.Scalar {
    const batch = makeBatch(this.ctx.model.config, items, batchPadding(this.ctx, items, this.config, this.promptTokens));
    return msfLoss(this.ctx.model, this.ae, batch, this.taskPrompts(items), { alpha: this.config.alpha, epsilon: this.config.labelSmoothing, dropout }).loss;
  }

  /** Each item's own task's trained prompt [B, P, d]. */
  private taskPrompts(items: readonly MsfExample[]): tf.Tensor3D {
    return tf.gather(this.prompts, tf.tensor1d(items.map((x) => x.taskIndex), 'int32')) as tf.Tensor3D;
  }

  /** msfLoss's parts for a shared step: the reconstructed prompts, and alpha x the reconstruction MSE. */
  rowPrompts(items: readonly MsfExample[]): { prompt: tf.Tensor3D; extra: tf.Scalar } {
    const prompt = this.taskPrompts(items);
    const recon = this.ae.reconstruct(prompt);
    return { prompt: recon, extra: recon.sub(prompt).square().mean().mul(this.config.alpha) as tf.Scalar };
  }

  /** Reconstruction of a prompt [P * d] through the autoencoder. */
  reconstruct(prompt: Float32Array): tf.Tensor2D {
    return tf.tidy(() => this.ae.reconstruct(tf.tensor2d(prompt, [this.promptTokens, this.ctx.model.config.dModel])));
  }

  /** Mean squared reconstruction error over the training prompts. */
  reconstructionError(): number {
    return tf.tidy(() => this.ae.reconstruct(this.prompts).sub(this.prompts).square().mean().dataSync()[0]!);
  }

  /** Per-task dev score with the reconstructed prompt. */
  async devScores(split: 'dev' | 'test' = 'dev', tasks: readonly MsfTask[] = this.tasks): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of tasks) {
      const rec = this.reconstruct(t.prompt);
      try {
        out[t.name] = (await evaluateSet(this.ctx.model, this.ctx.codec, { task: t.name, metric: t.metric, examples: t[split] }, rec, evalOptions(this.config, this.ctx))).score;
      } finally {
        rec.dispose();
      }
    }
    return out;
  }

  /** Model selection: the mean dev score over the training tasks. */
  async evaluate(): Promise<number> {
    const s = Object.values(await this.devScores('dev'));
    return s.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) / s.length;
  }

  dispose(): void {
    this.ae.dispose();
    this.prompts.dispose();
  }
}

export function subspaceLoop(ctx: ModelContext, tasks: readonly MsfTask[], config: MsfConfig, promptTokens: number, intrinsicDim: number, seed: number): { loop: TrainLoop<MsfExample>; objective: SubspaceObjective } {
  const objective = new SubspaceObjective(ctx, tasks, config, promptTokens, intrinsicDim, seed);
  const examples: MsfExample[] = [];
  tasks.forEach((t, taskIndex) => {
    for (const e of encodeAll(ctx, t.name, t.train, config, promptTokens, 'msf')) examples.push({ ...e, taskIndex });
  });
  return { loop: new TrainLoop(objective, examples, config, seed), objective };
}

// ----------------------------------------------------------------------------------------- IST

export class IntrinsicObjective implements RowPromptObjective {
  readonly phase = 'ist' as const;
  readonly z: tf.Variable; // [d_I]
  readonly trainable: tf.Variable[];

  /** `ae` is only read (Proj_b); the caller owns and disposes it. */
  constructor(readonly ctx: ModelContext, readonly ae: PromptAutoencoder, readonly task: TaskData, readonly config: IstConfig, seed: number) {
    const t = tf.tensor1d(new Rng(seed).normalArray(ae.intrinsicDim, config.initStd));
    this.z = tf.variable(t, true);
    t.dispose();
    this.trainable = [this.z];
  }

  get promptTokens(): number { return this.ae.promptTokens; }

  rowPrompts(): { prompt: tf.Tensor2D } { return { prompt: this.ae.decode(this.z as tf.Tensor1D) }; }

  loss(items: readonly EncodedExample[], dropout?: DropoutKey): tf.Scalar {
    const batch = makeBatch(this.ctx.model.config, items, batchPadding(this.ctx, items, this.config, this.ae.promptTokens));
    return istLoss(this.ctx.model, this.ae, batch, this.z as tf.Tensor1D, { epsilon: this.config.labelSmoothing, dropout });
  }

  prompt(): tf.Tensor2D {
    return tf.tidy(() => this.ae.decode(this.z as tf.Tensor1D));
  }

  async score(split: 'dev' | 'test'): Promise<number> {
    const p = this.prompt();
    try {
      return (await evaluateSet(this.ctx.model, this.ctx.codec, { task: this.task.name, metric: this.task.metric, examples: this.task[split] }, p, evalOptions(this.config, this.ctx))).score;
    } finally {
      p.dispose();
    }
  }

  evaluate(): Promise<number> { return this.score('dev'); }

  dispose(): void { this.z.dispose(); }
}

export function intrinsicLoop(ctx: ModelContext, ae: PromptAutoencoder, task: TaskData, config: IstConfig, seed: number): { loop: TrainLoop<EncodedExample>; objective: IntrinsicObjective } {
  const objective = new IntrinsicObjective(ctx, ae, task, config, seed);
  return { loop: new TrainLoop(objective, encodeAll(ctx, task.name, task.train, config, ae.promptTokens, 'ist'), config, seed), objective };
}

// ------------------------------------------------------------------------------------------ FT

/**
 * Full fine-tuning baseline: every weight of `model` trains, no prompt. `model` must be built with
 * Bart.fromTensors(..., { trainable: true }) and belongs to this objective (dispose() frees it).
 * Only one trainable model can exist at a time (its variables are named after the weights).
 */
export class FineTuneObjective implements Objective<EncodedExample> {
  readonly phase = 'ft' as const;
  readonly trainable: tf.Variable[];
  readonly ctx: ModelContext;
  /** run_singletask.py: no decay for the weights whose name holds one of config.noDecay. */
  readonly decays: readonly boolean[];

  constructor(model: Bart, codec: TextCodec, readonly task: TaskData, readonly config: FtConfig, taskPrefix?: boolean) {
    const named = [...model.namedWeights()];
    this.trainable = model.variables();
    if (this.trainable.length === 0) throw new RangeError('fine-tuning needs a model built with { trainable: true }');
    const nameOf = new Map(named.map(([name, t]) => [t, name] as const));
    this.decays = this.trainable.map((v) => !(config.noDecay ?? []).some((part) => nameOf.get(v)!.includes(part)));
    this.ctx = { model, codec, taskPrefix };
  }

  loss(items: readonly EncodedExample[], dropout?: DropoutKey): tf.Scalar {
    const batch = makeBatch(this.ctx.model.config, items, batchPadding(this.ctx, items, this.config, 0));
    return labelSmoothedNllSum(this.ctx.model.logits(batch, null, dropout), batch.labels, this.ctx.model.config.padTokenId, this.config.labelSmoothing);
  }

  /** The model's score on a split of its task, or of another one (multi-task FT scores every task). */
  async score(split: 'dev' | 'test', task: TaskData = this.task): Promise<number> {
    return (await evaluateSet(this.ctx.model, this.ctx.codec, { task: task.name, metric: task.metric, examples: task[split] }, null, evalOptions(this.config, this.ctx))).score;
  }

  evaluate(): Promise<number> { return this.score('dev'); }

  dispose(): void { this.ctx.model.dispose(); }
}

/**
 * Multi-task FT (the reference's run_multitask.py without --do_prompt; the paper's Table IV): every
 * weight trained on every task's examples, shuffled together, each with its own task prefix; its dev
 * score is the mean of the tasks' dev scores (each with its own metric), as multi-task PT's.
 */
export class MultiTaskFineTuneObjective extends FineTuneObjective {
  constructor(model: Bart, codec: TextCodec, readonly tasks: readonly TaskData[], config: FtConfig, taskPrefix?: boolean) {
    super(model, codec, { name: tasks.map((t) => t.name).join('+'), metric: tasks[0]!.metric, train: [], dev: [], test: [] }, config, taskPrefix);
  }

  override async evaluate(): Promise<number> {
    let sum = 0;
    for (const t of this.tasks) sum += await this.score('dev', t);
    return sum / this.tasks.length;
  }
}

export function multiTaskFineTuneLoop(model: Bart, codec: TextCodec, tasks: readonly TaskData[], config: FtConfig, seed: number, taskPrefix?: boolean): { loop: TrainLoop<EncodedExample>; objective: MultiTaskFineTuneObjective } {
  if (!tasks.length) throw new RangeError('multi-task FT needs at least one task');
  const objective = new MultiTaskFineTuneObjective(model, codec, tasks, config, taskPrefix);
  const examples = tasks.flatMap((t) => encodeAll(objective.ctx, t.name, t.train, config, 0, 'ft'));
  return { loop: new TrainLoop(objective, examples, config, seed), objective };
}

export function fineTuneLoop(model: Bart, codec: TextCodec, task: TaskData, config: FtConfig, seed: number, taskPrefix?: boolean): { loop: TrainLoop<EncodedExample>; objective: FineTuneObjective } {
  const objective = new FineTuneObjective(model, codec, task, config, taskPrefix);
  return { loop: new TrainLoop(objective, encodeAll(objective.ctx, task.name, task.train, config, 0, 'ft'), config, seed), objective };
}

// ---------------------------------------------------------------------------------- Random_all

/**
 * §V-A's Random_all (the reference's run_singletask.py --do_said, Tune_said.sh): z [dim], init 0,
 * moves every weight of the frozen model, theta = theta0 + Fastfood(z) (src/engine/subspace/fastfood.ts);
 * no prompt. Each loss builds the model over theta(z) (Bart.over), so the gradient reaches z
 * through every weight; evaluation builds it once per call.
 */
export class RandomAllObjective implements Objective<EncodedExample> {
  readonly phase = 'random_all' as const;
  readonly z: tf.Variable; // [dim]
  readonly trainable: tf.Variable[];
  readonly subspace: FastfoodSubspace;

  /** `seed` draws the subspace (as the random-subspace baseline's Proj_b, a seed of its own). */
  constructor(readonly ctx: ModelContext, readonly task: TaskData, readonly config: RandomAllConfig, seed: number) {
    this.subspace = new FastfoodSubspace(ctx.model.namedWeights(), { dim: config.dim, seed });
    this.z = tf.variable(tf.zeros([config.dim]), true);
    this.trainable = [this.z];
  }

  /** The model at the current z; the caller disposes it (its weights are new tensors), or a tf.tidy around it does. */
  model(): Bart {
    return Bart.over(this.ctx.model.config, this.subspace.weights(this.z as tf.Tensor1D));
  }

  loss(items: readonly EncodedExample[], dropout?: DropoutKey): tf.Scalar {
    const batch = makeBatch(this.ctx.model.config, items, batchPadding(this.ctx, items, this.config, 0));
    return labelSmoothedNllSum(this.model().logits(batch, null, dropout), batch.labels, this.ctx.model.config.padTokenId, this.config.labelSmoothing);
  }

  async score(split: 'dev' | 'test'): Promise<number> {
    const m = this.model();
    try {
      return (await evaluateSet(m, this.ctx.codec, { task: this.task.name, metric: this.task.metric, examples: this.task[split] }, null, evalOptions(this.config, this.ctx))).score;
    } finally {
      m.dispose();
    }
  }

  evaluate(): Promise<number> { return this.score('dev'); }

  dispose(): void {
    this.z.dispose();
    this.subspace.dispose();
  }
}

export function randomAllLoop(ctx: ModelContext, task: TaskData, config: RandomAllConfig, seed: number): { loop: TrainLoop<EncodedExample>; objective: RandomAllObjective } {
  const objective = new RandomAllObjective(ctx, task, config, seed);
  return { loop: new TrainLoop(objective, encodeAll(ctx, task.name, task.train, config, 0, 'random_all'), config, seed), objective };
}
