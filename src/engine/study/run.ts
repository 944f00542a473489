// Runs a study: walks its plan (src/shared/study/plan.ts) batch by batch, runs or reuses each unit,
// then tabulates (src/shared/study/results.ts). A finished unit is stored under its key and reused
// by any later study that needs it; an unfinished one resumes from its last checkpoint.
//
//   plan   = planStudy(spec)                      every unit, its key, in order
//   for each batch: run this run's share, then collect the other runs' share (ipt --jobs)
//   tables = tabulate(plan, stored results)
import * as tf from '@tensorflow/tfjs';
import { defaultGroupRows, GROUPABLE_KINDS, packGroups, planItems, shardOwns, unitRows, type PlanBatch, type PlanItem, type PlannedUnit, type StudyPlan, type StudyProgress } from '../../shared/study/plan';
import { planStudy } from '../../shared/study/plan';
import { itemArtifacts, projectorArtifact, type ArtifactContext, type StudyArtifact } from '../../shared/study/artifacts';
import { sha256Hex } from '../../shared/artifacts/identity';
import { bestCell, bestPtCell, tabulate, type StudyResults, type UnitOutcome } from '../../shared/study/results';
import type { RunStore, StoredTensor } from '../../shared/study/runStore';
import { StudyError, type StudySpec } from '../../shared/study/spec';
import type { TaskData } from '../../shared/tasks/types';
import type { Bart } from '../model/bart';
import { PromptAutoencoder } from '../subspace/autoencoder';
import { evaluateSet } from '../tuning/evaluate';
import { CancelledError, runLoop, type LoopSnapshot, type TrainLoop } from '../tuning/loop';
import { groupRefusal, runGroup, type GroupMember } from '../tuning/group';
import { evalOptions, fineTuneLoop, intrinsicLoop, multiTaskFineTuneLoop, multiTaskPromptLoop, randomAllLoop, promptTuningLoop, subspaceLoop, type ModelContext, type MsfTask, type RowPromptObjective } from '../tuning/phases';
import type { EncodedExample } from '../../shared/tuning/data';

export interface StudyEnv {
  readonly ctx: ModelContext;
  /** The task's splits at a data seed; throws a clear error for an unknown task. */
  getTask(name: string, seed: number): TaskData;
  readonly store: RunStore;
  /** A fresh copy of the model with every weight a variable (Bart.fromTensors(..., {trainable: true})), for fine-tuning. */
  trainableModel?(): Bart;
}

export interface RunStudyOptions {
  readonly signal?: AbortSignal;
  readonly shouldPause?: () => boolean;
  readonly onProgress?: (p: StudyProgress) => void;
  /** Checkpoint a running unit every this many steps (0: only on pause / numerical error). */
  readonly checkpointEvery?: number;
  readonly now?: () => number;
  /** Awaited before every training step (runLoop's hook): a worker gives control messages a turn here. */
  readonly onYield?: () => Promise<void>;
  /**
   * Share the work with other runs of the same study on the same store (e.g. one process per core).
   * All runs number the items of the plan alike; this run computes those with number % count ===
   * index first, then collects the others' results from the store.
   */
  readonly shard?: { readonly index: number; readonly count: number; readonly pollMs?: number };
  /**
   * Keep what the study learns: as each PT, MSF and IST item finishes (or is reused), its prompt,
   * projector bundle or intrinsic vector files (src/shared/study/artifacts.ts) are handed to
   * `save` before the walk goes on.
   */
  readonly artifacts?: { readonly context: ArtifactContext; save(files: StudyArtifact[]): Promise<void> };
  /**
   * Train the independent units of a PT, MSF or IST batch together, up to this many rows per
   * shared step (src/engine/tuning/group.ts); 1 trains one unit at a time. Default:
   * defaultGroupRows(d_model) (src/shared/study/plan.ts).
   */
  readonly groupRows?: number;
}

export type StudyOutcome = { status: 'done'; results: StudyResults } | { status: 'paused' };

/** Thrown inside the walk when the user pauses; runStudy answers {status: 'paused'}. */
class Paused extends Error {}

