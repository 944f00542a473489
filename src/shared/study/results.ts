// The tables of a finished study (results.json), computed from its plan and its units' stored
// results. Pure: the runner calls it once every unit is done; nothing here trains.
import { trivialBaselines, type BaselineScores } from '../analysis/baselines';
import { mean, relativePerformance, std } from '../analysis/erel';
import { vectorMap } from '../analysis/pca';
import { cosineMatrix } from '../analysis/similarity';
import { csvCell } from '../csv';
import type { TaskData } from '../tasks/types';
import type { PhaseConfigs } from '../tuning/config';
import { itemId, planItems, type BatchKind, type PlanItem, type StudyPlan } from './plan';
import type { JsonValue, StoredTensor } from './runStore';
import { IST_SETTINGS, type IstSetting, type StudySpec, type UnseenDataDenominator } from './spec';

/** A finished unit as the store holds it: JSON meta (scores, best dev) and its tensors. */
export interface UnitOutcome {
  readonly meta: { readonly [k: string]: JsonValue };
  readonly tensors: Readonly<Record<string, StoredTensor>>;
}

/**
 * The challenges of the paper's Fig. 3, one E_rel each; test_ist split as in Table II into
 * test_in_ist (T_test^in, same side as training) and test_out_ist (T_test^out: spec.tasks.testOutOfDomain).
 */
export const EREL_KEYS = ['train_msf', 'test_msf', 'train_same_ist', 'train_diff_ist', 'test_ist', 'test_in_ist', 'test_out_ist'] as const;
export type ErelKey = (typeof EREL_KEYS)[number];
export type ErelRow = Record<ErelKey, number>;
type Scores = Record<string, number>;

export interface ResultRow {
  seed: number;
  dI: number | null;
  setting: string;
  task: string;
  metric: string;
  score: number;
  pt: number | null;
}

export interface StudyResults {
  readonly study: StudySpec;
  readonly phases: PhaseConfigs;
  /** Mean over run seeds of E_rel^PT, per d_I. */
  readonly e_rel_pt: Record<string, ErelRow>;
  /** Std over run seeds (stability). */
  readonly e_rel_pt_std: Record<string, ErelRow>;
  readonly e_rel_pt_per_seed: Record<string, Record<string, ErelRow>>;
  /** Tasks each E_rel counts (the fewest over run seeds; `excluded` says which were left out). */
  readonly e_rel_n: Record<string, ErelRow>;
  /** The test tasks of T_test^in and T_test^out (Table II), and what train_diff_ist divides by. */
  readonly test_split: { in: string[]; out: string[] };
  readonly unseen_data_denominator: UnseenDataDenominator;
  readonly random_subspace: Record<string, { test_ist: number; test_ist_std: number }>;
  /** PT test score per task (mean over seeds), data seed `dataSeed`. */
  readonly pt: Scores;
  readonly pt_std: Scores;
  /** PT test score of the training tasks on `diffSeed` data (train_diff_ist's denominator under 'diff-seed'). */
  readonly pt_diff: Scores;
  /** Trivial baselines per task on the `dataSeed` test set (majority output, copying the input). */
  readonly baselines: Record<string, BaselineScores>;
  /** Absolute test scores, mean over seeds: [d_I][setting][task]. */
  readonly scores: Record<string, Record<string, Scores>>;
  readonly ipt_init_pt?: Record<string, Scores>;
  /** Full fine-tuning test score per task (mean over seeds), when spec.fineTune. */
  readonly fine_tune?: Scores;
  /**
   * E_rel^FT (the paper's Fig. 3(b) and Fig. 9), when spec.fineTune: the same challenges divided by
   * fine-tuning's test score instead of PT's, mean over run seeds, per d_I; and PT's own ratio to FT.
   */
  readonly e_rel_ft?: Record<string, ErelRow>;
  /**
   * Multi-task PT (Table IV), when spec.multiTaskPt: the one prompt's test score per task (mean
   * over seeds), and E_rel^PT and E_abs of it on the training and on the unseen tasks.
   */
  readonly multi_task_pt?: {
    scores: Scores;
    e_rel: { train: number; test: number };
    e_abs: { train: number; test: number };
  };
  /** Multi-task FT (Table IV), when spec.multiTaskFt: as multi_task_pt, for one fine-tuned model. */
  readonly multi_task_ft?: {
    scores: Scores;
    e_rel: { train: number; test: number };
    e_abs: { train: number; test: number };
  };
  readonly pt_over_ft?: { train: number; test: number };
  /**
   * §V-A's Random_all, when spec.randomAll: a random `dim`-dimensional subspace of every weight, on
   * the unseen tasks: test score per task (mean over seeds), E_rel^PT (mean and std over seeds) and E_abs.
   */
  readonly random_all?: { dim: number; scores: Scores; e_rel: { test: number; test_std: number }; e_abs: { test: number } };
  /**
   * E_abs (Tables V-VIII): the mean over a challenge's tasks of the absolute test score (seed-mean
   * scores), per d_I, with the random subspace; and PT's and FT's over the training and the test tasks.
   */
  readonly e_abs: {
    ipt: Record<string, Partial<Record<ErelKey | 'random_subspace_ist', number>>>;
    pt: { train: number; test: number };
    ft?: { train: number; test: number };
  };
  /**
   * Table III's stability: per unseen task the std of its test score over run seeds, averaged over
   * the unseen tasks (spec.tasks.test), for PT, FT, IPT (test_ist) and IPT-initialised PT (§V-E,
   * with its E_rel^PT). With one run seed every std is 0; `seeds` says how many there were.
   */
  readonly stability: {
    seeds: number;
    pt: number;
    ft?: number;
    ipt: Record<string, number>;
    ipt_init_pt?: Record<string, { e_rel: number; e_rel_std: number; std: number }>;
  };
  /** Tasks left out of E_rel (PT score <= 0), with why. */
  readonly excluded: Record<string, { task: string; reason: string }[]>;
  /** Intrinsic vectors (IST z, first seed) projected to 2-D/3-D, and their cosine similarities. */
  readonly analysis: Record<string, {
    labels: string[];
    pca2: number[][]; pca3: number[][]; explained: number[];
    similarity: number[][];
  }>;
  /** One row per (seed, d_I, setting, task) for the CSV. */
  readonly rows: ResultRow[];
}

