// Many independent training runs in one forward and backward pass per step. Each member (a PT
// prompt or an IST vector on its own task, or an MSF autoencoder) keeps everything a run owns in its TrainLoop: batch
// order, optimiser moments, schedule, dev evaluation, best state, divergence watch, checkpoints.
// Only the frozen model's work is shared: the members' batches go through it as one batch, each
// row with its own member's prompt. BART treats rows independently and a shared batch's padding
// is masked, so each member's loss and gradient are what it gets alone, up to float rounding.
// Why: the embedded model's steps are small enough that per-kernel overhead dominates; one step
// over many tasks' rows keeps the matrix products large.
import * as tf from '@tensorflow/tfjs';
import { variableGrads } from './gradients';
import { makeBatch } from '../model/batch';
import { labelSmoothedNllRows } from '../model/loss';
import type { EncodedExample } from '../../shared/tuning/data';
import { clipByGlobalNorm } from './adamw';
import { CancelledError, DivergenceError, NumericalError, type LoopProgress, type LoopSnapshot, type RunLoopOptions, type TrainLoop } from './loop';
import { batchPadding, type RowPromptObjective } from './phases';

export interface GroupMember {
  readonly loop: TrainLoop<EncodedExample>;
  readonly objective: RowPromptObjective;
}

/** Why a set of runs cannot share a step, or null when it can. */
export function groupRefusal(members: readonly GroupMember[]): string | null {
  const first = members[0];
  if (!first) return 'no members';
  for (const m of members) {
    const a = m.objective;
    const b = first.objective;
    if (a.ctx.model !== b.ctx.model) return 'members use different models';
    if (a.ctx.taskPrefix !== b.ctx.taskPrefix) return 'members differ in the task prefix';
    if (a.promptTokens !== b.promptTokens) return 'members have different prompt lengths';
    for (const k of ['labelSmoothing', 'maxInputTokens', 'maxTargetTokens'] as const) {
      if (a.config[k] !== b.config[k]) return `members differ in ${k}`;
    }
    // Dropout masks are drawn per forward pass: shared, they would differ from a run's own.
    if (m.loop.config.dropout === 'config') return 'dropout is on';
  }
  return null;
}

/** Rows a length chunk of a shared step holds at least (unless it is the last): fewer, and a pass's overhead outweighs the padding it saves. */
export const MIN_CHUNK_ROWS = 48;

/**
 * The rows of a shared step in passes of similar input length: sorted by length, cut where the
 * padded length grows once a pass holds MIN_CHUNK_ROWS rows. Tasks' inputs differ (10 to 33
 * tokens in the quick study), and one pass would pad every row to the longest.
 */
export function lengthChunks(lengths: readonly number[]): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const chunks: number[][] = [];
  let padded = -1;
  for (const i of order) {
    const p = Math.ceil(lengths[i]! / 8);
    const last = chunks.at(-1);
    if (last && (last.length < MIN_CHUNK_ROWS || p === padded)) last.push(i);
    else chunks.push([i]);
    padded = p;
  }
  // A short last pass joins the one before it.
  if (chunks.length > 1 && chunks.at(-1)!.length < MIN_CHUNK_ROWS) chunks.at(-2)!.push(...chunks.pop()!);
  return chunks;
}

/**
 * Each member's loss on its own items, [K], from shared forward passes: its rows' summed
 * label-smoothed NLL plus its own extra term. Differentiable in every member's trainable variables.
 */
export function groupLoss(parts: readonly { readonly objective: RowPromptObjective; readonly items: readonly EncodedExample[] }[]): tf.Tensor1D {
  const first = parts[0]!.objective;
  const { model } = first.ctx;
  const items = parts.flatMap((p) => p.items);
  const member = parts.flatMap((p, k) => p.items.map(() => k));
  const chunks = lengthChunks(items.map((x) => x.input.length));
  const batches = chunks.map((c) => {
    const rows = c.map((i) => items[i]!);
    return makeBatch(model.config, rows, batchPadding(first.ctx, rows, first.config, first.promptTokens));
  });
  return tf.tidy(() => {
    const own = parts.map((p) => p.objective.rowPrompts(p.items));
    // A prompt shared by a member's rows is broadcast to them (a broadcast add: its gradient is one sum).
    const prompts = tf.concat(own.map((o, k) => (o.prompt.rank === 3 ? o.prompt : o.prompt.expandDims(0).add(tf.zeros([parts[k]!.items.length, ...o.prompt.shape])))), 0) as tf.Tensor3D; // [B, P, d]
    let nll = tf.zeros([parts.length]) as tf.Tensor1D;
    chunks.forEach((c, j) => {
      const rowPrompts = c.every((i, n) => i === n) ? prompts : (tf.gather(prompts, tf.tensor1d(c, 'int32')) as tf.Tensor3D);
      const rows = labelSmoothedNllRows(model.logits(batches[j]!, rowPrompts), batches[j]!.labels, model.config.padTokenId, first.config.labelSmoothing); // [rows of c]
      nll = nll.add(tf.unsortedSegmentSum(rows, tf.tensor1d(c.map((i) => member[i]!), 'int32'), parts.length));
    });
    return own.some((o) => o.extra) ? nll.add(tf.stack(own.map((o) => o.extra ?? tf.scalar(0)))) as tf.Tensor1D : nll;
  });
}

