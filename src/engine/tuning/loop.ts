// The training loop as an object with explicit state: step(), evaluate(), checkpoint(), restore().
// A driver (runLoop below, the one driver of the app) decides when to call them, so the same loop
// pauses, resumes and cancels in a Web Worker and in Node. Everything random (batch order) comes from the
// loop's own seeded Rng, whose state is in the checkpoint together with the optimiser moments:
// a run restored from a checkpoint continues bit for bit like one never interrupted.
import * as tf from '@tensorflow/tfjs';
import { variableGrads } from './gradients';
import { AdamW, clipByGlobalNorm } from './adamw';
import type { DropoutKey } from '../model/bart';
import { DIVERGENCE, lrAt, type LoopConfig } from '../../shared/tuning/config';
import { Rng, type RngState } from '../../shared/random';
import type { JsonValue, StoredTensor } from '../../shared/study/runStore';

export type PhaseName = 'pt' | 'msf' | 'ist' | 'ft' | 'random_all';

/** What a phase plugs into the loop. */
export interface Objective<E> {
  readonly phase: PhaseName;
  /** Trained variables, in a fixed order (checkpoints refer to them by index). */
  readonly trainable: readonly tf.Variable[];
  /**
   * Loss to minimise on a batch (summed over target tokens, as the reference). Called under
   * tf.variableGrads. `dropout`: a training pass with the model's dropout (config.dropout 'config').
   */
  loss(items: readonly E[], dropout?: DropoutKey): tf.Scalar;
  /** Dev score with the current variables (higher is better). */
  evaluate(): Promise<number>;
  /** Per trainable variable: whether weight decay applies (default: to all). */
  readonly decays?: readonly boolean[];
}

export class NumericalError extends Error {
  constructor(readonly phase: PhaseName, readonly step: number, readonly what: string, readonly value: number) {
    super(`${phase}: ${what} is ${value} at step ${step}; training stopped, the last good state is kept (lower the learning rate or check the inputs)`);
    this.name = 'NumericalError';
  }
}

/** The loss stayed above DIVERGENCE.factor x its start for DIVERGENCE.patience steps (see config.ts). */
export class DivergenceError extends NumericalError {
  constructor(phase: PhaseName, step: number, value: number, readonly startLoss: number) {
    super(phase, step, 'the loss', value);
    this.message = `${phase}: training diverged at step ${step}: the loss has been above ${DIVERGENCE.factor} x its start (${startLoss.toPrecision(4)}) for ${DIVERGENCE.patience} steps (now ${value.toPrecision(4)}); the unit is stopped and its checkpoint from before is kept (lower the learning rate)`;
    this.name = 'DivergenceError';
  }
}

export interface StepResult {
  readonly step: number;
  readonly loss: number;
  readonly gradNorm: number;
  readonly lr: number;
}

/** A step between beginStep and applyStep: its batch, the state to go back to, its dropout masks. */
export interface PendingStep<E> {
  readonly items: E[];
  readonly saved: LoopState;
  readonly dropout?: DropoutKey;
}

export interface LoopState {
  step: number;
  rng: RngState;
  /** Current epoch's example order and the position in it. */
  order: number[];
  cursor: number;
  epoch: number;
  bestScore: number | null;
  bestStep: number | null;
  evalsSinceBest: number;
  /** (step, dev score) of every evaluation. */
  evals: [number, number][];
  /** Training loss of the first step (at the initial parameters), the divergence baseline. */
  startLoss: number | null;
  /** Consecutive steps with a loss above DIVERGENCE.factor x startLoss. */
  highStreak: number;
}

export interface LoopSnapshot {
  readonly meta: { readonly [k: string]: JsonValue };
  readonly tensors: Record<string, StoredTensor>;
}

const copyOf = (v: tf.Variable): StoredTensor => ({ shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });

