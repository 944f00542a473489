// The paper's analyses (issue #15 §5) as presets over a base study: each turns the study a person
// chose (the Run screen's, a study.json, or the built-in quick study) into the one or more studies
// its figure needs, and turns their finished results into that figure's data. Pure: the CLI
// (`ipt --preset <name>`) and the app's analysis runner both walk `analysisStudies` and call
// `analysisFigure`; the units the studies share (every PT run, mostly) are computed once, as their
// keys are the same (plan.ts).
//
//   ft           Fig. 3(b), Fig. 9   E_rel vs FT beside E_rel vs PT                 one study (+ fine-tuning)
//   absolute     Tables V-VIII       E_abs, the mean absolute score           one study (+ fine-tuning)
//   stability    Table III, §V-E     per-task std over runs; IPT-initialised PT one study (3 seeds, + FT, + PT from IST)
//   task-count   Fig. 7, §V-C        20-100% of the training tasks            five studies
//   task-types   Fig. 4              a task type included in MSF, or excluded  two studies per type
//   data-scale   Fig. 6, §V-B        K x1, x2, x4 on the classification tasks  three studies
//   multi-task   Table IV            one prompt / one model on all training tasks  one study (+ multi-task PT and FT)
//   random-all   §V-A                a random subspace of every weight (Random_all) one study (+ Random_all)
import type { Json } from '../json';
import { Rng } from '../random';
import { ANALYSIS_SPLIT_FILES, SPLIT_FILES } from '../tasks/index';
import { resultTitle } from './labels';
import type { ErelKey, StudyResults } from './results';
import type { StudySpec } from './spec';

export type AnalysisName = 'ft' | 'absolute' | 'stability' | 'task-count' | 'task-types' | 'data-scale' | 'multi-task' | 'random-all';
export const ANALYSIS_NAMES: readonly AnalysisName[] = ['ft', 'absolute', 'stability', 'task-count', 'task-types', 'data-scale', 'multi-task', 'random-all'];

export interface AnalysisInfo {
  readonly name: AnalysisName;
  /** The figure or table of the paper it reproduces. */
  readonly paper: string;
  readonly title: string;
  /** The question it answers, in one sentence. */
  readonly question: string;
  /** How to read its figure: axes, marks, what to look for. */
  readonly howToRead: string;
  /** What it runs beyond the base study's phases, in words for the Run screen ("…, and <adds>"). */
  readonly adds?: string;
  /** What a base study needs for this analysis to have anything to run (said when it has nothing). */
  readonly needs: string;
}

