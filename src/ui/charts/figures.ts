// Results -> chart traces and tables (pure: the Results screen and the Explore store call these, tests can too).
import { catalogueEntry } from '../../shared/tasks/catalogue';
import { TASK_FAMILIES } from '../../shared/tasks/world/index';
import { EMBEDDED_MODEL } from '../../shared/embedded';
import { EREL_KEYS, type ErelKey } from '../../shared/study/results';
import { resultLabel, resultTitle } from '../../shared/study/labels';
import { PAPER_CURRENT_SOURCE, PAPER_EREL, type PaperErel } from '../../shared/study/paperValues';
import type { StudyResultsJson } from '../../protocol/messages';
import { familyOf } from '../screens/explore/nearest';
import { colourFor, PALETTE, plainText, type PlotTrace } from './plotly';
import type { Column, TableRow } from '../components/table';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** d_I values of a result, in increasing order. */
export function intrinsicDims(r: StudyResultsJson): number[] {
  return Object.keys(r.e_rel_pt).map(Number).filter(Number.isFinite).sort((a, b) => a - b);
}

/** The E_rel keys a result reports: the in/out split of test_ist only when the study has out-of-domain tasks. */
function erelKeys(r: StudyResultsJson): ErelKey[] {
  const split = (r.test_split?.out.length ?? 0) > 0;
  // A challenge the study did not run (istSettings left it out) has no value at any d_I: no line,
  // no legend entry, no paper star to compare with nothing.
  // (A challenge whose every task was left out, PT <= 0, did run: it keeps its row with n = 0.)
  const ran = (k: ErelKey) => Object.values(r.e_rel_pt).some((row) => num(row?.[k]) !== null)
    || Object.values(r.e_rel_n ?? {}).some((row) => (row?.[k] ?? 0) > 0)
    || Object.keys(r.excluded ?? {}).some((key) => key.split('/')[1] === k);
  return EREL_KEYS.filter((k) => (split || (k !== 'test_in_ist' && k !== 'test_out_ist')) && ran(k));
}

/** Plotly's default colours, in trace order: a paper series takes the colour of the study's line it compares with. */
const PLOTLY_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The paper's published E_rel values for the challenges this result reports (the earlier version's are listed, not drawn). */
export function paperReference(r: StudyResultsJson): PaperErel[] {
  const keys = new Set<string>(erelKeys(r));
  return PAPER_EREL.filter((v) => v.source === PAPER_CURRENT_SOURCE && keys.has(v.challenge));
}

const paperTitle = (k: ErelKey) => `paper (BART-base): ${resultTitle(k)}`;

/**
 * The paper's Fig. 3: E_rel^PT against d_I, one line per challenge plus the random subspace, and
 * the paper's own values (`paper`, from paperReference) as dashed series with open stars, in the
 * colour of the line they compare with; the data table has a row for each d_I of either.
 */