/** How one unit trains: its loop, what it stores when done, and what it frees after. */
interface UnitWork {
  loop: TrainLoop<unknown>;
  finish: () => Promise<UnitOutcome>;
  dispose: () => void;
  /** PT and IST: the unit's objective, so that it can share steps with others (group.ts). */
  objective?: RowPromptObjective;
}

export async function runStudy(spec: StudySpec, env: StudyEnv, o: RunStudyOptions = {}): Promise<StudyOutcome> {
  const plan = planStudy(spec, env.ctx.taskPrefix ?? true);
  if ((spec.fineTune || spec.multiTaskFt) && !env.trainableModel) throw new StudyError(`study "${spec.name}": ${spec.fineTune ? 'fineTune' : 'multiTaskFt'} needs env.trainableModel()`);
  if (o.shard && !(Number.isInteger(o.shard.count) && o.shard.count >= 1 && Number.isInteger(o.shard.index) && o.shard.index >= 0 && o.shard.index < o.shard.count)) {
    throw new StudyError(`shard must be {index, count} with 0 <= index < count, got ${JSON.stringify(o.shard)}`);
  }
  const walk = new StudyWalk(plan, env, o);
  try {
    for (const batch of plan.batches) await walk.batch(batch);
  } catch (e) {
    if (e instanceof Paused) return { status: 'paused' };
    throw e;
  } finally {
    walk.dispose();
  }
  return { status: 'done', results: tabulate(plan, (key) => walk.outcome(key), (name, seed) => env.getTask(name, seed)) };
}

/** The state of one walk over a plan: finished units, progress counts, and the subspaces in use. */
class StudyWalk {
  private readonly ctx: ModelContext;
  private readonly items: Map<string, PlanItem>;
  private readonly outcomes = new Map<string, UnitOutcome>();
  private readonly now: () => number;
  private unitsDone = 0;
  private computedUnits = 0;
  private computedTime = 0;
  private itemsSeen = 0;
  /** Autoencoders by (seed, d_I) of the current batch: the trained one (from MSF) and the random baseline. */
  private readonly subspaces = new Map<string, { trained?: PromptAutoencoder; random?: PromptAutoencoder }>();

  constructor(readonly plan: StudyPlan, readonly env: StudyEnv, readonly o: RunStudyOptions) {
    this.ctx = { ...env.ctx, taskPrefix: plan.taskPrefix };
    this.items = planItems(plan);
    this.now = o.now ?? (() => Date.now());
  }

  outcome(key: string): UnitOutcome {
    const r = this.outcomes.get(key);
    if (!r) throw new RangeError(`unit ${key} has not run`);
    return r;
  }

  /** One batch: this run's share first (round robin over the whole plan), then the others'. */
  async batch(b: PlanBatch): Promise<void> {
    // A batch holds every d_I of a seed; subspaces of other batches are freed (BART-base's are 60M numbers each).
    const needed = new Set(b.items.map((it) => `r${it.seed}/d${it.dI}`));
    for (const [at, s] of this.subspaces) if (!needed.has(at)) { s.trained?.dispose(); s.random?.dispose(); this.subspaces.delete(at); }
    const first = this.itemsSeen;
    this.itemsSeen += b.items.length;
    const mine = (i: number) => shardOwns(first + i, this.o.shard);
    const own = b.items.filter((_, i) => mine(i));
    const maxRows = this.o.groupRows ?? defaultGroupRows(this.ctx.model.config.dModel);
    if (GROUPABLE_KINDS.has(b.kind) && maxRows > 1) await this.itemsTogether(own, maxRows);
    else for (const item of own) await this.item(item, true);
    for (const [i, item] of b.items.entries()) if (!mine(i)) await this.item(item, false);
  }

  private async item(item: PlanItem, own: boolean): Promise<void> {
    for (const u of item.units) this.outcomes.set(u.key, await this.unit(u, own, () => this.work(item, u)));
    await this.saveArtifacts(item);
  }

