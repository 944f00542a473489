// Many runs in one step (group.ts): each member must train exactly as it would alone, up to float
// rounding, while keeping its own batch order, schedule, best state and early stop.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bart } from '../../../../src/engine/model/bart';
import { PromptAutoencoder } from '../../../../src/engine/subspace/autoencoder';
import { groupLoss, groupRefusal, lengthChunks, MIN_CHUNK_ROWS, runGroup, type GroupMember } from '../../../../src/engine/tuning/group';
import { runLoop } from '../../../../src/engine/tuning/loop';
import { intrinsicLoop, promptTuningLoop, subspaceLoop, type ModelContext } from '../../../../src/engine/tuning/phases';
import { resolvePhases } from '../../../../src/shared/tuning/config';
import { Rng } from '../../../../src/shared/random';
import { charCodec, constantTask, tensorCounter, tinyModel } from './support';

let model: Bart;
let ctx: ModelContext;
beforeAll(async () => { model = await tinyModel(); ctx = { model, codec: charCodec }; });
afterAll(() => model.dispose());

// Tasks of different sizes and answer lengths, so rows pad differently in the shared batch.
const tasks = [constantTask('a', 'yes', 1), constantTask('b', 'no way', 2, { train: 5, dev: 3, test: 3 }), constantTask('c', 'k', 3, { train: 11, dev: 4, test: 4 })];
// Different lr and batch size per member (a grid), a linear schedule, early evaluation.
const pt = (i: number) => resolvePhases({ pt: { promptTokens: 4, lr: [0.05, 0.02, 0.1][i]!, batchSize: [3, 2, 4][i]!, totalSteps: 6, warmupSteps: 2, evalEvery: 3, numBeams: 1, maxNewTokens: 4, schedule: 'linear' } }).pt;

const values = (v: tf.Tensor) => Array.from(v.dataSync());