export function erelFigure(r: StudyResultsJson, paper: readonly PaperErel[] = []): { traces: PlotTrace[]; table: { columns: Column[]; rows: TableRow[] } } {
  const dims = intrinsicDims(r);
  const keys = erelKeys(r);
  const traces: PlotTrace[] = keys.map((k) => ({
    type: 'scatter', mode: 'lines+markers', name: resultTitle(k),
    x: dims, y: dims.map((d) => num(r.e_rel_pt[String(d)]?.[k])),
    error_y: r.e_rel_pt_std ? { type: 'data', array: dims.map((d) => num(r.e_rel_pt_std?.[String(d)]?.[k]) ?? 0), visible: true } : undefined,
  }));
  if (Object.keys(r.random_subspace ?? {}).length > 0) {
    traces.push({
      type: 'scatter', mode: 'lines+markers', name: resultTitle('random_subspace'), line: { dash: 'dot' },
      x: dims, y: dims.map((d) => num(r.random_subspace[String(d)]?.test_ist)),
    });
  }
  const paperKeys = keys.filter((k) => paper.some((v) => v.challenge === k));
  for (const k of paperKeys) {
    const values = paper.filter((v) => v.challenge === k).sort((a, b) => a.dI - b.dI);
    const colour = PLOTLY_COLOURS[keys.indexOf(k) % PLOTLY_COLOURS.length];
    traces.push({
      type: 'scatter', mode: 'lines+markers', name: paperTitle(k),
      x: values.map((v) => v.dI), y: values.map((v) => v.erel),
      text: values.map((v) => (v.exact ? 'stated in the paper' : 'read off a figure, approximate')),
      hovertemplate: 'd_I %{x}: E_rel %{y}<br>%{text}<extra>%{fullData.name}</extra>',
      line: { dash: 'dash', color: colour }, marker: { symbol: 'star-open', size: 12, color: colour },
    });
  }
  const columns: Column[] = [
    { key: 'dI', label: 'd_I', numeric: true, digits: 0 },
    ...keys.map((k) => ({ key: k, label: resultTitle(k), numeric: true })),
    { key: 'random_subspace', label: resultTitle('random_subspace'), numeric: true },
    ...paperKeys.map((k) => ({ key: `paper:${k}`, label: paperTitle(k), numeric: true })),
  ];
  const allDims = [...new Set([...dims, ...paper.filter((v) => paperKeys.includes(v.challenge)).map((v) => v.dI)])].sort((a, b) => a - b);
  const rows = allDims.map((d) => {
    const row: TableRow = { dI: d };
    for (const k of keys) row[k] = num(r.e_rel_pt[String(d)]?.[k]);
    row.random_subspace = num(r.random_subspace?.[String(d)]?.test_ist);
    for (const k of paperKeys) row[`paper:${k}`] = paper.find((v) => v.challenge === k && v.dI === d)?.erel ?? null;
    return row;
  });
  return { traces, table: { columns, rows } };
}

/**
 * One row per d_I and challenge: E_rel, its std over run seeds, n (tasks counted) and the tasks
 * left out (PT score <= 0, over any run seed), so no E_rel is read without what it averages.
 */
export function erelTable(r: StudyResultsJson): { columns: Column[]; rows: TableRow[] } {
  const columns: Column[] = [
    { key: 'dI', label: 'd_I', numeric: true, digits: 0 },
    { key: 'challenge', label: 'challenge' },
    { key: 'erel', label: 'E_rel', numeric: true },
    { key: 'std', label: 'std over seeds', numeric: true },
    { key: 'n', label: 'n (tasks counted)', numeric: true, digits: 0 },
    { key: 'excluded', label: 'excluded tasks' },
  ];
  const rows: TableRow[] = [];
  for (const d of intrinsicDims(r)) {
    for (const k of erelKeys(r)) {
      const left = new Set(Object.entries(r.excluded ?? {}).filter(([key]) => key.startsWith(`${d}/${k}/`)).flatMap(([, xs]) => xs.map((x) => x.task)));
      rows.push({
        dI: d, challenge: resultTitle(k), erel: num(r.e_rel_pt[String(d)]?.[k]), std: num(r.e_rel_pt_std?.[String(d)]?.[k]),
        n: num(r.e_rel_n?.[String(d)]?.[k]), excluded: [...left].sort().join(', ') || 'none',
      });
    }
  }
  return { columns, rows };
}