export class TrainLoop<E> {
  private readonly optimizer: AdamW;
  private state: LoopState;
  private best: StoredTensor[] | null = null;
  /** The loss and gradient norm verifyStep accepted, until applyStep uses them. */
  private lastStep: { loss: number; gradNorm: number } | null = null;

  constructor(
    readonly objective: Objective<E>,
    readonly examples: readonly E[],
    readonly config: LoopConfig,
    readonly seed: number,
  ) {
    if (examples.length === 0) throw new RangeError(`${objective.phase}: no training examples`);
    this.optimizer = new AdamW([...objective.trainable], {
      lr: config.lr, beta1: config.beta1, beta2: config.beta2, eps: config.adamEps, weightDecay: config.weightDecay, decays: objective.decays,
    });
    // The batch-order stream is separate from the init stream (seed + 1), so changing how a phase
    // initialises never reshuffles its batches.
    const rng = new Rng(seed + 1);
    this.state = {
      step: 0, rng: rng.getState(), order: rng.permutation(examples.length), cursor: 0, epoch: 0,
      bestScore: null, bestStep: null, evalsSinceBest: 0, evals: [], startLoss: null, highStreak: 0,
    };
    this.state.rng = rng.getState();
  }

  get step(): number { return this.state.step; }
  get bestScore(): number | null { return this.state.bestScore; }
  get bestStep(): number | null { return this.state.bestStep; }
  get evals(): readonly [number, number][] { return this.state.evals; }
  /** The last step's loss was above the divergence threshold: its state may not be worth keeping. */
  get suspect(): boolean { return this.state.highStreak > 0; }

  /** Finished: all steps done, or no dev improvement for `patience` evaluations. */
  get done(): boolean {
    return this.state.step >= this.config.totalSteps || this.state.evalsSinceBest >= this.config.patience;
  }

  /** True when the driver should evaluate now (every evalEvery steps and at the end). */
  get evalDue(): boolean {
    const s = this.state.step;
    return s > 0 && (s % this.config.evalEvery === 0 || s >= this.config.totalSteps) && this.state.evals.at(-1)?.[0] !== s;
  }

  private nextBatch(): E[] {
    const st = this.state;
    if (st.cursor >= st.order.length) {
      const rng = new Rng(st.rng);
      st.order = rng.permutation(this.examples.length);
      st.rng = rng.getState();
      st.cursor = 0;
      st.epoch++;
    }
    // Like a PyTorch DataLoader without drop_last: the last batch of an epoch may be smaller.
    const idx = st.order.slice(st.cursor, st.cursor + this.config.batchSize);
    st.cursor += idx.length;
    return idx.map((i, slot) => this.drawAnswer(this.examples[i]!, st.step, slot));
  }

  /**
   * An example with several gold answers (encoded with `targets`, LoopConfig.data 'reference')
   * trains on one drawn at random each time it is drawn, as the reference's dataloader does. The
   * draw is a function of (seed, step, slot) alone, so it takes nothing from the batch-order stream
   * and a resumed run repeats it.
   */
  private drawAnswer(e: E, step: number, slot: number): E {
    const all = (e as { targets?: readonly (readonly number[])[] }).targets;
    if (!all || all.length < 2) return e;
    return { ...e, target: all[new Rng(answerSeed(this.seed, step, slot)).int(all.length)]! };
  }

  /** Mean loss at the current weights over the next DIVERGENCE.patience batches of `at`'s order (no update, no RNG drawn). */
  private async initialLoss(at: LoopState): Promise<number> {
    // With dropout, the baseline is measured as training losses are (masks keyed by steps -1, -2, ...
    // that no training step uses), so dropout's extra loss does not read as a divergence.
    const n = Math.min(at.order.length - at.cursor, DIVERGENCE.patience * this.config.batchSize);
    let sum = 0;
    let batches = 0;
    for (let i = 0; i < n; i += this.config.batchSize) {
      const items = at.order.slice(at.cursor + i, at.cursor + Math.min(n, i + this.config.batchSize)).map((j) => this.examples[j]!);
      const value = tf.tidy(() => this.objective.loss(items, this.dropoutKey(-1 - batches)));
      sum += (await value.data())[0]!;
      value.dispose();
      batches++;
    }
    return sum / batches;
  }