/** The unit of an item with the best dev score (the first on a tie): a PT or IST grid's winner, or its one unit. */
export function bestCell(item: PlanItem, outcomeOf: (key: string) => UnitOutcome): { key: string; test: number; outcome: UnitOutcome } {
  let best: { key: string; test: number; outcome: UnitOutcome; dev: number } | null = null;
  for (const u of item.units) {
    const r = outcomeOf(u.key);
    const dev = typeof r.meta.bestDev === 'number' ? r.meta.bestDev : -Infinity;
    if (!best || dev > best.dev) best = { key: u.key, test: r.meta.test as number, outcome: r, dev };
  }
  return best!;
}

/** The grid cell of a PT item with the best dev score (the first on a tie), with its prompt. */
export function bestPtCell(item: PlanItem, outcomeOf: (key: string) => UnitOutcome): { key: string; test: number; prompt: Float32Array } {
  const b = bestCell(item, outcomeOf);
  return { key: b.key, test: b.test, prompt: b.outcome.tensors.prompt!.data };
}

const meanOver = (xs: number[][] | Record<string, number[]>) => Object.fromEntries(Object.entries(xs).map(([k, v]) => [k, mean(v)]));
/** f over run seeds of each task's score, the tasks of the first seed's table. */
const perTask = (by: readonly Scores[], f: (xs: number[]) => number): Scores => Object.fromEntries(Object.keys(by[0] ?? {}).map((task) => [task, f(by.map((s) => s[task]!))]));

/** Everything a study's tables gather, in the order the old single-pass runner filled them. */
class Tabulation {
  readonly rows: ResultRow[] = [];
  readonly perSeedErel: Record<string, Record<string, ErelRow>> = {};
  readonly perSeedN: Record<string, Record<string, ErelRow>> = {};
  readonly ptBySeed: Scores[] = [];
  readonly ptDiffBySeed: Scores[] = [];
  readonly scores: Record<string, Record<string, Record<string, number[]>>> = {};
  readonly random: Record<string, number[]> = {};
  readonly ipt: Record<string, Record<string, number[]>> = {};
  readonly ftBySeed: Scores[] = [];
  readonly perSeedErelFt: Record<string, Record<string, ErelRow>> = {};
  readonly iptErelBySeed: Record<string, number[]> = {};
  readonly mtBySeed: Scores[] = [];
  readonly mtFtBySeed: Scores[] = [];
  readonly randomAllBySeed: Scores[] = [];
  readonly excluded: StudyResults['excluded'] = {};
  readonly analysis: StudyResults['analysis'] = {};
  private readonly items: Map<string, PlanItem>;