/** Scores per task at one d_I: PT, the trivial baselines (when the results have them) and every IPT setting. */
export function taskTable(r: StudyResultsJson, dI: number): { columns: Column[]; rows: TableRow[] } {
  const byDim = r.scores[String(dI)] ?? {};
  const settings = Object.keys(byDim).sort();
  const test = new Set(r.study.tasks.test);
  const outOfDomain = new Set(r.study.tasks.testOutOfDomain ?? []);
  const tasks = [...new Set([...Object.keys(r.pt), ...settings.flatMap((s) => Object.keys(byDim[s] ?? {}))])];
  const columns: Column[] = [
    { key: 'task', label: 'task' },
    { key: 'split', label: 'split' },
    { key: 'pt', label: resultTitle('pt'), numeric: true },
    ...(r.baselines ? [{ key: 'majority', label: 'majority answer', numeric: true }, { key: 'copy', label: 'copy input', numeric: true }] : []),
    ...settings.map((s) => ({ key: s, label: resultTitle(s), numeric: true })),
  ];
  const rows = tasks.map((t) => {
    const side = test.has(t) ? (outOfDomain.has(t) ? 'test (out of domain)' : 'test') : 'train';
    const row: TableRow = { task: t, split: side, pt: num(r.pt[t]) };
    if (r.baselines) { row.majority = num(r.baselines[t]?.majority); row.copy = num(r.baselines[t]?.copy); }
    for (const s of settings) row[s] = num(byDim[s]?.[t]);
    return row;
  });
  return { columns, rows };
}

/** A built-in task's category (results of the embedded model from `ipt` carry no categories). */
const BUILTIN_CATEGORY = new Map(TASK_FAMILIES.flatMap((f) => f.tasks.map((t) => [t, f.category] as const)));

/** The built-in world's category of a task, or undefined for any other task. */
export function builtinCategory(task: string): string | undefined {
  return BUILTIN_CATEGORY.get(task);
}

export function categoryOf(r: StudyResultsJson, task: string): string {
  const builtin = r.study.model === `embedded:${EMBEDDED_MODEL}` ? builtinCategory(task) : undefined;
  const c = r.categories?.[task] || builtin || catalogueEntry(task)?.category || '';
  return c || 'unknown';
}

export interface MapPoint {
  label: string;
  x: number;
  y: number;
  category: string;
  split: 'train' | 'test' | 'yours';
  score: number | null;
  /** The task's family (the built-in world's), shown on hover and in the table when known. */
  family?: string | null;
}

/** Fig. 8: intrinsic vectors in the first two principal directions, coloured by category, train and test marked. */
export function pcaFigure(points: readonly MapPoint[], explained?: readonly number[], opts: { clusterLabels?: boolean } = {}): { traces: PlotTrace[]; layout: Record<string, unknown>; table: { columns: Column[]; rows: TableRow[] } } {
  const categories = [...new Set(points.filter((p) => p.split !== 'yours').map((p) => p.category))].sort();
  const colours = colourFor(categories);
  // The palette has 8 colours; past 8 categories the training points' shape changes with each
  // round of colours, so no two categories look alike (the shipped projector has 22).
  const shapes = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'x'];
  const trainShape = (c: string) => shapes[Math.floor(categories.indexOf(c) / PALETTE.length) % shapes.length]!;
  const families = points.some((p) => p.family);
  const traces: PlotTrace[] = [];
  const yours = points.filter((p) => p.split === 'yours');
  for (const c of categories) {
    for (const split of ['train', 'test'] as const) {
      const ps = points.filter((p) => p.category === c && p.split === split);
      if (ps.length === 0) continue;
      traces.push({
        type: 'scatter', mode: 'markers', name: plainText(`${c} (${split})`),
        x: ps.map((p) => p.x), y: ps.map((p) => p.y),
        text: ps.map((p) => plainText(p.label)),
        customdata: ps.map((p) => (p.score === null ? 'n/a' : p.score.toFixed(3))),
        ...(families ? { hovertext: ps.map((p) => plainText(p.family ?? '–')) } : {}),
        hovertemplate: `%{text}${families ? '<br>family %{hovertext}' : ''}<br>score %{customdata}<extra>%{fullData.name}</extra>`,
        marker: { color: colours.get(c), symbol: split === 'train' ? trainShape(c) : 'diamond-open', size: 10, line: { width: 1.5, color: colours.get(c) } },
      });
    }
  }
  // Your vectors: one trace, drawn last (on top), in a colour no category has.
  if (yours.length) {
    traces.push({
      type: 'scatter', mode: 'markers', name: 'your task',
      x: yours.map((p) => p.x), y: yours.map((p) => p.y), text: yours.map((p) => plainText(p.label)),
      customdata: yours.map((p) => (p.score === null ? 'n/a' : p.score.toFixed(3))),
      hovertemplate: '%{text}<br>dev score %{customdata}<extra>your task</extra>',
      marker: { color: '#d62728', symbol: 'star', size: 20, line: { width: 2, color: '#ffffff' } },
    });
  }
  const pct = (i: number) => (explained?.[i] !== undefined ? ` (${(explained[i]! * 100).toFixed(0)}% of variance)` : '');
  return {
    traces,
    layout: {
      xaxis: { title: { text: `PC 1${pct(0)}: the direction along which the vectors differ most` }, zeroline: false },
      yaxis: { title: { text: `PC 2${pct(1)}` }, zeroline: false },
      legend: { orientation: 'h', y: -0.2 },
      ...(opts.clusterLabels ? { annotations: clusterAnnotations(points) } : {}),
    },
    table: {
      columns: [
        { key: 'task', label: 'task' }, ...(families ? [{ key: 'family', label: 'family' }] : []), { key: 'category', label: 'category' }, { key: 'split', label: 'split' },
        { key: 'x', label: 'PC 1', numeric: true }, { key: 'y', label: 'PC 2', numeric: true }, { key: 'score', label: 'score', numeric: true },
      ],
      rows: points.map((p) => ({ task: p.label, ...(families ? { family: p.family ?? null } : {}), category: p.category, split: p.split, x: p.x, y: p.y, score: p.score })),
    },
  };
}