  /**
   * This run's items of a PT or IST batch, their units trained in groups of at most `maxRows`
   * rows per shared step (the sum of the units' batch sizes), in plan order.
   */
  private async itemsTogether(items: readonly PlanItem[], maxRows: number): Promise<void> {
    const todo: { item: PlanItem; u: PlannedUnit }[] = [];
    for (const item of items) {
      for (const u of item.units) {
        const done = await this.reused(u);
        if (done) this.outcomes.set(u.key, done);
        else todo.push({ item, u });
      }
    }
    for (const group of packGroups(todo, ({ u }) => unitRows(this.plan, u), maxRows)) {
      await this.group(group.map(({ item, u }) => ({ u, make: () => this.work(item, u) })));
    }
    for (const item of items) await this.saveArtifacts(item);
  }

  /** Trains units together (one by one where they cannot share a step: dropout on). */
  private async group(units: readonly { u: PlannedUnit; make: () => UnitWork }[]): Promise<void> {
    if (units.length === 1) {
      this.outcomes.set(units[0]!.u.key, await this.unit(units[0]!.u, true, units[0]!.make));
      return;
    }
    const t0 = this.now();
    const works: UnitWork[] = [];
    try {
      for (const { make } of units) works.push(make());
      const members = works.map((w): GroupMember => ({ loop: w.loop as TrainLoop<EncodedExample>, objective: w.objective! }));
      if (works.some((w) => !w.objective) || groupRefusal(members)) {
        works.forEach((w) => { w.loop.dispose(); w.dispose(); });
        works.length = 0;
        for (const { u, make } of units) this.outcomes.set(u.key, await this.unit(u, true, make));
        return;
      }
      for (const [i, { u }] of units.entries()) {
        const ck = await this.env.store.get(`ckpt/${u.key}`);
        if (ck) works[i]!.loop.restore({ meta: ck.meta, tensors: ck.tensors });
      }
      const status = await runGroup(members, {
        signal: this.o.signal, shouldPause: this.o.shouldPause, checkpointEvery: this.o.checkpointEvery, now: this.now, onYield: this.o.onYield,
        onCheckpoint: (i, s) => this.saveCheckpoint(units[i]!.u, works[i]!.loop, s),
        onProgress: (i, p) => this.progress(units[i]!.u, { step: p.step, totalSteps: p.totalSteps, loss: p.loss, devScore: p.devScore }),
        onDone: async (i) => {
          // The group's time so far is shared by its members: the ETA's pace per unit stays honest.
          this.outcomes.set(units[i]!.u.key, await this.completed(units[i]!.u, works[i]!, (this.now() - t0) / units.length));
        },
      });
      if (status === 'paused') throw new Paused();
    } finally {
      works.forEach((w) => { w.loop.dispose(); w.dispose(); });
    }
  }

  private async saveArtifacts(item: PlanItem): Promise<void> {
    const keep = this.o.artifacts;
    if (!keep) return;
    const files = await itemArtifacts(this.plan, item, (k) => this.outcome(k), keep.context, (seed, dI) => this.projectorSha256(seed, dI));
    // The projector just encoded is the one its IST vectors name: hash those bytes, not a second encoding.
    for (const f of files) if (f.kind === 'projector') this.projectorHashes.set(`r${item.seed}/d${item.dI}`, sha256Hex(f.bytes));
    await keep.save(files);
  }

  /** SHA-256 of the projector file of (seed, d_I), which IST vectors name; computed once per walk. */
  private readonly projectorHashes = new Map<string, Promise<string>>();
  private projectorSha256(seed: number, dI: number): Promise<string> {
    const at = `r${seed}/d${dI}`;
    let h = this.projectorHashes.get(at);
    if (!h) {
      const file = projectorArtifact(this.plan, this.items.get(`msf/${at}//`)!, (k) => this.outcome(k), this.o.artifacts!.context);
      this.projectorHashes.set(at, (h = sha256Hex(file.bytes)));
    }
    return h;
  }

  /** Seconds left, from the pace of the units computed so far; shards share what remains. */
  private eta(): number | undefined {
    if (!this.computedUnits) return undefined;
    return (this.computedTime / this.computedUnits) * (this.plan.unitsTotal - this.unitsDone) / 1000 / (this.o.shard?.count ?? 1);
  }