  constructor(readonly plan: StudyPlan, readonly outcomeOf: (key: string) => UnitOutcome, readonly metricOf: (task: string) => string) {
    this.items = planItems(plan);
  }

  item(kind: BatchKind, seed: number, at: { task?: string; dI?: number; setting?: IstSetting }): PlanItem {
    const it = this.items.get(itemId(kind, seed, at));
    if (!it) throw new RangeError(`study plan has no ${itemId(kind, seed, at)}`);
    return it;
  }

  /** The test score of a one-unit item (FT, IST, random). */
  test(kind: BatchKind, seed: number, at: { task?: string; dI?: number; setting?: IstSetting }): number {
    return this.outcomeOf(this.item(kind, seed, at).units[0]!.key).meta.test as number;
  }

  row(seed: number, dI: number | null, setting: string, task: string, score: number, pt: number | null): void {
    this.rows.push({ seed, dI, setting, task, metric: this.metricOf(task), score, pt });
  }

  push(dI: number, setting: string, scores: Scores): void {
    const s = ((this.scores[dI] ??= {})[setting] ??= {});
    for (const [k, v] of Object.entries(scores)) (s[k] ??= []).push(v);
  }
}

/** PT, PT on the diff seed and FT of one run seed; returns the PT scores the E_rel divide by. */
function tabulateBaselines(t: Tabulation, seed: number): { pt: Scores; ptDiff: Scores; ft: Scores | null } {
  const { spec } = t.plan;
  const all = [...spec.tasks.train, ...spec.tasks.test];
  const pt: Scores = {};
  const ptDiff: Scores = {};
  for (const task of all) {
    pt[task] = bestPtCell(t.item('pt', seed, { task }), t.outcomeOf).test;
    t.row(seed, null, 'pt', task, pt[task]!, pt[task]!);
  }
  if (spec.intrinsicDims.length && (spec.istSettings ?? IST_SETTINGS).includes('train_diff')) {
    for (const task of spec.tasks.train) {
      ptDiff[task] = bestPtCell(t.item('pt_diff', seed, { task }), t.outcomeOf).test;
      t.row(seed, null, 'pt_diff', task, ptDiff[task]!, ptDiff[task]!);
    }
  }
  t.ptBySeed.push(pt);
  t.ptDiffBySeed.push(ptDiff);
  if (spec.multiTaskPt && spec.tasks.train.length) {
    const mt = t.outcomeOf(t.item('mt_pt', seed, {}).units[0]!.key).meta.scores as Scores;
    t.mtBySeed.push(mt);
    for (const task of all) t.row(seed, null, 'multi_task_pt', task, mt[task]!, pt[task] ?? null);
  }
  if (spec.multiTaskFt && spec.tasks.train.length) {
    const mt = t.outcomeOf(t.item('mt_ft', seed, {}).units[0]!.key).meta.scores as Scores;
    t.mtFtBySeed.push(mt);
    for (const task of all) t.row(seed, null, 'multi_task_ft', task, mt[task]!, pt[task] ?? null);
  }
  if (spec.randomAll && spec.tasks.test.length) {
    const scores: Scores = {};
    for (const task of spec.tasks.test) {
      scores[task] = t.test('random_all', seed, { task });
      t.row(seed, null, 'random_all', task, scores[task]!, pt[task] ?? null);
    }
    t.randomAllBySeed.push(scores);
  }
  if (!spec.fineTune) return { pt, ptDiff, ft: null };
  const ft: Scores = {};
  for (const task of all) {
    ft[task] = bestCell(t.item('ft', seed, { task }), t.outcomeOf).test; // an FT grid's best dev cell
    t.row(seed, null, 'ft', task, ft[task]!, pt[task] ?? null);
  }
  t.ftBySeed.push(ft);
  return { pt, ptDiff, ft };
}