/**
 * A label at the middle of each cluster: the points of one family (the built-in world's) or, for
 * tasks without one, of one category, named "family · category". For a study's few tasks; a
 * projector's dozens of families would cover the map (Explore lists them in its table instead).
 */
function clusterAnnotations(points: readonly MapPoint[]): Record<string, unknown>[] {
  const groups = new Map<string, MapPoint[]>();
  for (const p of points) {
    if (p.split === 'yours') continue;
    const name = p.family ? `${p.family} · ${p.category}` : p.category;
    groups.set(name, [...(groups.get(name) ?? []), p]);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...groups].map(([name, ps]) => ({
    x: mean(ps.map((p) => p.x)), y: mean(ps.map((p) => p.y)), text: plainText(name), showarrow: false,
    yshift: 14, font: { size: 11, color: '#444' }, bgcolor: 'rgba(255,255,255,0.7)',
  }));
}

/** PCA map points of a study's analysis at one d_I (IST test scores of train_same / test tasks). */
export function studyMapPoints(r: StudyResultsJson, dI: number): MapPoint[] {
  const a = r.analysis?.[String(dI)];
  if (!a) return [];
  const test = new Set(r.study.tasks.test);
  const scores = r.scores[String(dI)] ?? {};
  return a.labels.map((label, i) => {
    const split = test.has(label) ? 'test' : 'train';
    const s = split === 'test' ? scores.test_ist?.[label] : scores.train_same_ist?.[label];
    return { label, x: a.pca2[i]?.[0] ?? 0, y: a.pca2[i]?.[1] ?? 0, category: categoryOf(r, label), split, score: num(s), family: familyOf(r.study.model, label) };
  });
}

/** Cosine similarity of the intrinsic vectors as a heatmap. */
export function similarityFigure(labels: readonly string[], matrix: readonly (readonly (number | null)[])[]): { traces: PlotTrace[]; layout: Record<string, unknown>; table: { columns: Column[]; rows: TableRow[] } } {
  return {
    traces: [{ type: 'heatmap', x: labels.map(plainText), y: labels.map(plainText), z: matrix.map((r) => [...r]), zmin: -1, zmax: 1, colorscale: 'RdBu', reversescale: true, colorbar: { title: { text: 'cosine' } }, hovertemplate: '%{y} · %{x}<br>cosine %{z:.3f}<extra></extra>' }],
    layout: {
      xaxis: { title: { text: 'task (its intrinsic vector)' }, tickangle: -45, automargin: true },
      yaxis: { title: { text: 'task (its intrinsic vector)' }, automargin: true, autorange: 'reversed' },
    },
    table: {
      columns: [{ key: 'task', label: 'task' }, ...labels.map((l) => ({ key: `c:${l}`, label: l, numeric: true }))],
      rows: labels.map((l, i) => Object.fromEntries([['task', l], ...labels.map((m, j) => [`c:${m}`, matrix[i]?.[j] ?? null])]) as TableRow),
    },
  };
}