export const ANALYSES: Readonly<Record<AnalysisName, AnalysisInfo>> = {
  ft: {
    name: 'ft', paper: 'Fig. 3(b), Fig. 9', title: 'IPT against fine-tuning (E_rel vs FT)', adds: 'fine-tunes every weight of the model as a baseline (small models only in the tab)', needs: 'at least one task',
    question: 'How much of full fine-tuning, not just of prompt tuning, do a few intrinsic numbers recover?',
    howToRead: 'Each challenge has two lines against d_I: solid is E_rel vs PT (IPT over prompt tuning, the main curve), dashed is E_rel vs FT (IPT over fine-tuning every weight). The dashed line sits lower where fine-tuning beats prompt tuning; the table also gives prompt tuning\'s own ratio to fine-tuning.',
  },
  absolute: {
    name: 'absolute', paper: 'Tables V-VIII', title: 'Absolute scores (E_abs)', adds: 'fine-tunes every weight of the model as a baseline (small models only in the tab)', needs: 'at least one task',
    question: 'What do the scores behind the ratios look like: the mean absolute score of IPT, PT and FT?',
    howToRead: 'Bars are mean test scores (each task\'s own metric, 0-1) over a challenge\'s tasks, per d_I, with prompt tuning and fine-tuning on the same tasks beside them. A ratio near 1 with low absolute scores means both methods struggle.',
  },
  stability: {
    name: 'stability', paper: 'Table III, §V-E', title: 'Stability over runs, and PT started from IPT', adds: 'fine-tunes every weight of the model as a baseline (small models only in the tab) and prompt-tunes the unseen tasks again from IST\'s prompt', needs: 'at least one unseen task',
    question: 'Are runs in the subspace steadier than prompt tuning or fine-tuning, and does starting PT from IPT\'s prompt help?',
    howToRead: 'Bars are the standard deviation of a task\'s test score over run seeds, averaged over the unseen tasks: lower is steadier. The table adds E_rel vs PT of prompt tuning started from IST\'s prompt (above 1: better than PT from a random start).',
  },
  'task-count': {
    name: 'task-count', paper: 'Fig. 7, §V-C', title: 'The number of training tasks', needs: 'two or more training tasks',
    question: 'Does a subspace found from more tasks generalise better to unseen tasks?',
    howToRead: 'Each line is one challenge at one d_I, against the share of the training tasks MSF saw (the same unseen tasks throughout). A rising line means more tasks find a more universal subspace.',
  },
  'task-types': {
    name: 'task-types', paper: 'Fig. 4', title: 'Task types included in, or excluded from, subspace finding', needs: 'two or more tasks of a type among its training and unseen tasks, and training tasks of another type: raise “Training tasks (at most)” or pick a split with more tasks',
    question: 'Does IST on a task type need that type among the tasks the subspace was found from?',
    howToRead: 'Per task type, two bars of E_rel vs PT on the same unseen tasks of that type: with some tasks of the type among MSF\'s training tasks (included), and with none (excluded). A large gap means the subspace covers that type only when it has seen it.',
  },
  'multi-task': {
    name: 'multi-task', paper: 'Table IV', title: 'One prompt, or one model, for all tasks (multi-task PT and FT)', adds: 'trains one prompt, and every weight of the model, on all training tasks at once (the second for small models only in the tab)', needs: 'training tasks',
    question: 'Is the shared subspace just one prompt that serves every task, or does each task need its own point in it?',
    howToRead: 'Bars are mean test scores (each task\'s metric, 0-1) on the training tasks and on the unseen tasks: prompt tuning each task on its own, one prompt trained on all training tasks at once (multi-task PT), every weight of the model trained on all of them at once (multi-task FT), and IPT, which tunes d_I numbers per task in the subspace. IPT above multi-task PT means tasks differ in the subspace, not only share it.',
  },
  'random-all': {
    name: 'random-all', paper: '§V-A', title: 'A random subspace of every weight (Random_all)', adds: 'tunes Random_all, a random subspace of every weight, on each unseen task (small models only in the tab)', needs: 'at least one unseen task',
    question: 'Is the found subspace special, or would any low-dimensional subspace of the whole model do as well?',
    howToRead: 'Bars are E_rel vs PT on the unseen tasks: IST in the subspace found from the training tasks (per d_I), IST through an untrained random Proj_b of the same shape, and Random_all, which tunes d numbers (100, as Aghajanyan et al.\'s intrinsic dimension) moving every weight of the model through a random Fastfood projection, with no prompt. The found subspace far above both means it is the tasks, not the low dimension, that make it work.',
  },
  'data-scale': {
    name: 'data-scale', paper: 'Fig. 6, §V-B', title: 'The data scale (K x1, x2, x4)', needs: 'classification tasks among its training tasks',
    question: 'With more examples per task, does tuning in the subspace keep up with prompt tuning?',
    howToRead: 'Each line is one challenge at one d_I, against how many times CrossFit\'s K (16 per class) every classification task\'s train and dev sets hold; PT, MSF and IST all train on the larger sets. A flat line means the subspace\'s share of PT does not depend on the data scale.',
  },
};