  /**
   * The dropout masks of a step, or none (dropout off). They derive from (seed, step) only, and the
   * step is in the checkpoint, so a resumed run repeats them: dropout adds no resumable state.
   */
  private dropoutKey(step: number): DropoutKey | undefined {
    return this.config.dropout === 'config' ? { seed: this.seed, step } : undefined;
  }

  /**
   * One optimiser step. Throws NumericalError (state unchanged) on a NaN/Inf loss or gradient, and
   * DivergenceError (state unchanged) on the step that completes a divergence streak.
   */
  async trainStep(): Promise<StepResult> {
    const pending = this.beginStep();
    const vars = this.objective.trainable;
    const { value, grads } = variableGrads(() => this.objective.loss(pending.items, pending.dropout), [...vars]);
    const gradList = this.gradientsOf(grads);
    const { clipped, norm } = clipByGlobalNorm(gradList, this.config.maxGradNorm);
    try {
      await this.verifyStep(pending, (await value.data())[0]!, (await norm.data())[0]!);
      return this.applyStep(clipped, pending);
    } finally {
      tf.dispose([value, norm, ...gradList, ...clipped]);
    }
  }

  /**
   * The first part of a step (trainStep, or a group's shared step in group.ts): draws the next
   * batch. Until applyStep, the state can go back to `saved` (verifyStep does on failure).
   */
  beginStep(): PendingStep<E> {
    const saved = { ...this.state, order: this.state.order };
    const items = this.nextBatch();
    return { items, saved, dropout: this.dropoutKey(saved.step) };
  }

  /** This loop's gradients, in trainable order, from a variableGrads result. */
  gradientsOf(grads: tf.NamedTensorMap): tf.Tensor[] {
    return this.objective.trainable.map((v) => {
      const g = grads[v.name];
      if (!g) throw new Error(`${this.objective.phase}: no gradient for variable "${v.name}" (is it used by the loss?)`);
      return g;
    });
  }