  private progress(u: PlannedUnit, extra: Partial<StudyProgress>): void {
    const info = { ...(u.task === undefined ? {} : { task: u.task }), ...(u.dI === undefined ? {} : { dI: u.dI }), seed: u.seed };
    this.o.onProgress?.({ phase: u.phase, unit: u.key, ...info, ...extra, unitsDone: this.unitsDone, unitsTotal: this.plan.unitsTotal, etaSeconds: this.eta() });
  }

  /** Waits until another run stores `result/<key>` (polling; honours cancel and pause). */
  private async awaitResult(key: string) {
    for (;;) {
      const r = await this.env.store.get(`result/${key}`);
      if (r) return r;
      if (this.o.signal?.aborted) throw new CancelledError('study');
      if (this.o.shouldPause?.()) throw new Paused();
      await new Promise((res) => setTimeout(res, this.o.shard?.pollMs ?? 250));
    }
  }

  /** A finished unit's stored result (counted as done), or undefined. */
  private async reused(u: PlannedUnit): Promise<UnitOutcome | undefined> {
    const done = await this.env.store.get(`result/${u.key}`);
    return done ? this.reuse(u, done) : undefined;
  }

  private reuse(u: PlannedUnit, done: UnitOutcome): UnitOutcome {
    this.unitsDone++;
    this.progress(u, { reused: true });
    return { meta: done.meta, tensors: { ...done.tensors } };
  }

  private saveCheckpoint(u: PlannedUnit, loop: TrainLoop<unknown>, s: LoopSnapshot): Promise<void> {
    return this.env.store.put({ key: `ckpt/${u.key}`, kind: u.phase, step: loop.step, savedAt: new Date(this.now()).toISOString(), meta: s.meta, tensors: s.tensors });
  }

  /** A unit that has trained: its best state is tested, stored as its result, its checkpoint removed. */
  private async completed(u: PlannedUnit, w: UnitWork, elapsedMs: number): Promise<UnitOutcome> {
    const { store } = this.env;
    const { loop } = w;
    loop.loadBest();
    const r = await w.finish();
    const meta = { ...r.meta, bestDev: loop.bestScore, bestStep: loop.bestStep, evals: loop.evals.map(([a, b]) => [a, Number.isFinite(b) ? b : null]) };
    await store.put({ key: `result/${u.key}`, kind: `${u.phase}-result`, step: loop.step, savedAt: new Date(this.now()).toISOString(), meta, tensors: r.tensors });
    await store.delete(`ckpt/${u.key}`);
    this.unitsDone++;
    this.computedUnits++;
    this.computedTime += elapsedMs;
    return { meta, tensors: r.tensors };
  }

  /** Reuses a stored result, waits for another run's, or trains the unit (resuming its checkpoint). */
  private async unit(u: PlannedUnit, own: boolean, make: () => UnitWork): Promise<UnitOutcome> {
    const { store } = this.env;
    const done = (await store.get(`result/${u.key}`)) ?? (own ? undefined : await this.awaitResult(u.key));
    if (done) return this.reuse(u, done);
    const t0 = this.now();
    const w = make();
    try {
      const { loop } = w;
      const ck = await store.get(`ckpt/${u.key}`);
      if (ck) loop.restore({ meta: ck.meta, tensors: ck.tensors });
      const status = await runLoop(loop, {
        signal: this.o.signal, shouldPause: this.o.shouldPause, checkpointEvery: this.o.checkpointEvery, onCheckpoint: (s) => this.saveCheckpoint(u, loop, s), now: this.now, onYield: this.o.onYield,
        onProgress: (p) => this.progress(u, { step: p.step, totalSteps: p.totalSteps, loss: p.loss, devScore: p.devScore }),
      });
      if (status === 'paused') throw new Paused();
      return await this.completed(u, w, this.now() - t0);
    } finally {
      w.loop.dispose();
      w.dispose();
    }
  }

  private task(u: PlannedUnit): TaskData {
    return this.env.getTask(u.task!, u.dataSeed!);
  }

  /** The test score of a prompt on a task's test set (PT, and MSF's reconstructions). */
  private async testScore(t: TaskData, prompt: tf.Tensor2D, cfg: StudyPlan['phases']['pt' | 'msf' | 'ist']): Promise<number> {
    return (await evaluateSet(this.ctx.model, this.ctx.codec, { task: t.name, metric: t.metric, examples: t.test }, prompt, evalOptions(cfg, this.ctx))).score;
  }

