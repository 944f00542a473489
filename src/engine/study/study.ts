// A study: one model, a task split, a list of d_I and run seeds, phase settings. runStudy() runs
// every phase in order (PT -> MSF -> IST, plus the random-subspace baseline and optional
// IPT-initialised PT), reusing finished work: each unit of work (one PT run, one MSF run, one IST
// run) is stored under a key derived from everything that determines its result, so a rerun,
// a resumed study or a study that adds a d_I only computes what is missing. An unfinished unit
// resumes from its last checkpoint.
import * as tf from '@tensorflow/tfjs';
import { trivialBaselines, type BaselineScores } from '../../shared/analysis/baselines';
import { mean, relativePerformance, std } from '../../shared/analysis/erel';
import { pca } from '../../shared/analysis/pca';
import { cosineMatrix } from '../../shared/analysis/similarity';
import type { Bart } from '../model/bart';
import { PromptAutoencoder } from '../subspace/autoencoder';
import { PRESETS, resolvePhases, type PhaseConfigs, type PhaseOverrides } from '../../shared/tuning/config';
import { evaluateSet } from '../tuning/evaluate';
import { CancelledError, runLoop, type LoopSnapshot, type TrainLoop } from '../tuning/loop';
import {
  evalOptions, fineTuneLoop, intrinsicLoop, promptTuningLoop, subspaceLoop,
  type Engine, type MsfTask, type TaskData,
} from '../tuning/phases';
import type { Checkpoint, CheckpointStore, JsonValue, StoredTensor } from '../../shared/study/checkpointStore';

export type IstSetting = 'train_same' | 'train_diff' | 'test';

export interface StudySpec {
  readonly name: string;
  /** Model folder (CLI) or id (app); part of every result key. */
  readonly model: string;
  readonly tasks: { readonly train: readonly string[]; readonly test: readonly string[] };
  /** CrossFit data seed used by PT, MSF and IST train-same / unseen-task. */
  readonly dataSeed: number;
  /** Data seed of the train-diff IST runs (training tasks, unseen data). */
  readonly diffSeed: number;
  /** Empty: prompt tuning only (no MSF/IST, and no PT on `diffSeed`, which only train-diff IST needs). */
  readonly intrinsicDims: readonly number[];
  /** Run seeds (init and batch order); stability is the std over them. */
  readonly seeds: readonly number[];
  readonly preset?: keyof typeof PRESETS;
  readonly phases?: PhaseOverrides;
  /** IST through an untrained Proj_b of the same shape (default true). */
  readonly randomSubspace?: boolean;
  /** PT on the test tasks initialised from IST's prompt (default false). */
  readonly iptInitPt?: boolean;
  /** Prefix inputs with " [task] " as the reference (default true). */
  readonly taskPrefix?: boolean;
  /** Full fine-tuning baseline on every task (default false; needs env.trainableModel). */
  readonly fineTune?: boolean;
}

export interface StudyEnv {
  readonly engine: Engine;
  /** The task's splits at a data seed; throws a clear error for an unknown task. */
  getTask(name: string, seed: number): TaskData;
  readonly store: CheckpointStore;
  /** A fresh copy of the model with every weight a variable (Bart.fromTensors(..., {trainable: true})), for fine-tuning. */
  trainableModel?(): Bart;
}

export interface StudyProgress {
  readonly phase: 'pt' | 'msf' | 'ist' | 'random' | 'ipt_pt' | 'ft';
  readonly unit: string;
  readonly task?: string;
  readonly dI?: number;
  readonly seed: number;
  readonly step?: number;
  readonly totalSteps?: number;
  readonly loss?: number;
  readonly devScore?: number;
  /** Units done / all units of the study (finished-and-reused ones count as done). */
  readonly unitsDone: number;
  readonly unitsTotal: number;
  /** Rough seconds left for the whole study, from the pace so far. */
  readonly etaSeconds?: number;
  readonly reused?: boolean;
}

export interface RunStudyOptions {
  readonly signal?: AbortSignal;
  readonly shouldPause?: () => boolean;
  readonly onProgress?: (p: StudyProgress) => void;
  /** Checkpoint a running unit every this many steps (0: only on pause / numerical error). */
  readonly checkpointEvery?: number;
  readonly now?: () => number;
  /**
   * Share the work with other runs of the same study on the same store (e.g. one process per core).
   * The study's independent units come in batches (PT of every task, IST of every task, ...); all
   * runs number them alike, this run computes those with number % count === index first, then
   * collects the others' results from the store.
   */
  readonly shard?: { readonly index: number; readonly count: number; readonly pollMs?: number };
}