describe('groupLoss', () => {
  it('gives each member the loss and gradient it has alone', () => {
    const runs = tasks.map((t, i) => promptTuningLoop(ctx, t, pt(i), 10 + i));
    const items = runs.map(({ loop }) => loop.beginStep().items);
    const alone = runs.map(({ loop, objective }, i) => tf.variableGrads(() => objective.loss(items[i]!), loop.objective.trainable.slice()));
    const vars = runs.flatMap((r) => r.objective.trainable);
    let per: tf.Tensor1D | null = null;
    const together = tf.variableGrads(() => { per = tf.keep(groupLoss(runs.map((r, i) => ({ objective: r.objective, items: items[i]! })))); return per.sum() as tf.Scalar; }, vars);
    expect(per!.shape).toEqual([3]);
    runs.forEach((r, i) => {
      expect(values(per!)[i]).toBeCloseTo(values(alone[i]!.value)[0]!, 3);
      const g1 = values(alone[i]!.grads[r.objective.prompt.name]!);
      const g2 = values(together.grads[r.objective.prompt.name]!);
      const scale = Math.max(...g1.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      g1.forEach((x, j) => expect(Math.abs(x - g2[j]!)).toBeLessThan(1e-4 * scale + 1e-6));
    });
    runs.forEach((r) => { r.loop.dispose(); r.objective.dispose(); });
  });
});

describe('lengthChunks', () => {
  it('cuts sorted rows where the padded length grows, once a pass holds enough rows', () => {
    const short = Array.from({ length: MIN_CHUNK_ROWS }, () => 10);
    const long = Array.from({ length: MIN_CHUNK_ROWS }, () => 33);
    // Interleaved: two passes, each of one length, every row once.
    const lengths = short.flatMap((x, i) => [x, long[i]!]);
    const chunks = lengthChunks(lengths);
    expect(chunks).toHaveLength(2);
    expect(chunks.map((c) => [...new Set(c.map((i) => lengths[i]))])).toEqual([[10], [33]]);
    expect(chunks.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    // Too few rows for a pass of their own: one pass.
    expect(lengthChunks([10, 33, 12, 30])).toEqual([[0, 2, 3, 1]]);
  });

  it('gives each member its loss and gradient when rows of many lengths split into passes', () => {
    // Many members with short and long inputs, so the shared step runs as more than one pass.
    const many = Array.from({ length: 8 }, (_, i) => constantTask(`m${i}`, 'ok', 40 + i, { train: 12, dev: 2, test: 2 }));
    const longer = many.map((t, i) => (i % 2 ? { ...t, train: t.train.map((e) => ({ ...e, input: e.input.repeat(12) })) } : t));
    const cfg = resolvePhases({ pt: { promptTokens: 4, batchSize: 12, numBeams: 1, maxNewTokens: 2 } }).pt;
    const runs = longer.map((t, i) => promptTuningLoop(ctx, t, cfg, i + 1));
    const items = runs.map(({ loop }) => loop.beginStep().items);
    expect(lengthChunks(items.flat().map((x) => x.input.length)).length).toBeGreaterThan(1);
    let per: tf.Tensor1D | null = null;
    const together = tf.variableGrads(() => { per = tf.keep(groupLoss(runs.map((r, i) => ({ objective: r.objective, items: items[i]! })))); return per.sum() as tf.Scalar; }, runs.flatMap((r) => r.objective.trainable));
    runs.forEach((r, i) => {
      const alone = tf.variableGrads(() => r.objective.loss(items[i]!), r.objective.trainable.slice());
      expect(values(per!)[i]).toBeCloseTo(values(alone.value)[0]!, 3);
      const g1 = values(alone.grads[r.objective.prompt.name]!);
      const g2 = values(together.grads[r.objective.prompt.name]!);
      const scale = Math.max(...g1.map(Math.abs));
      g1.forEach((x, j) => expect(Math.abs(x - g2[j]!)).toBeLessThan(1e-4 * scale + 1e-6));
    });
    runs.forEach((r) => { r.loop.dispose(); r.objective.dispose(); });
  });
});

describe('runGroup', () => {
  it('PT: every member ends where its own runLoop ends (prompt, evaluations, best step)', async () => {
    const alone: { prompt: number[]; evals: readonly [number, number][]; best: number | null; step: number }[] = [];
    for (const [i, t] of tasks.entries()) {
      const { loop, objective } = promptTuningLoop(ctx, t, pt(i), 10 + i);
      await runLoop(loop);
      alone.push({ prompt: values(objective.prompt), evals: loop.evals, best: loop.bestStep, step: loop.step });
      loop.dispose(); objective.dispose();
    }
    const members = tasks.map((t, i) => promptTuningLoop(ctx, t, pt(i), 10 + i));
    const done: number[] = [];
    const counter = tensorCounter();
    const status = await runGroup(members, { onDone: async (i) => void done.push(i), onProgress: (i) => { if (i === 0) counter.onStep(); } });
    expect(status).toBe('done');
    expect(done.sort()).toEqual([0, 1, 2]);
    expect(counter.growth()).toEqual([]);
    members.forEach(({ loop, objective }, i) => {
      expect(loop.step).toBe(alone[i]!.step);
      expect(loop.evals.map(([s]) => s)).toEqual(alone[i]!.evals.map(([s]) => s));
      loop.evals.forEach(([, v], j) => expect(v).toBeCloseTo(alone[i]!.evals[j]![1], 5));
      expect(loop.bestStep).toBe(alone[i]!.best);
      values(objective.prompt).forEach((x, j) => expect(x).toBeCloseTo(alone[i]!.prompt[j]!, 4));
      loop.dispose(); objective.dispose();
    });
  });

  it('IST: members share the frozen Proj_b and each trains its own z as alone', async () => {
    const ae = new PromptAutoencoder({ promptTokens: 4, dModel: model.config.dModel, intrinsicDim: 3, hidden: 8, seed: 5 });
    const ist = resolvePhases({ ist: { lr: 0.05, batchSize: 3, totalSteps: 4, warmupSteps: 1, evalEvery: 2, numBeams: 1, maxNewTokens: 4 } }).ist;
    const alone: number[][] = [];
    for (const t of tasks) {
      const { loop, objective } = intrinsicLoop(ctx, ae, t, ist, 3);
      await runLoop(loop);
      alone.push(values(objective.z));
      loop.dispose(); objective.dispose();
    }
    const members = tasks.map((t) => intrinsicLoop(ctx, ae, t, ist, 3));
    await runGroup(members);
    members.forEach(({ loop, objective }, i) => {
      values(objective.z).forEach((x, j) => expect(x).toBeCloseTo(alone[i]![j]!, 4));
      loop.dispose(); objective.dispose();
    });
    ae.dispose();
  });

  it('MSF: autoencoders of different d_I train together as alone (NLL + alpha x reconstruction)', async () => {
    const d = model.config.dModel;
    const msfTasks = tasks.map((t, i) => ({ ...t, prompt: new Rng(20 + i).normalArray(4 * d, 0.02) }));
    const msf = resolvePhases({ msf: { lr: 0.01, batchSize: 4, totalSteps: 3, warmupSteps: 1, evalEvery: 3, hidden: 8, alpha: 50, numBeams: 1, maxNewTokens: 4 } }).msf;
    const alone: number[][] = [];
    for (const dI of [2, 3]) {
      const { loop, objective } = subspaceLoop(ctx, msfTasks, msf, 4, dI, 7);
      await runLoop(loop);
      alone.push(objective.ae.variables().flatMap(values));
      loop.dispose(); objective.dispose();
    }
    const members = [2, 3].map((dI) => subspaceLoop(ctx, msfTasks, msf, 4, dI, 7));
    await runGroup(members);
    members.forEach(({ loop, objective }, i) => {
      const got = objective.ae.variables().flatMap(values);
      expect(got).toHaveLength(alone[i]!.length);
      got.forEach((x, j) => expect(x).toBeCloseTo(alone[i]![j]!, 4));
      loop.dispose(); objective.dispose();
    });
  });

  it('a member that ends early leaves; the others go on as alone', async () => {
    const cfg = (totalSteps: number) => resolvePhases({ pt: { ...pt(0), totalSteps, evalEvery: 2 } }).pt;
    const { loop: soloLoop, objective: solo } = promptTuningLoop(ctx, tasks[1]!, cfg(7), 2);
    await runLoop(soloLoop);
    const members = [promptTuningLoop(ctx, tasks[0]!, cfg(3), 1), promptTuningLoop(ctx, tasks[1]!, cfg(7), 2)];
    const doneAt: number[] = [];
    await runGroup(members, { onDone: async (i) => void doneAt.push(i, members[1]!.loop.step) });
    // Member 0 is done (and evaluated at its last step) while member 1 is at step 3.
    expect(doneAt).toEqual([0, 3, 1, 7]);
    expect(members[0]!.loop.evals.map(([s]) => s)).toEqual([2, 3]);
    values(members[1]!.objective.prompt).forEach((x, j) => expect(x).toBeCloseTo(values(solo.prompt)[j]!, 4));
    for (const m of [...members, { loop: soloLoop, objective: solo }]) { m.loop.dispose(); m.objective.dispose(); }
  });

  it('pauses all members with a checkpoint each, and resumes to the uninterrupted result', async () => {
    const full = tasks.map((t, i) => promptTuningLoop(ctx, t, pt(i), 10 + i));
    await runGroup(full);
    const expected = full.map((m) => values(m.objective.prompt));
    full.forEach((m) => { m.loop.dispose(); m.objective.dispose(); });

    const first = tasks.map((t, i) => promptTuningLoop(ctx, t, pt(i), 10 + i));
    const snaps = new Map<number, Awaited<ReturnType<typeof first[0]['loop']['checkpoint']>>>();
    let steps = 0;
    const status = await runGroup(first, { shouldPause: () => steps >= 2, onProgress: (i) => { if (i === 0) steps++; }, onCheckpoint: async (i, s) => void snaps.set(i, s) });
    expect(status).toBe('paused');
    expect([...snaps.keys()].sort()).toEqual([0, 1, 2]);
    first.forEach((m) => { m.loop.dispose(); m.objective.dispose(); });

    const again = tasks.map((t, i) => promptTuningLoop(ctx, t, pt(i), 10 + i));
    again.forEach((m, i) => m.loop.restore(snaps.get(i)!));
    await runGroup(again);
    again.forEach((m, i) => {
      values(m.objective.prompt).forEach((x, j) => expect(x).toBeCloseTo(expected[i]![j]!, 6));
      m.loop.dispose(); m.objective.dispose();
    });
  });

  it('refuses runs that cannot share a step (dropout on, different prompt lengths)', () => {
    const a = promptTuningLoop(ctx, tasks[0]!, pt(0), 1);
    const b = promptTuningLoop(ctx, tasks[1]!, { ...pt(1), dropout: 'config' }, 2);
    const c = promptTuningLoop(ctx, tasks[2]!, { ...pt(2), promptTokens: 5 }, 3);
    expect(groupRefusal([a, b])).toBe('dropout is on');
    expect(groupRefusal([a, c])).toBe('members have different prompt lengths');
    expect(groupRefusal([a])).toBeNull();
    for (const m of [a, b, c]) { m.loop.dispose(); m.objective.dispose(); }
  });
});