export interface RunGroupOptions extends Pick<RunLoopOptions, 'signal' | 'shouldPause' | 'checkpointEvery' | 'now' | 'onYield'> {
  readonly onProgress?: (member: number, p: LoopProgress) => void;
  readonly onCheckpoint?: (member: number, s: LoopSnapshot) => Promise<void>;
  /** Awaited when a member has trained and been evaluated for the last time. */
  readonly onDone?: (member: number) => Promise<void>;
}

/**
 * runLoop for a group: drives every member to its end (or all to a pause) with shared steps.
 * Members that finish early (patience) leave the group. A NaN/Inf or a divergence in any member
 * stops the group before any member's update, as runLoop does for one run.
 */
export async function runGroup(members: readonly GroupMember[], o: RunGroupOptions = {}): Promise<'done' | 'paused'> {
  const refusal = groupRefusal(members);
  if (refusal) throw new RangeError(`runGroup: these runs cannot share a step: ${refusal}`);
  const now = o.now ?? (() => Date.now());
  const t0 = now();
  const s0 = members.map((m) => m.loop.step);
  const ckptEvery = o.checkpointEvery ?? 0;
  const finished = new Set<number>();
  const finish = async (i: number) => {
    const { loop } = members[i]!;
    if (loop.evals.length === 0 || loop.evals.at(-1)![0] !== loop.step) await loop.evaluate();
    finished.add(i);
    await o.onDone?.(i);
  };
  for (const [i, m] of members.entries()) if (m.loop.done) await finish(i);
  for (;;) {
    const active = members.map((m, i) => ({ ...m, i })).filter((m) => !finished.has(m.i));
    if (active.length === 0) return 'done';
    if (o.onYield) await o.onYield();
    if (o.signal?.aborted) throw new CancelledError(active[0]!.objective.phase);
    if (o.shouldPause?.()) {
      for (const m of active) await o.onCheckpoint?.(m.i, await m.loop.checkpoint());
      return 'paused';
    }
    const pending = active.map((m) => m.loop.beginStep());
    const vars = active.flatMap((m) => m.objective.trainable);
    let perMember: tf.Tensor1D | null = null;
    const { value, grads } = variableGrads(() => {
      perMember = tf.keep(groupLoss(active.map((m, k) => ({ objective: m.objective, items: pending[k]!.items }))));
      return perMember.sum() as tf.Scalar;
    }, vars);
    const gradLists = active.map((m) => m.loop.gradientsOf(grads));
    const clips = active.map((m, k) => clipByGlobalNorm(gradLists[k]!, m.loop.config.maxGradNorm));
    try {
      const losses = await perMember!.data();
      const norms = await Promise.all(clips.map(async (c) => (await c.norm.data())[0]!));
      for (const [k, m] of active.entries()) {
        try {
          await m.loop.verifyStep(pending[k]!, losses[k]!, norms[k]!);
        } catch (e) {
          // As runLoop: keep the last good state of a run with a NaN/Inf; after a divergence streak the stored checkpoint stays.
          if (e instanceof NumericalError && !(e instanceof DivergenceError)) await o.onCheckpoint?.(m.i, await m.loop.checkpoint());
          throw e;
        }
      }
      const steps = active.map((m, k) => m.loop.applyStep(clips[k]!.clipped, pending[k]!));
      for (const [k, m] of active.entries()) {
        const devScore = m.loop.evalDue ? await m.loop.evaluate() : undefined;
        const rate = (now() - t0) / 1000 / Math.max(1, m.loop.step - s0[m.i]!);
        o.onProgress?.(m.i, { step: steps[k]!.step, totalSteps: m.loop.config.totalSteps, loss: steps[k]!.loss, devScore, bestScore: m.loop.bestScore, etaSeconds: rate * (m.loop.config.totalSteps - m.loop.step) });
        if (ckptEvery > 0 && m.loop.step % ckptEvery === 0 && !m.loop.suspect) await o.onCheckpoint?.(m.i, await m.loop.checkpoint());
        if (m.loop.done) await finish(m.i);
      }
    } finally {
      tf.dispose([value, perMember!, ...gradLists.flat(), ...clips.flatMap((c) => [c.norm, ...c.clipped])]);
    }
  }
}