type Scores = Record<string, number>;
type ErelRow = Record<'train_msf' | 'test_msf' | 'train_same_ist' | 'train_diff_ist' | 'test_ist', number>;

export interface StudyResults {
  readonly study: StudySpec;
  readonly phases: PhaseConfigs;
  /** Mean over run seeds of E_rel^PT, per d_I. */
  readonly e_rel_pt: Record<string, ErelRow>;
  /** Std over run seeds (stability). */
  readonly e_rel_pt_std: Record<string, ErelRow>;
  readonly e_rel_pt_per_seed: Record<string, Record<string, ErelRow>>;
  readonly random_subspace: Record<string, { test_ist: number; test_ist_std: number }>;
  /** PT test score per task (mean over seeds), data seed `dataSeed`. */
  readonly pt: Scores;
  readonly pt_std: Scores;
  /** PT test score of the training tasks on `diffSeed` data (the reference for train-diff). */
  readonly pt_diff: Scores;
  /** Trivial baselines per task on the `dataSeed` test set (majority output, copying the input). */
  readonly baselines: Record<string, BaselineScores>;
  /** Absolute test scores, mean over seeds: [d_I][setting][task]. */
  readonly scores: Record<string, Record<string, Scores>>;
  readonly ipt_init_pt?: Record<string, Scores>;
  /** Full fine-tuning test score per task (mean over seeds), when spec.fineTune. */
  readonly fine_tune?: Scores;
  /** Tasks left out of E_rel (PT score <= 0), with why. */
  readonly excluded: Record<string, { task: string; reason: string }[]>;
  /** Intrinsic vectors (IST z, first seed) projected to 2-D/3-D, and their cosine similarities. */
  readonly analysis: Record<string, {
    labels: string[];
    pca2: number[][]; pca3: number[][]; explained: number[];
    similarity: number[][];
  }>;
  /** One row per (seed, d_I, setting, task) for the CSV. */
  readonly rows: { seed: number; dI: number | null; setting: string; task: string; metric: string; score: number; pt: number | null }[];
}

export class StudyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyError';
  }
}