  /** Checks a step's loss and gradient norm; on failure restores the state before the step and throws. */
  async verifyStep(pending: PendingStep<E>, loss: number, gradNorm: number): Promise<void> {
    const { saved } = pending;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      this.state = saved;
      throw new NumericalError(this.objective.phase, saved.step, Number.isFinite(loss) ? 'the gradient norm' : 'the loss', Number.isFinite(loss) ? gradNorm : loss);
    }
    const st = this.state;
    // The start is the mean loss of the first batches at the initial weights: one batch alone
    // (its targets may be short) would make ordinary batches look like a divergence.
    st.startLoss ??= await this.initialLoss(saved);
    st.highStreak = loss > DIVERGENCE.factor * st.startLoss ? st.highStreak + 1 : 0;
    if (st.highStreak >= DIVERGENCE.patience) {
      this.state = saved;
      throw new DivergenceError(this.objective.phase, saved.step, loss, st.startLoss);
    }
    this.lastStep = { loss, gradNorm };
  }

  /** Applies a verified step's (clipped) gradients at the schedule's rate and counts the step. */
  applyStep(clipped: readonly tf.Tensor[], pending: PendingStep<E>): StepResult {
    const last = this.lastStep;
    if (!last || this.state.step !== pending.saved.step) throw new Error(`${this.objective.phase}: applyStep without a verified step`);
    const lr = lrAt(this.state.step, this.config);
    this.optimizer.applyGradients(clipped, lr);
    this.state.step++;
    this.lastStep = null;
    return { step: this.state.step, loss: last.loss, gradNorm: last.gradNorm, lr };
  }

  /** Dev evaluation; keeps a copy of the variables when the score improves (strictly, as the reference). */
  async evaluate(): Promise<number> {
    const raw = await this.objective.evaluate();
    const s = Number.isFinite(raw) ? raw : -Infinity;
    const st = this.state;
    st.evals.push([st.step, Number.isFinite(raw) ? raw : NaN]);
    if (st.bestScore === null || s > st.bestScore) {
      st.bestScore = s;
      st.bestStep = st.step;
      st.evalsSinceBest = 0;
      this.best = this.objective.trainable.map(copyOf);
    } else {
      st.evalsSinceBest++;
    }
    return raw;
  }

  /** The best-dev variables (the current ones before any evaluation). */
  bestTensors(): StoredTensor[] {
    return this.best ?? this.objective.trainable.map(copyOf);
  }

  /** Writes the best variables into the trainable ones (after training, before testing). */
  loadBest(): void {
    const b = this.best;
    if (!b) return;
    this.objective.trainable.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(b[i]!.data, v.shape, 'float32'))));
  }

  async checkpoint(): Promise<LoopSnapshot> {
    const opt = await this.optimizer.getState();
    const tensors: Record<string, StoredTensor> = {};
    this.objective.trainable.forEach((v, i) => {
      tensors[`var/${i}`] = copyOf(v);
      tensors[`adam_m/${i}`] = { shape: [...v.shape], data: opt.m[i]! };
      tensors[`adam_v/${i}`] = { shape: [...v.shape], data: opt.v[i]! };
      if (this.best) tensors[`best/${i}`] = this.best[i]!;
    });
    const st = this.state;
    const meta = {
      phase: this.objective.phase,
      seed: this.seed,
      config: this.config as unknown as JsonValue,
      adamStep: opt.step,
      // JSON has no -Infinity/NaN: a best score of -Infinity (only NaN scores so far) is stored as null + flag.
      state: { ...st, rng: [...st.rng], order: [...st.order], bestScore: st.bestScore === null || Number.isFinite(st.bestScore) ? st.bestScore : null,
        bestIsNegInf: st.bestScore === -Infinity, evals: st.evals.map(([a, b]) => [a, Number.isFinite(b) ? b : null]) } as unknown as JsonValue,
    };
    return { meta, tensors };
  }

  /** Restores a checkpoint() of a loop built the same way (same objective, examples and config). */
  restore(snap: LoopSnapshot): void {
    const meta = snap.meta as Record<string, JsonValue>;
    if (meta.phase !== this.objective.phase) throw new Error(`restore: checkpoint is for phase "${String(meta.phase)}", this loop is "${this.objective.phase}"`);
    const vars = this.objective.trainable;
    const get = (name: string, v: tf.Variable) => {
      const t = snap.tensors[name];
      if (!t) throw new Error(`restore (${this.objective.phase}): checkpoint has no tensor "${name}"`);
      if (t.data.length !== v.size) throw new Error(`restore (${this.objective.phase}): tensor "${name}" has ${t.data.length} values, variable has ${v.size} [${v.shape}]`);
      return t.data;
    };
    vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(get(`var/${i}`, v), v.shape, 'float32'))));
    this.optimizer.setState({
      step: meta.adamStep as number,
      m: vars.map((v, i) => get(`adam_m/${i}`, v)),
      v: vars.map((v, i) => get(`adam_v/${i}`, v)),
    });
    this.best = snap.tensors['best/0'] ? vars.map((v, i) => ({ shape: [...v.shape], data: get(`best/${i}`, v).slice() })) : null;
    const s = meta.state as unknown as LoopState & { bestIsNegInf?: boolean; evals: [number, number | null][] };
    const st: LoopState = {
      step: s.step, rng: [...s.rng] as unknown as RngState, order: [...s.order], cursor: s.cursor, epoch: s.epoch,
      bestScore: s.bestIsNegInf ? -Infinity : s.bestScore, bestStep: s.bestStep, evalsSinceBest: s.evalsSinceBest,
      evals: s.evals.map(([a, b]) => [a, b ?? NaN]),
      // Checkpoints from before divergence detection lack these: a baseline taken mid-run would be a
      // trained loss, so detection is off for such a run (MAX_VALUE: no loss is above 1.25x it).
      startLoss: s.startLoss ?? (s.step > 0 ? Number.MAX_VALUE : null), highStreak: s.highStreak ?? 0,
    };
    new Rng(st.rng); // validates the words
    if (st.order.length !== this.examples.length) throw new Error(`restore (${this.objective.phase}): checkpoint was taken with ${st.order.length} examples, this loop has ${this.examples.length}`);
    this.state = st;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