/** MSF, IST, the random subspace and IPT-initialised PT of one run seed and d_I. */
function tabulateDim(t: Tabulation, seed: number, dI: number, pt: Scores, ptDiff: Scores, ft: Scores | null): void {
  const { spec } = t.plan;
  const { train, test } = spec.tasks;
  const msf = t.outcomeOf(t.item('msf', seed, { dI }).units[0]!.key).meta;
  const trainMsf = msf.train_msf as Scores;
  const testMsf = msf.test_msf as Scores;
  const ist: Record<IstSetting, Scores> = { train_same: {}, train_diff: {}, test: {} };
  const vectors: { label: string; vector: Float32Array }[] = [];
  const settings = spec.istSettings ?? IST_SETTINGS;
  for (const [setting, names] of [['train_same', train], ['train_diff', train], ['test', test]] as const) {
    if (!settings.includes(setting)) continue; // not run: its E_rel is NaN (null in JSON)
    for (const task of names) {
      const r = bestCell(t.item('ist', seed, { dI, setting, task }), t.outcomeOf).outcome;
      ist[setting][task] = r.meta.test as number;
      if (setting !== 'train_diff') vectors.push({ label: task, vector: r.tensors.z!.data });
    }
  }
  if ((spec.randomSubspace ?? true) && test.length > 0) {
    const scores: Scores = {};
    for (const task of test) {
      scores[task] = t.test('random', seed, { dI, task });
      t.row(seed, dI, 'random_subspace_ist', task, scores[task]!, pt[task] ?? null);
      t.push(dI, 'random_subspace_ist', { [task]: scores[task]! });
    }
    (t.random[dI] ??= []).push(relativePerformance(scores, pt).value);
  }
  if (spec.iptInitPt) {
    const scores: Scores = {};
    for (const task of test) {
      const s = (scores[task] = bestPtCell(t.item('ipt_pt', seed, { dI, task }), t.outcomeOf).test);
      ((t.ipt[dI] ??= {})[task] ??= []).push(s);
      t.row(seed, dI, 'ipt_init_pt', task, s, pt[task] ?? null);
    }
    (t.iptErelBySeed[dI] ??= []).push(relativePerformance(scores, pt).value);
  }
  const unseenBase = (spec.unseenDataDenominator ?? 'data-seed') === 'data-seed' ? pt : ptDiff;
  const bySetting: [ErelKey, Scores, Scores][] = [
    ['train_msf', trainMsf, pt], ['test_msf', testMsf, pt],
    ['train_same_ist', ist.train_same, pt], ['train_diff_ist', ist.train_diff, unseenBase], ['test_ist', ist.test, pt],
  ];
  const out = new Set(spec.tasks.testOutOfDomain ?? []);
  const side = (inDomain: boolean) => Object.fromEntries(Object.entries(ist.test).filter(([task]) => out.has(task) !== inDomain));
  // Views of test_ist, not settings of their own: no rows or scores of their own.
  const views: [ErelKey, Scores, Scores][] = [['test_in_ist', side(true), pt], ['test_out_ist', side(false), pt]];
  const row = {} as ErelRow;
  const n = {} as ErelRow;
  for (const [k, scores, base] of [...bySetting, ...views]) {
    const rel = relativePerformance(scores, base);
    row[k] = rel.value;
    n[k] = rel.n;
    if (rel.excluded.length) t.excluded[`${dI}/${k}/r${seed}`] = [...rel.excluded];
  }
  (t.perSeedErel[seed] ??= {})[dI] = row;
  (t.perSeedN[seed] ??= {})[dI] = n;
  // E_rel^FT: the same scores over FT's (its exclusions are not listed: FT's scores are their own table).
  if (ft) (t.perSeedErelFt[seed] ??= {})[dI] = Object.fromEntries([...bySetting, ...views].map(([k, scores]) => [k, relativePerformance(scores, ft).value])) as ErelRow;
  for (const [setting, scores, base] of bySetting) {
    t.push(dI, setting, scores);
    for (const [task, s] of Object.entries(scores)) t.row(seed, dI, setting, task, s, base[task] ?? null);
  }
  if (seed === spec.seeds[0] && vectors.length >= 2) t.analysis[dI] = vectorAnalysis(vectors, dI);
}

/** The mean over run seeds of E_rel of `num` over `den` on `tasks` (PT over FT). */
function ratioOver(num: Scores[], den: Scores[], tasks: readonly string[]): number {
  const pick = (s: Scores) => Object.fromEntries(tasks.filter((x) => x in s).map((x) => [x, s[x]!]));
  return mean(num.map((s, i) => relativePerformance(pick(s), den[i]!).value));
}