/** Checks an imported results.json has the tables the screen draws; throws a message naming the key. */
export function checkResultsJson(value: unknown, source: string): StudyResultsJson {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what} (expected a results.json written by this app or by \`npm run -s ipt\`)`);
  };
  if (!value || typeof value !== 'object') fail('not a JSON object');
  const r = value as Record<string, unknown>;
  for (const key of ['e_rel_pt', 'pt', 'scores', 'study'] as const) if (!r[key] || typeof r[key] !== 'object') fail(`"${key}" is missing or not an object`);
  const study = r.study as Record<string, unknown>;
  const tasks = study.tasks as Record<string, unknown> | undefined;
  if (!tasks || !Array.isArray(tasks.train) || !Array.isArray(tasks.test)) fail('"study.tasks.train" / "study.tasks.test" must be lists');
  for (const [d, row] of Object.entries(r.e_rel_pt as Record<string, unknown>)) {
    if (!Number.isFinite(Number(d))) fail(`e_rel_pt key "${d}" is not a d_I number`);
    if (!row || typeof row !== 'object') fail(`e_rel_pt["${d}"] is not an object`);
  }
  return { random_subspace: {}, ...(r as object) } as StudyResultsJson;
}

/** How a learner reads each quick split's name. */
export const SPLIT_TITLES: Readonly<Record<string, string>> = {
  random: 'random split (mixed training tasks)',
  cls: 'cls split (trained on classification only)',
  'non-cls': 'non-cls split (trained on non-classification only)',
};

/**
 * The shipped study as the paper's Fig. 3: E_rel on the unseen tasks (T_test(IST)) against d_I,
 * one solid line per split with its spread over run seeds as error bars, and the random subspace
 * dotted in the same colour, and the paper's value for the same challenge (BART-base) as a dashed
 * star. The table has every value with its std and seed count.
 */