export interface LoopProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  readonly devScore?: number;
  readonly bestScore?: number | null;
  /** Seconds left at the current pace, for this loop. */
  readonly etaSeconds?: number;
}

export interface RunLoopOptions {
  readonly signal?: AbortSignal;
  /** Resolve true to pause: the loop checkpoints and returns 'paused'. */
  readonly shouldPause?: () => boolean;
  readonly onProgress?: (p: LoopProgress) => void;
  /** Called with a checkpoint every `checkpointEvery` steps, on pause, and on a numerical error. */
  readonly onCheckpoint?: (s: LoopSnapshot) => Promise<void>;
  readonly checkpointEvery?: number;
  readonly now?: () => number;
  /**
   * Awaited before every step, ahead of the cancel and pause checks. A worker passes a yield to
   * its event loop here, so that a cancel or pause it was sent arrives before the next step (a
   * step alone may never give the event loop a turn); it may also throw to stop the loop.
   */
  readonly onYield?: () => Promise<void>;
}

export class CancelledError extends Error {
  constructor(what: string) {
    super(`${what}: cancelled`);
    this.name = 'CancelledError';
  }
}

/** Drives a loop to the end (or to a pause). Returns 'done' or 'paused'; throws on cancel or numerical trouble. */
export async function runLoop<E>(loop: TrainLoop<E>, o: RunLoopOptions = {}): Promise<'done' | 'paused'> {
  const now = o.now ?? (() => Date.now());
  const t0 = now();
  const s0 = loop.step;
  const ckptEvery = o.checkpointEvery ?? 0;
  while (!loop.done) {
    if (o.onYield) await o.onYield();
    if (o.signal?.aborted) throw new CancelledError(loop.objective.phase);
    if (o.shouldPause?.()) {
      await o.onCheckpoint?.(await loop.checkpoint());
      return 'paused';
    }
    let r: StepResult;
    try {
      r = await loop.trainStep();
    } catch (e) {
      // The state is still the last good one: save it so the run can be inspected or resumed with other settings.
      // After a divergence streak it is not: the checkpoint stored before the streak stays.
      if (e instanceof NumericalError && !(e instanceof DivergenceError)) await o.onCheckpoint?.(await loop.checkpoint());
      throw e;
    }
    let devScore: number | undefined;
    if (loop.evalDue) devScore = await loop.evaluate();
    const rate = (now() - t0) / 1000 / Math.max(1, loop.step - s0);
    o.onProgress?.({ step: r.step, totalSteps: loop.config.totalSteps, loss: r.loss, devScore, bestScore: loop.bestScore, etaSeconds: rate * (loop.config.totalSteps - loop.step) });
    // No periodic checkpoint in the middle of a possible divergence: it would replace a good one.
    if (ckptEvery > 0 && loop.step % ckptEvery === 0 && !loop.suspect) await o.onCheckpoint?.(await loop.checkpoint());
  }
  if (loop.evals.length === 0 || loop.evals.at(-1)![0] !== loop.step) await loop.evaluate();
  return 'done';
}

/** A 32-bit seed for one training draw's answer pick (see TrainLoop.drawAnswer). */
export function answerSeed(seed: number, step: number, slot: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (const v of [step, slot, 0x616e73]) {
    h = Math.imul(h ^ v, 0x01000193) >>> 0;
    h ^= h >>> 15;
  }
  return h >>> 0;
}