/** Table IV's multi-task PT or FT: its scores, and E_rel^PT (per seed, then the mean) and E_abs on each side. */
function multiTask(t: Tabulation, spec: StudySpec, bySeed: Scores[]): NonNullable<StudyResults['multi_task_pt']> {
  const { train, test } = spec.tasks;
  const scores = perTask(bySeed, mean);
  return {
    scores, e_rel: { train: ratioOver(bySeed, t.ptBySeed, train), test: ratioOver(bySeed, t.ptBySeed, test) },
    e_abs: { train: meanOf(scores, train), test: meanOf(scores, test) },
  };
}

/** §V-A's Random_all on the unseen tasks: E_rel^PT per seed (then mean and std), E_abs of the seed means. */
function randomAll(t: Tabulation, plan: StudyPlan): NonNullable<StudyResults['random_all']> {
  const perSeed = t.randomAllBySeed.map((s, i) => relativePerformance(s, t.ptBySeed[i]!).value);
  const scores = perTask(t.randomAllBySeed, mean);
  return { dim: plan.phases.randomAll.dim, scores, e_rel: { test: mean(perSeed), test_std: std(perSeed) }, e_abs: { test: meanOf(scores, plan.spec.tasks.test) } };
}

/** Mean of a task -> score table over `tasks` (those it has). */
function meanOf(scores: Scores, tasks?: readonly string[]): number {
  return mean((tasks ?? Object.keys(scores)).filter((x) => x in scores).map((x) => scores[x]!));
}

/** E_abs: mean absolute scores per challenge (seed means per task first, as `scores` holds them). */
function absoluteScores(t: Tabulation, spec: StudySpec): StudyResults['e_abs'] {
  const { train, test } = spec.tasks;
  const out = new Set(spec.tasks.testOutOfDomain ?? []);
  const ipt: StudyResults['e_abs']['ipt'] = {};
  for (const dI of spec.intrinsicDims) {
    const bySetting = t.scores[dI] ?? {};
    const row: Partial<Record<ErelKey | 'random_subspace_ist', number>> = {};
    for (const [k, v] of Object.entries(bySetting)) row[k as ErelKey] = meanOf(meanOver(v));
    const testScores = bySetting.test_ist ? meanOver(bySetting.test_ist) : null;
    if (testScores) {
      row.test_in_ist = meanOf(testScores, test.filter((x) => !out.has(x)));
      row.test_out_ist = meanOf(testScores, test.filter((x) => out.has(x)));
    }
    ipt[dI] = row;
  }
  const pt = perTask(t.ptBySeed, mean);
  const ft = spec.fineTune ? perTask(t.ftBySeed, mean) : null;
  return { ipt, pt: { train: meanOf(pt, train), test: meanOf(pt, test) }, ...(ft ? { ft: { train: meanOf(ft, train), test: meanOf(ft, test) } } : {}) };
}

/** Table III: per-task std over run seeds, averaged over the unseen tasks. */
function stability(t: Tabulation, spec: StudySpec): StudyResults['stability'] {
  const { test } = spec.tasks;
  const perTaskStd = (byTask: Record<string, number[]>) => mean(test.filter((x) => x in byTask).map((x) => std(byTask[x]!)));
  return {
    seeds: spec.seeds.length,
    pt: meanOf(perTask(t.ptBySeed, std), test),
    ...(spec.fineTune ? { ft: meanOf(perTask(t.ftBySeed, std), test) } : {}),
    ipt: Object.fromEntries(spec.intrinsicDims.filter((dI) => t.scores[dI]?.test_ist).map((dI) => [String(dI), perTaskStd(t.scores[dI]!.test_ist!)])),
    ...(spec.iptInitPt ? {
      ipt_init_pt: Object.fromEntries(Object.entries(t.ipt).map(([dI, byTask]) => [dI, { e_rel: mean(t.iptErelBySeed[dI]!), e_rel_std: std(t.iptErelBySeed[dI]!), std: perTaskStd(byTask) }])),
    } : {}),
  };
}

/** PCA (2-D and 3-D) and cosine similarities of the intrinsic vectors of one d_I. */
function vectorAnalysis(vectors: { label: string; vector: Float32Array }[], dI: number): StudyResults['analysis'][string] {
  return { labels: vectors.map((v) => v.label), ...vectorMap(vectors.map((v) => v.vector), dI), similarity: cosineMatrix(vectors).values };
}