export function shippedCurveFigure(bySplit: Readonly<Record<string, StudyResultsJson | undefined>>): { traces: PlotTrace[]; table: { columns: Column[]; rows: TableRow[] }; dims: number[]; tickDims: number[] } {
  const splits = Object.keys(bySplit).filter((s) => bySplit[s]);
  const dims = [...new Set(splits.flatMap((s) => intrinsicDims(bySplit[s]!)))].sort((a, b) => a - b);
  const traces: PlotTrace[] = [];
  const rows: TableRow[] = [];
  splits.forEach((s, i) => {
    const r = bySplit[s]!;
    const colour = PLOTLY_COLOURS[i % PLOTLY_COLOURS.length];
    const seeds = r.study.seeds?.length ?? 1;
    const title = SPLIT_TITLES[s] ?? s;
    traces.push({
      type: 'scatter', mode: 'lines+markers', name: `${title}: ${resultLabel('test_ist').name}`,
      x: dims, y: dims.map((d) => num(r.e_rel_pt[String(d)]?.test_ist)), line: { color: colour }, marker: { color: colour },
      error_y: { type: 'data', array: dims.map((d) => num(r.e_rel_pt_std?.[String(d)]?.test_ist) ?? 0), visible: seeds > 1, color: colour },
    });
    traces.push({
      type: 'scatter', mode: 'lines+markers', name: `${title}: random subspace`, line: { color: colour, dash: 'dot' }, marker: { color: colour, symbol: 'circle-open' },
      x: dims, y: dims.map((d) => num(r.random_subspace?.[String(d)]?.test_ist)),
      error_y: { type: 'data', array: dims.map((d) => num(r.random_subspace?.[String(d)]?.test_ist_std) ?? 0), visible: seeds > 1, color: colour },
    });
    for (const d of dims) {
      rows.push({
        split: title, dI: d, seeds,
        ist: num(r.e_rel_pt[String(d)]?.test_ist), istStd: num(r.e_rel_pt_std?.[String(d)]?.test_ist),
        random: num(r.random_subspace?.[String(d)]?.test_ist), randomStd: num(r.random_subspace?.[String(d)]?.test_ist_std),
        n: num(r.e_rel_n?.[String(d)]?.test_ist),
      });
    }
  });
  // The paper's published value for the same challenge (BART-base, random split), as in erelFigure.
  const paper = PAPER_EREL.filter((v) => v.source === PAPER_CURRENT_SOURCE && v.challenge === 'test_ist').sort((a, b) => a.dI - b.dI);
  if (paper.length) {
    traces.push({
      type: 'scatter', mode: 'lines+markers', name: paperTitle('test_ist'),
      x: paper.map((v) => v.dI), y: paper.map((v) => v.erel), line: { dash: 'dash', color: PLOTLY_COLOURS[0] }, marker: { symbol: 'star-open', size: 12, color: PLOTLY_COLOURS[0] },
      hovertemplate: 'd_I %{x}: E_rel %{y}<br>stated in the paper<extra>%{fullData.name}</extra>',
    });
    for (const v of paper) rows.push({ split: `paper (BART-base, ${v.split} split)`, dI: v.dI, seeds: null, ist: v.erel, istStd: null, random: null, randomStd: null, n: v.testTasks });
  }
  const columns: Column[] = [
    { key: 'split', label: 'split' },
    { key: 'dI', label: 'd_I', numeric: true, digits: 0 },
    { key: 'ist', label: resultTitle('test_ist'), numeric: true },
    { key: 'istStd', label: 'std over seeds', numeric: true },
    { key: 'random', label: resultTitle('random_subspace'), numeric: true },
    { key: 'randomStd', label: 'std over seeds', numeric: true },
    { key: 'seeds', label: 'run seeds', numeric: true, digits: 0 },
    { key: 'n', label: 'n (tasks counted)', numeric: true, digits: 0 },
  ];
  return { traces, table: { columns, rows }, dims, tickDims: [...new Set([...dims, ...paper.map((v) => v.dI)])].sort((a, b) => a - b) };
}

/**
 * Stability over run seeds (what the paper's Table III reports for BART-base): for each d_I, the
 * unseen tasks' E_rel of every seed, their mean and spread. Each seed reruns the whole pipeline
 * (PT, MSF, IST), so the spread is what a rerun may move.
 */
export function stabilityTable(r: StudyResultsJson): { columns: Column[]; rows: TableRow[] } {
  const seeds = [...(r.study.seeds ?? [])];
  const columns: Column[] = [
    { key: 'dI', label: 'd_I', numeric: true, digits: 0 },
    ...seeds.map((s) => ({ key: `seed:${s}`, label: `seed ${s}`, numeric: true })),
    { key: 'mean', label: 'mean', numeric: true },
    { key: 'std', label: 'std', numeric: true },
    { key: 'range', label: 'max − min', numeric: true },
  ];
  const rows = intrinsicDims(r).map((d) => {
    const values = seeds.map((s) => num(r.e_rel_pt_per_seed?.[String(s)]?.[String(d)]?.test_ist));
    const got = values.filter((v): v is number => v !== null);
    const row: TableRow = { dI: d, mean: num(r.e_rel_pt[String(d)]?.test_ist), std: num(r.e_rel_pt_std?.[String(d)]?.test_ist), range: got.length ? Math.max(...got) - Math.min(...got) : null };
    seeds.forEach((s, i) => (row[`seed:${s}`] = values[i] ?? null));
    return row;
  });
  return { columns, rows };
}