export interface AnalysisStudy {
  /** What distinguishes this study within the analysis ("40%", "sentiment analysis, excluded"). */
  readonly label: string;
  /** The x value (share of tasks) or group (task type) it contributes to its figure. */
  readonly group: string;
  readonly variant?: 'included' | 'excluded';
  readonly spec: StudySpec;
}

/** What the analyses need to know of the tasks: a task's CrossFit category ("cls/sentiment analysis"). */
export interface AnalysisContext {
  readonly categoryOf: (task: string) => string;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set([...a, ...b]).size === a.length;
/** Whether a base study is the paper's random split (its training tasks are split-random's). */
const isPaperRandom = (base: StudySpec) => sameSet(base.tasks.train, SPLIT_FILES.random!.train!);

/** The multiples of K of Fig. 6. */
export const DATA_SCALES: readonly number[] = [1, 2, 4];
/** The shares of training tasks of Fig. 7. */
export const TASK_COUNT_SHARES: readonly number[] = [20, 40, 60, 80, 100];
/** The run seeds Table III needs when the base has fewer than two. */
const STABILITY_SEEDS: readonly number[] = [1, 2, 3];

/**
 * The studies an analysis runs over `base`, named `<base>/<analysis>/<label>`. Studies whose
 * training tasks would be the same are run once; a task type too small to split is left out, and
 * `skipped` says why.
 */
export function analysisStudies(name: AnalysisName, base: StudySpec, ctx: AnalysisContext): { studies: AnalysisStudy[]; skipped: string[] } {
  const named = (label: string, spec: Partial<StudySpec>): StudySpec => ({ ...base, ...spec, name: `${base.name}/${name}/${label}` });
  switch (name) {
    case 'ft':
    case 'absolute':
      return { studies: [{ label: 'all', group: 'all', spec: named('all', { fineTune: true }) }], skipped: [] };
    case 'stability':
      return {
        studies: [{ label: 'all', group: 'all', spec: named('all', { fineTune: true, iptInitPt: true, seeds: base.seeds.length >= 2 ? base.seeds : [...STABILITY_SEEDS] }) }],
        skipped: [],
      };
    case 'task-count':
      return { studies: taskCountStudies(base, named), skipped: [] };
    case 'task-types':
      return taskTypeStudies(base, ctx, named);
    case 'data-scale':
      return dataScaleStudies(base, ctx, named);
    case 'multi-task':
      return { studies: [{ label: 'all', group: 'all', spec: named('all', { multiTaskPt: true, multiTaskFt: true }) }], skipped: [] };
    case 'random-all':
      return { studies: [{ label: 'all', group: 'all', spec: named('all', { randomAll: true }) }], skipped: [] };
  }
}

/** Fig. 6: the base's classification tasks at K x1, x2, x4 (the built-in world draws the larger sets). */
function dataScaleStudies(base: StudySpec, ctx: AnalysisContext, named: (label: string, s: Partial<StudySpec>) => StudySpec): { studies: AnalysisStudy[]; skipped: string[] } {
  const cls = (ts: readonly string[]) => ts.filter((t) => ctx.categoryOf(t).startsWith('cls/'));
  const tasks = { train: cls(base.tasks.train), test: cls(base.tasks.test) };
  if (!tasks.train.length) return { studies: [], skipped: ['the base study has no classification training task, and Fig. 6 scales the classification tasks'] };
  const out = cls(base.tasks.testOutOfDomain ?? []);
  const skipped = [...base.tasks.train, ...base.tasks.test].filter((t) => !ctx.categoryOf(t).startsWith('cls/'));
  const studies = DATA_SCALES.map((m): AnalysisStudy => {
    const { kScale: _, ...spec } = named(`K x${m}`, { tasks: { ...tasks, ...(out.length ? { testOutOfDomain: out } : {}) }, randomSubspace: false });
    // K x1 has no kScale at all, so its PT runs are the base's own (reused), whatever the base scaled.
    return { label: `K x${m}`, group: String(m), spec: m === 1 ? spec : { ...spec, kScale: m } };
  });
  const n = skipped.length;
  return { studies, skipped: n ? [`${n} task${n === 1 ? ' that is' : 's that are'} not classification (${skipped.join(', ')})`] : [] };
}

function taskCountStudies(base: StudySpec, named: (label: string, s: Partial<StudySpec>) => StudySpec): AnalysisStudy[] {
  // The paper's random split uses the reference's random_<n> files; any other base a seeded shuffle's prefixes.
  const paper = isPaperRandom(base);
  const order = new Rng(20240).permutation(base.tasks.train.length).map((i) => base.tasks.train[i]!);
  const out: AnalysisStudy[] = [];
  for (const share of TASK_COUNT_SHARES) {
    const train = share === 100 ? [...base.tasks.train]
      : paper ? [...ANALYSIS_SPLIT_FILES[`random_${share}`]!.train]
        : order.slice(0, Math.max(1, Math.round((share / 100) * order.length)));
    if (out.some((s) => sameSet(s.spec.tasks.train, train))) continue; // a small base: two shares, one set
    // The share it really is (3 of 14 tasks is 21%), which the figure's x axis shows.
    const real = Math.round((100 * train.length) / base.tasks.train.length);
    const label = `${real}%`;
    out.push({ label, group: String(real), spec: named(label, { tasks: { ...base.tasks, train }, randomSubspace: false }) });
  }
  return out;
}

/** The paper's task types (the reference's random_heldout_<type> files) and their _test parts. */
function paperTypes(): { type: string; train: string[]; included: string[]; tested: string[] }[] {
  const types = Object.keys(ANALYSIS_SPLIT_FILES).filter((k) => /^random_heldout_[a-z]+$/.test(k)).sort();
  return types.map((k) => {
    const held = ANALYSIS_SPLIT_FILES[k]!;
    const one = ANALYSIS_SPLIT_FILES[`${k}_test_1`];
    const two = ANALYSIS_SPLIT_FILES[`${k}_test_2`];
    // Where the files split the type in two, the first part joins MSF and the second is tested; else half and half.
    const [included, tested] = one && two ? [[...one.test], [...two.test]] : halves(held.test);
    return { type: k.slice('random_heldout_'.length), train: [...held.train], included, tested };
  });
}

/** The first half (rounded down) and the rest. */
function halves(xs: readonly string[]): [string[], string[]] {
  const k = Math.floor(xs.length / 2);
  return [xs.slice(0, k), xs.slice(k)];
}

function taskTypeStudies(base: StudySpec, ctx: AnalysisContext, named: (label: string, s: Partial<StudySpec>) => StudySpec): { studies: AnalysisStudy[]; skipped: string[] } {
  const skipped: string[] = [];
  let types: { type: string; train: string[]; included: string[]; tested: string[] }[];
  if (isPaperRandom(base)) {
    types = paperTypes();
  } else {
    // Any other base: its tasks (training and unseen) grouped by category; a type's first half
    // joins MSF in the "included" study, and its second half is what both studies test.
    const pool = [...base.tasks.train, ...base.tasks.test];
    const byType = new Map<string, string[]>();
    for (const t of pool) {
      const c = ctx.categoryOf(t);
      byType.set(c, [...(byType.get(c) ?? []), t]);
    }
    types = [];
    for (const [type, tasks] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
      const [included, tested] = halves(tasks);
      const train = base.tasks.train.filter((t) => !tasks.includes(t));
      if (!included.length) skipped.push(`${type}: one task only, nothing to include and test apart`);
      else if (!train.length) skipped.push(`${type}: every training task is of this type, so excluding it leaves none`);
      else types.push({ type, train, included, tested });
    }
  }
  const studies = types.flatMap(({ type, train, included, tested }): AnalysisStudy[] => {
    // IST on the tested tasks only (the unseen-task challenge), without the random baseline.
    const study = (variant: 'included' | 'excluded', trainTasks: string[]): AnalysisStudy => ({
      label: `${type}, ${variant}`, group: type, variant,
      spec: named(`${type}/${variant}`, { tasks: { train: trainTasks, test: tested }, istSettings: ['test'], randomSubspace: false }),
    });
    return [study('included', [...train, ...included]), study('excluded', train)];
  });
  return { studies, skipped };
}

/** A finished study of an analysis: its place in the analysis and its results (as results.json holds them). */
export interface AnalysisResult {
  readonly study: Pick<AnalysisStudy, 'label' | 'group' | 'variant'>;
  readonly results: AnalysisTables;
}

/** The tables of results.json the figures read (numbers may be null there: NaN written as JSON). */
export type AnalysisTables = Json<Pick<StudyResults, 'e_rel_pt' | 'e_abs' | 'stability'>> & Partial<Json<Pick<StudyResults, 'e_rel_ft' | 'pt_over_ft' | 'e_rel_n' | 'multi_task_pt' | 'multi_task_ft' | 'random_all' | 'random_subspace'>>> & {
  readonly study: {
    readonly intrinsicDims: readonly number[];
    readonly seeds?: readonly number[];
    readonly istSettings?: readonly string[];
    readonly tasks: { readonly train: readonly string[]; readonly test: readonly string[]; readonly testOutOfDomain?: readonly string[] };
  };
};

export interface AnalysisSeries {
  readonly name: string;
  readonly y: (number | null)[];
  readonly dashed?: boolean;
}

/** A figure's data: what the CLI writes (analysis.json, figure.svg) and the app draws. */
export interface AnalysisFigure {
  readonly analysis: AnalysisName;
  readonly title: string;
  readonly paper: string;
  readonly kind: 'lines' | 'bars';
  readonly xLabel: string;
  readonly yLabel: string;
  readonly x: (number | string)[];
  readonly series: AnalysisSeries[];
  /** The same numbers as a table (the figure's text alternative). */
  readonly table: { columns: string[]; rows: (string | number | null)[][] };
  /** What the figure leaves out and why, and what the paper's own values are (or that they are not transcribed). */
  readonly notes: string[];
  /** Where its numbers come from: the base study and the studies it ran (set by whoever ran them). */
  readonly source?: { readonly base: string; readonly model: string; readonly studies: readonly string[] };
}

const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/**
 * The E_rel challenges a study ran, from its spec (a challenge can run and still have no value:
 * every task's PT score 0). T_test^in / T_test^out only where the study names out-of-domain tasks.
 */
function ranChallenges(study: AnalysisTables['study'], keys: readonly ErelKey[]): ErelKey[] {
  const settings = study.istSettings ?? ['train_same', 'train_diff', 'test'];
  const split = (study.tasks.testOutOfDomain ?? []).length > 0;
  const ran: Record<ErelKey, boolean> = {
    train_msf: study.intrinsicDims.length > 0, test_msf: study.tasks.test.length > 0,
    train_same_ist: settings.includes('train_same'), train_diff_ist: settings.includes('train_diff'),
    test_ist: settings.includes('test') && study.tasks.test.length > 0,
    test_in_ist: split && settings.includes('test'), test_out_ist: split && settings.includes('test'),
  };
  return keys.filter((k) => ran[k]);
}
const MAIN: readonly ErelKey[] = ['train_same_ist', 'train_diff_ist', 'test_ist', 'test_in_ist', 'test_out_ist'];

/** The figure of an analysis from its finished studies (in analysisStudies' order). */
export function analysisFigure(name: AnalysisName, done: readonly AnalysisResult[]): AnalysisFigure {
  if (!done.length) throw new RangeError(`analysis "${name}": no finished study to draw`);
  const info = ANALYSES[name];
  const head = { analysis: name, title: info.title, paper: info.paper };
  // Small studies: say that a point is a handful of tasks, so a bump is not read as a finding.
  const unseen = Math.min(...done.map((d) => d.results.study.tasks.test.length));
  const seeds = Math.min(...done.map((d) => d.results.study.seeds?.length ?? 1));
  const few = unseen < 5 || seeds < 2
    ? [`Each point counts ${unseen} unseen task${unseen === 1 ? '' : 's'} over ${seeds} run seed${seeds === 1 ? '' : 's'}: one task can move it a lot, so read differences between points as a hint, not a finding.`]
    : [];
  // paperValues.ts holds what could be read of the paper: its abstracts, none of these figures.
  const paperNote = `The paper's own values (${info.paper}) are not drawn beside it: the paper's full text was not available to this project, so none of its numbers is transcribed.`;
  switch (name) {
    case 'ft': return { ...head, ...ftFigure(done[0]!.results), notes: [...few, paperNote] };
    case 'absolute': return { ...head, ...absoluteFigure(done[0]!.results), notes: [...few, paperNote] };
    case 'stability': return { ...head, ...stabilityFigure(done[0]!.results), notes: [`${done[0]!.results.stability.seeds} run seeds.`, ...few, paperNote] };
    case 'task-count': return { ...head, ...sweepFigure(done, 'training tasks (% of the base study\'s)', '% of training tasks'), notes: [...few, paperNote] };
    case 'multi-task': return { ...head, ...multiTaskFigure(done[0]!.results), notes: [...few, paperNote] };
    case 'random-all': return { ...head, ...randomAllFigure(done[0]!.results), notes: [...few, paperNote] };
    case 'data-scale': return { ...head, ...sweepFigure(done, 'K x (examples per class, 16 = CrossFit\'s K)', 'K x'), notes: [...few, paperNote] };
    case 'task-types': return { ...head, ...taskTypeFigure(done), notes: [...few, paperNote] };
  }
}


type Body = Omit<AnalysisFigure, 'analysis' | 'title' | 'paper' | 'notes'>;

function ftFigure(r: AnalysisTables): Body {
  const dims = [...r.study.intrinsicDims];
  const ft = r.e_rel_ft ?? {};
  const keys = ranChallenges(r.study, MAIN);
  const series: AnalysisSeries[] = keys.flatMap((k) => [
    { name: `${resultTitle(k)}: E_rel vs PT`, y: dims.map((d) => num(r.e_rel_pt[d]?.[k])) },
    { name: `${resultTitle(k)}: E_rel vs FT`, y: dims.map((d) => num(ft[d]?.[k])), dashed: true },
  ]);
  const rows = dims.flatMap((d) => keys.map((k) => [d, resultTitle(k), num(r.e_rel_pt[d]?.[k]), num(ft[d]?.[k])]));
  rows.push(['-', 'prompt tuning (PT) over FT, unseen tasks', null, num(r.pt_over_ft?.test)], ['-', 'prompt tuning (PT) over FT, training tasks', null, num(r.pt_over_ft?.train)]);
  return { kind: 'lines', xLabel: 'd_I', yLabel: 'E_rel', x: dims, series, table: { columns: ['d_I', 'challenge', 'E_rel vs PT', 'E_rel vs FT'], rows } };
}

function absoluteFigure(r: AnalysisTables): Body {
  const dims = [...r.study.intrinsicDims];
  const keys = ranChallenges(r.study, [...MAIN, 'train_msf', 'test_msf']);
  const x = keys.map((k) => resultTitle(k));
  // PT and FT on the tasks of each challenge: training tasks for train_*, unseen tasks otherwise.
  const side = (k: ErelKey): 'train' | 'test' => (k.startsWith('train') ? 'train' : 'test');
  const series: AnalysisSeries[] = [
    ...dims.map((d) => ({ name: `IPT, d_I ${d}`, y: keys.map((k) => num(r.e_abs.ipt[d]?.[k])) })),
    { name: 'prompt tuning (PT)', y: keys.map((k) => num(r.e_abs.pt[side(k)])) },
    ...(r.e_abs.ft ? [{ name: 'full fine-tuning (FT)', y: keys.map((k) => num(r.e_abs.ft![side(k)])) }] : []),
  ];
  const rows = keys.map((k, i) => [x[i]!, ...series.map((s) => s.y[i]!)]);
  return { kind: 'bars', xLabel: 'challenge', yLabel: 'mean test score (E_abs)', x, series, table: { columns: ['challenge', ...series.map((s) => s.name)], rows } };
}

function stabilityFigure(r: AnalysisTables): Body {
  const s = r.stability;
  const dims = [...r.study.intrinsicDims].filter((d) => s.ipt[d] !== undefined);
  const bars: [string, number | null, number | null][] = [
    ...(s.ft !== undefined ? [['full fine-tuning (FT)', num(s.ft), null] as [string, number | null, number | null]] : []),
    ['prompt tuning (PT)', num(s.pt), 1],
    ...dims.map((d): [string, number | null, number | null] => [`IPT, d_I ${d}`, num(s.ipt[d]), num(r.e_rel_pt[d]?.test_ist)]),
    ...Object.entries(s.ipt_init_pt ?? {}).map(([d, v]): [string, number | null, number | null] => [`PT from IPT, d_I ${d}`, num(v.std), num(v.e_rel)]),
  ];
  return {
    kind: 'bars', xLabel: 'method', yLabel: 'mean per-task std over runs', x: bars.map((b) => b[0]),
    series: [{ name: 'std over run seeds', y: bars.map((b) => b[1]) }],
    table: { columns: ['method', 'mean per-task std', 'E_rel vs PT on unseen tasks'], rows: bars.map((b) => [...b]) },
  };
}

function multiTaskFigure(r: AnalysisTables): Body {
  const dims = [...r.study.intrinsicDims];
  const mt = r.multi_task_pt;
  const mtFt = r.multi_task_ft;
  const settings = r.study.istSettings ?? ['train_same', 'train_diff', 'test'];
  // IPT on the training tasks' own data (train_same), else on new data, and on the unseen tasks.
  const trainKey: ErelKey = settings.includes('train_same') ? 'train_same_ist' : 'train_diff_ist';
  const rows: [string, 'train' | 'test', number | null, number | null][] = [
    ['prompt tuning per task (PT)', 'train', num(r.e_abs.pt.train), 1], ['prompt tuning per task (PT)', 'test', num(r.e_abs.pt.test), 1],
    ['one prompt for all (multi-task PT)', 'train', num(mt?.e_abs.train), num(mt?.e_rel.train)], ['one prompt for all (multi-task PT)', 'test', num(mt?.e_abs.test), num(mt?.e_rel.test)],
    // Multi-task FT needs a trainable model; a study made before it (or without it) has none.
    ...(mtFt ? [
      ['one model for all (multi-task FT)', 'train', num(mtFt.e_abs.train), num(mtFt.e_rel.train)],
      ['one model for all (multi-task FT)', 'test', num(mtFt.e_abs.test), num(mtFt.e_rel.test)],
    ] as [string, 'train' | 'test', number | null, number | null][] : []),
    ...dims.flatMap((d): [string, 'train' | 'test', number | null, number | null][] => [
      [`IPT, d_I ${d}`, 'train', num(r.e_abs.ipt[d]?.[trainKey]), num(r.e_rel_pt[d]?.[trainKey])],
      [`IPT, d_I ${d}`, 'test', num(r.e_abs.ipt[d]?.test_ist), num(r.e_rel_pt[d]?.test_ist)],
    ]),
  ];
  const methods = [...new Set(rows.map((x) => x[0]))];
  const x = ['training tasks', 'unseen tasks'];
  const series = methods.map((m) => ({ name: m, y: (['train', 'test'] as const).map((side) => rows.find((q) => q[0] === m && q[1] === side)![2]) }));
  return {
    kind: 'bars', xLabel: 'tasks', yLabel: 'mean test score (E_abs)', x, series,
    table: { columns: ['method', 'tasks', 'mean test score', 'E_rel vs PT'], rows: rows.map(([m, side, abs, rel]) => [m, side === 'train' ? x[0]! : x[1]!, abs, rel]) },
  };
}

function randomAllFigure(r: AnalysisTables): Body {
  const dims = [...r.study.intrinsicDims];
  const ra = r.random_all;
  const bars: [string, number, number | null, number | null][] = [
    ...dims.map((d): [string, number, number | null, number | null] => [`IST in the found subspace, d_I ${d}`, d, num(r.e_rel_pt[d]?.test_ist), num(r.e_abs.ipt[d]?.test_ist)]),
    ...dims.map((d): [string, number, number | null, number | null] => [`IST through a random Proj_b, d_I ${d}`, d, num(r.random_subspace?.[d]?.test_ist), num(r.e_abs.ipt[d]?.random_subspace_ist)]),
    ...(ra ? [[`Random_all, every weight, d ${ra.dim}`, ra.dim, num(ra.e_rel.test), num(ra.e_abs.test)] as [string, number, number | null, number | null]] : []),
  ];
  return {
    kind: 'bars', xLabel: 'method on the unseen tasks', yLabel: 'E_rel vs PT', x: bars.map((b) => b[0]),
    series: [{ name: 'E_rel vs PT on the unseen tasks', y: bars.map((b) => b[2]) }],
    table: { columns: ['method', 'numbers tuned', 'E_rel vs PT', 'mean test score'], rows: bars.map((b) => [...b]) },
  };
}

/** E_rel of each challenge and d_I against a number the studies differ in (their group). */
function sweepFigure(done: readonly AnalysisResult[], xLabel: string, xColumn: string): Body {
  const x = done.map((d) => Number(d.study.group));
  const dims = [...done[0]!.results.study.intrinsicDims];
  const keys = ranChallenges(done[0]!.results.study, MAIN);
  const series = dims.flatMap((dI) => keys.map((k) => ({ name: `${resultTitle(k)}, d_I ${dI}`, y: done.map((d) => num(d.results.e_rel_pt[dI]?.[k])) })));
  const rows = done.flatMap((d) => dims.flatMap((dI) => keys.map((k) => [Number(d.study.group), d.results.study.tasks.train.length, dI, resultTitle(k), num(d.results.e_rel_pt[dI]?.[k]), num(d.results.e_rel_n?.[dI]?.[k])])));
  return { kind: 'lines', xLabel, yLabel: 'E_rel vs PT', x, series, table: { columns: [xColumn, 'training tasks', 'd_I', 'challenge', 'E_rel vs PT', 'n'], rows } };
}

function taskTypeFigure(done: readonly AnalysisResult[]): Body {
  const types = [...new Set(done.map((d) => d.study.group))];
  const dims = [...done[0]!.results.study.intrinsicDims];
  const at = (type: string, variant: string, dI: number) => num(done.find((d) => d.study.group === type && d.study.variant === variant)?.results.e_rel_pt[dI]?.test_ist);
  const series = dims.flatMap((dI) => (['included', 'excluded'] as const).map((v) => ({ name: `${v}, d_I ${dI}`, y: types.map((t) => at(t, v, dI)) })));
  const tested = (type: string) => done.find((d) => d.study.group === type)?.results.study.tasks.test.length ?? 0;
  const rows = types.flatMap((t) => dims.map((dI) => [t, tested(t), dI, at(t, 'included', dI), at(t, 'excluded', dI)]));
  return { kind: 'bars', xLabel: 'task type', yLabel: 'E_rel vs PT on the type\'s unseen tasks', x: types, series, table: { columns: ['task type', 'tasks tested', 'd_I', 'included', 'excluded'], rows } };
}