  /** The best PT prompt of a task for a run seed (data seed of the study). */
  private ptPrompt(seed: number, task: string): Float32Array {
    return bestPtCell(this.items.get(`pt/r${seed}///${task}`)!, (k) => this.outcome(k)).prompt;
  }

  /** Builds the loop of a unit. Units of later batches read earlier ones' results (prompts, Proj_b, z). */
  private work(item: PlanItem, u: PlannedUnit): UnitWork {
    const { phases } = this.plan;
    switch (item.kind) {
      case 'pt': case 'pt_diff': return this.promptTuning(u);
      case 'mt_pt': return this.multiTaskPromptTuning(u);
      case 'mt_ft': return this.multiTaskFineTuning(u);
      case 'ipt_pt': {
        const z = bestCell(this.items.get(`ist/r${u.seed}/d${u.dI}/test/${u.task}`)!, (k) => this.outcome(k)).outcome.tensors.z!.data;
        const init = tf.tidy(() => this.subspace(u, 'trained').decode(tf.tensor1d(z)).dataSync() as Float32Array);
        return this.promptTuning(u, init);
      }
      case 'ft': {
        const t = this.task(u);
        // An FT grid cell trains at its own lr x batch size.
        const { loop, objective } = fineTuneLoop(this.env.trainableModel!(), this.ctx.codec, t, { ...phases.ft, ...u.cell }, u.seed, this.ctx.taskPrefix);
        return { loop: loop as TrainLoop<unknown>, dispose: () => objective.dispose(), finish: async () => ({ meta: { test: await objective.score('test') }, tensors: {} }) };
      }
      case 'random_all': {
        const { loop, objective } = randomAllLoop(this.ctx, this.task(u), phases.randomAll, u.seed);
        return { loop: loop as TrainLoop<unknown>, dispose: () => objective.dispose(), finish: async () => ({ meta: { test: await objective.score('test') }, tensors: { z: { shape: [phases.randomAll.dim], data: objective.z.dataSync() as Float32Array } } }) };
      }
      case 'msf': return this.subspaceFinding(u);
      case 'ist': case 'random': {
        const ae = this.subspace(u, item.kind === 'ist' ? 'trained' : 'random');
        // An IST grid cell trains at its own lr x batch size; the random baseline at IST's one setting.
        const cfg = item.kind === 'ist' ? { ...phases.ist, ...u.cell } : phases.ist;
        const { loop, objective } = intrinsicLoop(this.ctx, ae, this.task(u), cfg, u.seed);
        // IST keeps its intrinsic vector z (the PCA map, IPT-initialised PT); the baseline only its score.
        const tensors = (): Record<string, StoredTensor> => (item.kind === 'ist' ? { z: { shape: [u.dI!], data: objective.z.dataSync() as Float32Array } } : {});
        return {
          loop: loop as TrainLoop<unknown>, dispose: () => objective.dispose(), objective,
          finish: async () => ({ meta: { test: await objective.score('test') }, tensors: tensors() }),
        };
      }
    }
  }

  private promptTuning(u: PlannedUnit, init?: Float32Array): UnitWork {
    const t = this.task(u);
    const cfg = { ...this.plan.phases.pt, ...u.cell };
    const { loop, objective } = promptTuningLoop(this.ctx, t, cfg, u.seed, init);
    const prompt = (): StoredTensor => ({ shape: [this.plan.phases.pt.promptTokens, this.ctx.model.config.dModel], data: objective.prompt.dataSync() as Float32Array });
    return {
      loop: loop as TrainLoop<unknown>, dispose: () => objective.dispose(), objective,
      finish: async () => ({ meta: { test: await this.testScore(t, objective.prompt as tf.Tensor2D, cfg), task: t.name, metric: t.metric }, tensors: { prompt: prompt() } }),
    };
  }