/** FNV-1a of canonical JSON: a short stable id for everything that determines a unit's result. */
export function hashKey(value: unknown): string {
  const canon = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
    if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}`;
    return JSON.stringify(v) ?? 'null';
  };
  const s = canon(value);
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

export function validateSpec(spec: StudySpec): void {
  const where = `study "${spec.name}"`;
  // No intrinsic dimension: a prompt-tuning-only study (PT of every task on the data seed, e.g. the PT table).
  if (spec.intrinsicDims.length && !spec.tasks.train.length) throw new StudyError(`${where}: tasks.train is empty`);
  if (!spec.tasks.train.length && !spec.tasks.test.length) throw new StudyError(`${where}: no tasks`);
  if (spec.intrinsicDims.some((d) => !Number.isInteger(d) || d <= 0)) throw new StudyError(`${where}: intrinsicDims must be positive integers, got ${JSON.stringify(spec.intrinsicDims)}`);
  if (!spec.seeds.length || spec.seeds.some((s) => !Number.isInteger(s))) throw new StudyError(`${where}: seeds must be integers, got ${JSON.stringify(spec.seeds)}`);
  const both = spec.tasks.train.filter((t) => spec.tasks.test.includes(t));
  if (both.length) throw new StudyError(`${where}: tasks in both train and test: ${both.join(', ')}`);
  if (spec.preset !== undefined && !Object.keys(PRESETS).includes(spec.preset)) throw new StudyError(`${where}: unknown preset "${spec.preset}" (use ${Object.keys(PRESETS).join(', ')})`);
}

interface UnitResult {
  meta: { [k: string]: JsonValue };
  tensors: Record<string, StoredTensor>;
}

export async function runStudy(spec: StudySpec, env: StudyEnv, o: RunStudyOptions = {}): Promise<{ status: 'done'; results: StudyResults } | { status: 'paused' }> {
  validateSpec(spec);
  const phases = resolvePhases(spec.preset ? PRESETS[spec.preset] : undefined, spec.phases);
  const engine: Engine = { ...env.engine, taskPrefix: spec.taskPrefix ?? env.engine.taskPrefix ?? true };
  const now = o.now ?? (() => Date.now());
  const { store } = env;
  const P = phases.pt.promptTokens;
  const randomSubspace = spec.randomSubspace ?? true;
  const train = [...spec.tasks.train];
  const test = [...spec.tasks.test];

  // Units: PT (train+test on dataSeed, train on diffSeed), per dI: MSF, IST (3 settings), random, ipt-pt.
  const grid = phases.pt.gridLr.length && phases.pt.gridBatchSize.length
    ? phases.pt.gridLr.flatMap((lr) => phases.pt.gridBatchSize.map((batchSize) => ({ lr, batchSize })))
    : [{ lr: phases.pt.lr, batchSize: phases.pt.batchSize }];
  if (spec.fineTune && !env.trainableModel) throw new StudyError(`study "${spec.name}": fineTune needs env.trainableModel()`);
  const ptOnly = spec.intrinsicDims.length === 0;
  const perSeed = grid.length * (train.length * (ptOnly ? 1 : 2) + test.length) + (spec.fineTune ? train.length + test.length : 0)
    + spec.intrinsicDims.length * (1 + train.length * 2 + test.length + (randomSubspace ? test.length : 0) + (spec.iptInitPt ? test.length : 0));
  const unitsTotal = perSeed * spec.seeds.length;
  let unitsDone = 0;
  let computedUnits = 0;
  let computedTime = 0;
  // With shards, the remaining units are shared among that many runs.
  const eta = () => (computedUnits ? (computedTime / computedUnits) * (unitsTotal - unitsDone) / 1000 / (o.shard?.count ?? 1) : undefined);

  const baseKey = { model: spec.model, taskPrefix: engine.taskPrefix };
  const ptKey = hashKey({ ...baseKey, pt: phases.pt, grid: undefined });
  const taskCache = new Map<string, TaskData>();
  const task = (name: string, seed: number) => {
    const k = `${name}@${seed}`;
    let t = taskCache.get(k);
    if (!t) { t = env.getTask(name, seed); taskCache.set(k, t); }
    return t;
  };

  class Paused extends Error {}

  if (o.shard && !(Number.isInteger(o.shard.count) && o.shard.count >= 1 && Number.isInteger(o.shard.index) && o.shard.index >= 0 && o.shard.index < o.shard.count)) {
    throw new StudyError(`shard must be {index, count} with 0 <= index < count, got ${JSON.stringify(o.shard)}`);
  }
  let unitsSeen = 0;
  /** One batch of independent units: this run's share first (round robin over the whole study), then the others'. */
  async function inBatch<T>(n: number, run: (i: number, own: boolean) => Promise<T>): Promise<T[]> {
    const count = o.shard?.count ?? 1;
    const first = unitsSeen;
    unitsSeen += n;
    const mine = (i: number) => (first + i) % count === (o.shard?.index ?? 0);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) if (mine(i)) out[i] = await run(i, true);
    for (let i = 0; i < n; i++) if (!mine(i)) out[i] = await run(i, false);
    return out;
  }
  /** Waits until another run stores `result/<key>` (polling; honours cancel and pause). */
  async function awaitResult(key: string): Promise<Checkpoint> {
    for (;;) {
      const r = await store.get(`result/${key}`);
      if (r) return r;
      if (o.signal?.aborted) throw new CancelledError('study');
      if (o.shouldPause?.()) throw new Paused();
      await new Promise((res) => setTimeout(res, o.shard?.pollMs ?? 250));
    }
  }

  /** Runs (or resumes, or reuses) one unit of work whose loop `make` builds. */
  async function unit<E>(
    key: string, phase: StudyProgress['phase'], info: { task?: string; dI?: number; seed: number },
    make: () => { loop: TrainLoop<E>; finish: () => Promise<UnitResult>; dispose: () => void },
    own = true,
  ): Promise<UnitResult> {
    let done = await store.get(`result/${key}`);
    // Another run computes this one (see inBatch).
    if (!done && !own) done = await awaitResult(key);
    if (done) {
      unitsDone++;
      o.onProgress?.({ phase, unit: key, ...info, unitsDone, unitsTotal, reused: true, etaSeconds: eta() });
      return { meta: done.meta as UnitResult['meta'], tensors: { ...done.tensors } };
    }
    const t0 = now();
    const { loop, finish, dispose } = make();
    try {
      const ck = await store.get(`ckpt/${key}`);
      if (ck) loop.restore({ meta: ck.meta, tensors: ck.tensors });
      const save = async (s: LoopSnapshot) => {
        const c: Checkpoint = { key: `ckpt/${key}`, kind: phase, step: loop.step, savedAt: new Date(now()).toISOString(), meta: s.meta, tensors: s.tensors };
        await store.put(c);
      };
      const status = await runLoop(loop, {
        signal: o.signal, shouldPause: o.shouldPause, checkpointEvery: o.checkpointEvery, onCheckpoint: save, now,
        onProgress: (p) => o.onProgress?.({ phase, unit: key, ...info, step: p.step, totalSteps: p.totalSteps, loss: p.loss, devScore: p.devScore, unitsDone, unitsTotal, etaSeconds: eta() }),
      });
      if (status === 'paused') throw new Paused();
      loop.loadBest();
      const r = await finish();
      const meta = { ...r.meta, bestDev: loop.bestScore, bestStep: loop.bestStep, evals: loop.evals.map(([a, b]) => [a, Number.isFinite(b) ? b : null]) };
      await store.put({ key: `result/${key}`, kind: `${phase}-result`, step: loop.step, savedAt: new Date(now()).toISOString(), meta, tensors: r.tensors });
      await store.delete(`ckpt/${key}`);
      unitsDone++;
      computedUnits++;
      computedTime += now() - t0;
      return { meta, tensors: r.tensors };
    } finally {
      loop.dispose();
      dispose();
    }
  }

  const testScore = async (t: TaskData, prompt: tf.Tensor2D, cfg: typeof phases.pt | typeof phases.msf | typeof phases.ist) =>
    (await evaluateSet(engine.model, engine.codec, { task: t.name, metric: t.metric, examples: t.test }, prompt, evalOptions(cfg, engine))).score;

  /** PT with the grid (or the single setting): the cell with the best dev score wins. */
  async function promptTune(name: string, dataSeed: number, seed: number, own: boolean, phase: 'pt' | 'ipt_pt' = 'pt', init?: Float32Array, initKey?: string): Promise<{ prompt: Float32Array; test: number }> {
    const t = task(name, dataSeed);
    let best: { prompt: Float32Array; test: number; dev: number } | null = null;
    for (const cell of grid) {
      const cfg = { ...phases.pt, ...cell };
      const key = `${phase}/${ptKey}${initKey ? `/${initKey}` : ''}/${name}/d${dataSeed}/r${seed}/lr${cell.lr}-b${cell.batchSize}`;
      const r = await unit(key, phase, { task: name, seed }, () => {
        const { loop, objective } = promptTuningLoop(engine, t, cfg, seed, init);
        return {
          loop, dispose: () => objective.dispose(),
          finish: async () => ({ meta: { test: await testScore(t, objective.prompt as tf.Tensor2D, cfg), task: name, metric: t.metric }, tensors: { prompt: { shape: [P, engine.model.config.dModel], data: objective.prompt.dataSync() as Float32Array } } }),
        };
      }, own);
      const dev = typeof r.meta.bestDev === 'number' ? r.meta.bestDev : -Infinity;
      if (!best || dev > best.dev) best = { prompt: r.tensors.prompt!.data, test: r.meta.test as number, dev };
    }
    return best!;
  }

  const rows: StudyResults['rows'] = [];
  const perSeedErel: Record<string, Record<string, ErelRow>> = {};
  const ptBySeed: Scores[] = [];
  const ptDiffBySeed: Scores[] = [];
  const scoreAcc: Record<string, Record<string, Record<string, number[]>>> = {};
  const randomAcc: Record<string, number[]> = {};
  const iptAcc: Record<string, Record<string, number[]>> = {};
  const ftAcc: Record<string, number[]> = {};
  const excluded: StudyResults['excluded'] = {};
  const analysis: StudyResults['analysis'] = {};
  const push = (dI: number, setting: string, scores: Scores) => {
    const s = ((scoreAcc[dI] ??= {})[setting] ??= {});
    for (const [k, v] of Object.entries(scores)) (s[k] ??= []).push(v);
  };

  try {
    for (const seed of spec.seeds) {
      // ---------------------------------------------------------------- PT
      const ptPrompt: Record<string, Float32Array> = {};
      const ptScore: Scores = {};
      const ptDiff: Scores = {};
      const ptNames = [...train, ...test];
      const ptRuns = await inBatch(ptNames.length, (i, own) => promptTune(ptNames[i]!, spec.dataSeed, seed, own));
      for (const [i, name] of ptNames.entries()) {
        const r = ptRuns[i]!;
        ptPrompt[name] = r.prompt;
        ptScore[name] = r.test;
        rows.push({ seed, dI: null, setting: 'pt', task: name, metric: task(name, spec.dataSeed).metric, score: r.test, pt: r.test });
      }
      const diffNames = ptOnly ? [] : train;
      const diffRuns = await inBatch(diffNames.length, (i, own) => promptTune(diffNames[i]!, spec.diffSeed, seed, own));
      for (const [i, name] of diffNames.entries()) {
        const r = diffRuns[i]!;
        ptDiff[name] = r.test;
        rows.push({ seed, dI: null, setting: 'pt_diff', task: name, metric: task(name, spec.diffSeed).metric, score: r.test, pt: r.test });
      }
      ptBySeed.push(ptScore);
      ptDiffBySeed.push(ptDiff);

      // ---------------------------------------------------------------- FT (baseline)
      if (spec.fineTune) {
        const ftKey = hashKey({ ...baseKey, ft: phases.ft });
        const ftNames = [...train, ...test];
        const ftRuns = await inBatch(ftNames.length, (i, own) => {
          const t = task(ftNames[i]!, spec.dataSeed);
          return unit(`ft/${ftKey}/${t.name}/d${spec.dataSeed}/r${seed}`, 'ft', { task: t.name, seed }, () => {
            const { loop, objective } = fineTuneLoop(env.trainableModel!(), engine.codec, t, phases.ft, seed, engine.taskPrefix);
            return { loop, dispose: () => objective.dispose(), finish: async () => ({ meta: { test: await objective.score('test') }, tensors: {} }) };
          }, own);
        });
        for (const [i, name] of ftNames.entries()) {
          const t = task(name, spec.dataSeed);
          const r = ftRuns[i]!;
          (ftAcc[name] ??= []).push(r.meta.test as number);
          rows.push({ seed, dI: null, setting: 'ft', task: name, metric: t.metric, score: r.meta.test as number, pt: ptScore[name] ?? null });
        }
      }

      for (const dI of spec.intrinsicDims) {
        // -------------------------------------------------------------- MSF
        const msfTasks: MsfTask[] = train.map((name) => ({ ...task(name, spec.dataSeed), prompt: ptPrompt[name]! }));
        const msfKey = `msf/${hashKey({ ...baseKey, pt: phases.pt, msf: phases.msf, train, dataSeed: spec.dataSeed, dI, ptKey })}/r${seed}`;
        const [msf] = await inBatch(1, (_i, own) => unit(msfKey, 'msf', { dI, seed }, () => {
          const { loop, objective } = subspaceLoop(engine, msfTasks, phases.msf, P, dI, seed);
          return {
            loop, dispose: () => objective.dispose(),
            finish: async () => {
              const trainMsf: Scores = {};
              const testMsf: Scores = {};
              for (const [names, out] of [[train, trainMsf], [test, testMsf]] as const) {
                for (const name of names) {
                  const rec = objective.reconstruct(ptPrompt[name]!);
                  try { out[name] = await testScore(task(name, spec.dataSeed), rec, phases.msf); } finally { rec.dispose(); }
                }
              }
              const tensors: Record<string, StoredTensor> = {};
              for (const [k, v] of Object.entries(objective.ae.toTensors())) tensors[k] = v;
              return { meta: { train_msf: trainMsf, test_msf: testMsf, reconstructionError: objective.reconstructionError() }, tensors };
            },
          };
        }, own)) as [UnitResult];
        const aeTensors = new Map(Object.entries(msf.tensors).map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: v.data }]));
        const ae = PromptAutoencoder.fromTensors(aeTensors, { promptTokens: P });
        const trainMsf = msf.meta.train_msf as Scores;
        const testMsf = msf.meta.test_msf as Scores;

        // -------------------------------------------------------------- IST
        const istScores: Record<IstSetting, Scores> = { train_same: {}, train_diff: {}, test: {} };
        const vectors: { label: string; vector: Float32Array }[] = [];
        const istKey = hashKey({ msfKey, ist: phases.ist });
        try {
          const settings: [IstSetting, readonly string[], number][] = [['train_same', train, spec.dataSeed], ['train_diff', train, spec.diffSeed], ['test', test, spec.dataSeed]];
          const istItems = settings.flatMap(([setting, names, dataSeed]) => names.map((name) => ({ setting, name, dataSeed })));
          const istRuns = await inBatch(istItems.length, (i, own) => {
            const { setting, name, dataSeed } = istItems[i]!;
            const t = task(name, dataSeed);
            return unit(`ist/${istKey}/${setting}/${name}/d${dataSeed}/r${seed}`, 'ist', { task: name, dI, seed }, () => {
              const { loop, objective } = intrinsicLoop(engine, ae, t, phases.ist, seed);
              return {
                loop, dispose: () => objective.dispose(),
                finish: async () => ({ meta: { test: await objective.score('test') }, tensors: { z: { shape: [dI], data: objective.z.dataSync() as Float32Array } } }),
              };
            }, own);
          });
          for (const [i, { setting, name }] of istItems.entries()) {
            const r = istRuns[i]!;
            istScores[setting][name] = r.meta.test as number;
            if (setting !== 'train_diff') vectors.push({ label: name, vector: r.tensors.z!.data });
          }

          // ---------------------------------------------------- random subspace
          // The baseline is about unseen tasks: nothing to do without test tasks.
          if (randomSubspace && test.length > 0) {
            const rand = new PromptAutoencoder({ promptTokens: P, dModel: engine.model.config.dModel, intrinsicDim: dI, hidden: phases.msf.hidden, seed: seed + 7919 });
            try {
              const randomRuns = await inBatch(test.length, (i, own) => {
                const t = task(test[i]!, spec.dataSeed);
                return unit(`random/${istKey}/${t.name}/r${seed}`, 'random', { task: t.name, dI, seed }, () => {
                  const { loop, objective } = intrinsicLoop(engine, rand, t, phases.ist, seed);
                  return { loop, dispose: () => objective.dispose(), finish: async () => ({ meta: { test: await objective.score('test') }, tensors: {} }) };
                }, own);
              });
              for (const [i, name] of test.entries()) {
                const t = task(name, spec.dataSeed);
                const r = randomRuns[i]!;
                (randomAcc[dI] ??= []);
                const s = r.meta.test as number;
                rows.push({ seed, dI, setting: 'random_subspace_ist', task: name, metric: t.metric, score: s, pt: ptScore[name] ?? null });
                push(dI, 'random_subspace_ist', { [name]: s });
              }
              const rel = relativePerformance(Object.fromEntries(test.map((n) => [n, scoreAcc[dI]!.random_subspace_ist![n]!.at(-1)!])), ptScore);
              randomAcc[dI]!.push(rel.value);
            } finally {
              rand.dispose();
            }
          }

          // ------------------------------------------------ IPT-initialised PT
          if (spec.iptInitPt) {
            const iptRuns = await inBatch(test.length, (i, own) => {
              const z = vectors.find((v) => v.label === test[i])!.vector;
              const init = tf.tidy(() => ae.decode(tf.tensor1d(z)).dataSync() as Float32Array);
              return promptTune(test[i]!, spec.dataSeed, seed, own, 'ipt_pt', init, `${istKey}-dI${dI}`);
            });
            for (const [i, name] of test.entries()) {
              const r = iptRuns[i]!;
              ((iptAcc[dI] ??= {})[name] ??= []).push(r.test);
              rows.push({ seed, dI, setting: 'ipt_init_pt', task: name, metric: task(name, spec.dataSeed).metric, score: r.test, pt: ptScore[name] ?? null });
            }
          }
        } finally {
          ae.dispose();
        }

        // ----------------------------------------------------------- tables
        const rel = {
          train_msf: relativePerformance(trainMsf, ptScore),
          test_msf: relativePerformance(testMsf, ptScore),
          train_same_ist: relativePerformance(istScores.train_same, ptScore),
          train_diff_ist: relativePerformance(istScores.train_diff, ptDiff),
          test_ist: relativePerformance(istScores.test, ptScore),
        };
        (perSeedErel[seed] ??= {})[dI] = Object.fromEntries(Object.entries(rel).map(([k, v]) => [k, v.value])) as ErelRow;
        for (const [k, v] of Object.entries(rel)) if (v.excluded.length) excluded[`${dI}/${k}/r${seed}`] = [...v.excluded];
        const settingScores: [string, Scores, Scores][] = [
          ['train_msf', trainMsf, ptScore], ['test_msf', testMsf, ptScore],
          ['train_same_ist', istScores.train_same, ptScore], ['train_diff_ist', istScores.train_diff, ptDiff], ['test_ist', istScores.test, ptScore],
        ];
        for (const [setting, scores, base] of settingScores) {
          push(dI, setting, scores);
          for (const [name, s] of Object.entries(scores)) rows.push({ seed, dI, setting, task: name, metric: task(name, spec.dataSeed).metric, score: s, pt: base[name] ?? null });
        }
        if (seed === spec.seeds[0] && vectors.length >= 2) {
          const k2 = Math.min(2, dI, vectors.length);
          const k3 = Math.min(3, dI, vectors.length);
          const p2 = pca(vectors.map((v) => v.vector), k2);
          const p3 = pca(vectors.map((v) => v.vector), k3);
          analysis[dI] = {
            labels: vectors.map((v) => v.label), pca2: p2.projected, pca3: p3.projected, explained: p3.explainedRatio,
            similarity: cosineMatrix(vectors).values,
          };
        }
      }
    }
  } catch (e) {
    if (e instanceof Paused) return { status: 'paused' };
    throw e;
  }

  const erelKeys = ['train_msf', 'test_msf', 'train_same_ist', 'train_diff_ist', 'test_ist'] as const;
  const agg = (f: (xs: number[]) => number) => Object.fromEntries(spec.intrinsicDims.map((dI) => [String(dI),
    Object.fromEntries(erelKeys.map((k) => [k, f(spec.seeds.map((s) => perSeedErel[s]![dI]![k]))])) as ErelRow]));
  const meanScores = (by: Scores[]) => {
    const out: Scores = {};
    for (const name of Object.keys(by[0] ?? {})) out[name] = mean(by.map((s) => s[name]!));
    return out;
  };
  const stdScores = (by: Scores[]) => {
    const out: Scores = {};
    for (const name of Object.keys(by[0] ?? {})) out[name] = std(by.map((s) => s[name]!));
    return out;
  };
  const scores: StudyResults['scores'] = {};
  for (const [dI, bySetting] of Object.entries(scoreAcc)) {
    scores[dI] = {};
    for (const [setting, byTask] of Object.entries(bySetting)) scores[dI]![setting] = Object.fromEntries(Object.entries(byTask).map(([t, xs]) => [t, mean(xs)]));
  }
  const results: StudyResults = {
    study: spec,
    phases,
    e_rel_pt: agg(mean),
    e_rel_pt_std: agg(std),
    e_rel_pt_per_seed: Object.fromEntries(Object.entries(perSeedErel).map(([s, v]) => [s, Object.fromEntries(Object.entries(v).map(([d, r]) => [d, r]))])),
    random_subspace: Object.fromEntries(Object.entries(randomAcc).map(([dI, xs]) => [dI, { test_ist: mean(xs), test_ist_std: std(xs) }])),
    pt: meanScores(ptBySeed),
    pt_std: stdScores(ptBySeed),
    pt_diff: meanScores(ptDiffBySeed),
    baselines: Object.fromEntries([...train, ...test].map((name) => [name, trivialBaselines(task(name, spec.dataSeed))])),
    scores,
    ...(spec.iptInitPt ? { ipt_init_pt: Object.fromEntries(Object.entries(iptAcc).map(([dI, byTask]) => [dI, Object.fromEntries(Object.entries(byTask).map(([t, xs]) => [t, mean(xs)]))])) } : {}),
    ...(spec.fineTune ? { fine_tune: Object.fromEntries(Object.entries(ftAcc).map(([t, xs]) => [t, mean(xs)])) } : {}),
    excluded,
    analysis,
    rows,
  };
  return { status: 'done', results };
}

/** Per-task scores as CSV (seed, d_I, setting, task, metric, score, PT score, ratio). */
export function resultsCsv(r: StudyResults): string {
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['seed,d_I,setting,task,metric,score,pt_score,ratio'];
  for (const x of r.rows) {
    const ratio = x.pt !== null && x.pt > 0 ? String(x.score / x.pt) : '';
    lines.push([String(x.seed), x.dI === null ? '' : String(x.dI), x.setting, esc(x.task), x.metric, String(x.score), x.pt === null ? '' : String(x.pt), ratio].join(','));
  }
  return lines.join('\n') + '\n';
}