/** The study's tables from its finished units. `taskAt` gives a task's data (baselines, metrics). */
export function tabulate(plan: StudyPlan, outcomeOf: (key: string) => UnitOutcome, taskAt: (name: string, seed: number) => TaskData): StudyResults {
  const { spec } = plan;
  const t = new Tabulation(plan, outcomeOf, (task) => taskAt(task, spec.dataSeed).metric);
  for (const seed of spec.seeds) {
    const { pt, ptDiff, ft } = tabulateBaselines(t, seed);
    for (const dI of spec.intrinsicDims) tabulateDim(t, seed, dI, pt, ptDiff, ft);
  }
  const overSeeds = (f: (xs: number[]) => number, perSeed = t.perSeedErel) => Object.fromEntries(spec.intrinsicDims.map((dI) => [String(dI),
    Object.fromEntries(EREL_KEYS.map((k) => [k, f(spec.seeds.map((s) => perSeed[s]![dI]![k]))])) as ErelRow]));
  const all = [...spec.tasks.train, ...spec.tasks.test];
  const outOfDomain = new Set(spec.tasks.testOutOfDomain ?? []);
  return {
    study: spec,
    phases: plan.phases,
    e_rel_pt: overSeeds(mean),
    e_rel_pt_std: overSeeds(std),
    e_rel_pt_per_seed: t.perSeedErel,
    e_rel_n: Object.fromEntries(spec.intrinsicDims.map((dI) => [String(dI),
      Object.fromEntries(EREL_KEYS.map((k) => [k, Math.min(...spec.seeds.map((s) => t.perSeedN[s]![dI]![k]))])) as ErelRow])),
    test_split: { in: spec.tasks.test.filter((x) => !outOfDomain.has(x)), out: spec.tasks.test.filter((x) => outOfDomain.has(x)) },
    unseen_data_denominator: spec.unseenDataDenominator ?? 'data-seed',
    random_subspace: Object.fromEntries(Object.entries(t.random).map(([dI, xs]) => [dI, { test_ist: mean(xs), test_ist_std: std(xs) }])),
    pt: perTask(t.ptBySeed, mean),
    pt_std: perTask(t.ptBySeed, std),
    pt_diff: perTask(t.ptDiffBySeed, mean),
    baselines: Object.fromEntries(all.map((task) => [task, trivialBaselines(taskAt(task, spec.dataSeed))])),
    scores: Object.fromEntries(Object.entries(t.scores).map(([dI, bySetting]) => [dI, Object.fromEntries(Object.entries(bySetting).map(([s, byTask]) => [s, meanOver(byTask)]))])),
    ...(spec.iptInitPt ? { ipt_init_pt: Object.fromEntries(Object.entries(t.ipt).map(([dI, byTask]) => [dI, meanOver(byTask)])) } : {}),
    ...(spec.fineTune ? {
      fine_tune: perTask(t.ftBySeed, mean),
      e_rel_ft: overSeeds(mean, t.perSeedErelFt),
      pt_over_ft: { train: ratioOver(t.ptBySeed, t.ftBySeed, spec.tasks.train), test: ratioOver(t.ptBySeed, t.ftBySeed, spec.tasks.test) },
    } : {}),
    ...(t.mtBySeed.length ? { multi_task_pt: multiTask(t, spec, t.mtBySeed) } : {}),
    ...(t.mtFtBySeed.length ? { multi_task_ft: multiTask(t, spec, t.mtFtBySeed) } : {}),
    ...(t.randomAllBySeed.length ? { random_all: randomAll(t, plan) } : {}),
    e_abs: absoluteScores(t, spec),
    stability: stability(t, spec),
    excluded: t.excluded,
    analysis: t.analysis,
    rows: t.rows,
  };
}

/** Per-task scores as CSV (seed, d_I, setting, task, metric, score, PT score, ratio). */
export function resultsCsv(r: StudyResults): string {
  const lines = ['seed,d_I,setting,task,metric,score,pt_score,ratio'];
  for (const x of r.rows) {
    const ratio = x.pt !== null && x.pt > 0 ? String(x.score / x.pt) : '';
    lines.push([String(x.seed), x.dI === null ? '' : String(x.dI), x.setting, csvCell(x.task), x.metric, String(x.score), x.pt === null ? '' : String(x.pt), ratio].join(','));
  }
  return lines.join('\n') + '\n';
}