  /** One prompt on every training task at once; scored on each task's test set, training and unseen. */
  private multiTaskPromptTuning(u: PlannedUnit): UnitWork {
    const { spec, phases } = this.plan;
    const at = (name: string) => this.env.getTask(name, spec.dataSeed);
    const { loop, objective } = multiTaskPromptLoop(this.ctx, spec.tasks.train.map(at), phases.pt, u.seed);
    return {
      loop: loop as TrainLoop<unknown>, dispose: () => objective.dispose(), objective,
      finish: async () => {
        const scores: Record<string, number> = {};
        for (const name of [...spec.tasks.train, ...spec.tasks.test]) scores[name] = await this.testScore(at(name), objective.prompt as tf.Tensor2D, phases.pt);
        return { meta: { scores }, tensors: { prompt: { shape: [phases.pt.promptTokens, this.ctx.model.config.dModel], data: objective.prompt.dataSync() as Float32Array } } };
      },
    };
  }

  /** Every weight on every training task at once; scored on each task's test set, training and unseen. */
  private multiTaskFineTuning(u: PlannedUnit): UnitWork {
    const { spec, phases } = this.plan;
    const at = (name: string) => this.env.getTask(name, spec.dataSeed);
    const { loop, objective } = multiTaskFineTuneLoop(this.env.trainableModel!(), this.ctx.codec, spec.tasks.train.map(at), phases.ft, u.seed, this.ctx.taskPrefix);
    return {
      loop: loop as TrainLoop<unknown>, dispose: () => objective.dispose(),
      finish: async () => {
        const scores: Record<string, number> = {};
        for (const name of [...spec.tasks.train, ...spec.tasks.test]) scores[name] = await objective.score('test', at(name));
        return { meta: { scores }, tensors: {} };
      },
    };
  }

  /** MSF on the training tasks' prompts; stores Proj/Proj_b and how well it reconstructs every task's prompt. */
  private subspaceFinding(u: PlannedUnit): UnitWork {
    const { spec, phases } = this.plan;
    const at = (name: string) => this.env.getTask(name, spec.dataSeed);
    const msfTasks: MsfTask[] = spec.tasks.train.map((name) => ({ ...at(name), prompt: this.ptPrompt(u.seed, name) }));
    const { loop, objective } = subspaceLoop(this.ctx, msfTasks, phases.msf, phases.pt.promptTokens, u.dI!, u.seed);
    const reconstructed = async (names: readonly string[]) => {
      const out: Record<string, number> = {};
      for (const name of names) {
        const rec = objective.reconstruct(this.ptPrompt(u.seed, name));
        try { out[name] = await this.testScore(at(name), rec, phases.msf); } finally { rec.dispose(); }
      }
      return out;
    };
    return {
      loop: loop as TrainLoop<unknown>, dispose: () => objective.dispose(), objective,
      finish: async () => {
        const trainMsf = await reconstructed(spec.tasks.train);
        const testMsf = await reconstructed(spec.tasks.test);
        return { meta: { train_msf: trainMsf, test_msf: testMsf, reconstructionError: objective.reconstructionError() }, tensors: { ...objective.ae.toTensors() } };
      },
    };
  }

  /** The trained Proj_b of the unit's (seed, d_I), built from MSF's result, or the untrained baseline. */
  private subspace(u: PlannedUnit, which: 'trained' | 'random'): PromptAutoencoder {
    const at = `r${u.seed}/d${u.dI}`;
    let s = this.subspaces.get(at);
    if (!s) this.subspaces.set(at, (s = {}));
    const P = this.plan.phases.pt.promptTokens;
    if (which === 'random') {
      return (s.random ??= new PromptAutoencoder({ promptTokens: P, dModel: this.ctx.model.config.dModel, intrinsicDim: u.dI!, hidden: this.plan.phases.msf.hidden, seed: u.seed + 7919 }));
    }
    if (!s.trained) {
      const msf = this.outcome(this.items.get(`msf/r${u.seed}/d${u.dI}//`)!.units[0]!.key);
      const tensors = new Map(Object.entries(msf.tensors).map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: v.data }]));
      s.trained = PromptAutoencoder.fromTensors(tensors, { promptTokens: P });
    }
    return s.trained;
  }

  dispose(): void {
    for (const s of this.subspaces.values()) { s.trained?.dispose(); s.random?.dispose(); }
    this.subspaces.clear();
  }
}
