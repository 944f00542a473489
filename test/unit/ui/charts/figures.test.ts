import { describe, expect, it } from 'vitest';
import { erelFigure, erelTable, paperReference, pcaFigure, shippedCurveFigure, similarityFigure, stabilityTable, studyMapPoints, taskTable } from '../../../../src/ui/charts/figures';
import { plainText } from '../../../../src/ui/charts/plotly';
import type { StudyResultsJson } from '../../../../src/protocol/messages';

const base = {
  study: { name: 's', model: 'm', tasks: { train: ['a'], test: ['b'] }, dataSeed: 100, diffSeed: 13, intrinsicDims: [5], seeds: [1] },
  e_rel_pt: {}, random_subspace: {}, pt: { a: 0.9, b: 0.5 },
  scores: { 5: { test_ist: { b: 0.4 }, train_same_ist: { a: 0.8 } } },
} as unknown as StudyResultsJson;

describe('per-task table', () => {
  it('puts the trivial baselines next to PT when the results carry them', () => {
    const t = taskTable({ ...base, baselines: { a: { majority: 0.3, copy: 0 }, b: { majority: 0.2, copy: null } } }, 5);
    expect(t.columns.map((c) => c.key)).toEqual(['task', 'split', 'pt', 'majority', 'copy', 'test_ist', 'train_same_ist']);
    expect(t.rows).toEqual([
      { task: 'a', split: 'train', pt: 0.9, majority: 0.3, copy: 0, test_ist: null, train_same_ist: 0.8 },
      { task: 'b', split: 'test', pt: 0.5, majority: 0.2, copy: null, test_ist: 0.4, train_same_ist: null },
    ]);
  });
  it('marks the out-of-domain test tasks', () => {
    const split = { ...base, study: { ...base.study, tasks: { train: ['a'], test: ['b'], testOutOfDomain: ['b'] } } } as StudyResultsJson;
    expect(taskTable(split, 5).rows.map((r) => r.split)).toEqual(['train', 'test (out of domain)']);
  });
  it('leaves the baseline columns out for older results', () => {
    expect(taskTable(base, 5).columns.map((c) => c.key)).toEqual(['task', 'split', 'pt', 'test_ist', 'train_same_ist']);
  });
});

describe('user strings reach Plotly as plain text', () => {
  const LINK = '<a href="x">';
  const IMG = '<img src=x onerror=alert(1)>';

  it('plainText turns the characters of Plotly\'s HTML dialect into entities', () => {
    expect(plainText(LINK)).toBe('&lt;a href=&#34;x&#34;&gt;');
    expect(plainText(IMG)).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(plainText("a & b's")).toBe('a &amp; b&#39;s');
    expect(plainText('plain-task_1')).toBe('plain-task_1');
  });

  it('the PCA map escapes task names (text) and categories (trace names); its table keeps them raw', () => {
    const f = pcaFigure([
      { label: LINK, x: 0, y: 1, category: IMG, split: 'train', score: null },
      { label: IMG, x: 1, y: 0, category: IMG, split: 'test', score: 0.5 },
    ]);
    const strings = JSON.stringify(f.traces.map((t) => [t.name, t.text]));
    expect(strings).not.toMatch(/<a |<img/);
    expect(f.traces.map((t) => t.name)).toEqual([`${plainText(IMG)} (train)`, `${plainText(IMG)} (test)`]);
    expect(f.traces.map((t) => t.text)).toEqual([[plainText(LINK)], [plainText(IMG)]]);
    expect(f.table.rows.map((r) => r.task)).toEqual([LINK, IMG]);
  });

  it('the PCA map shows a task\'s family on hover and in its table when some point has one (escaped there too)', () => {
    const f = pcaFigure([
      { label: 'a', x: 0, y: 1, category: 'cls/x', split: 'train', score: null, family: IMG },
      { label: 'b', x: 1, y: 0, category: 'cls/x', split: 'train', score: null },
    ]);
    expect(f.traces[0]!.hovertext).toEqual([plainText(IMG), '–']);
    expect(f.traces[0]!.hovertemplate).toContain('family %{hovertext}');
    expect(f.table.columns.map((c) => c.key)).toContain('family');
    expect(f.table.rows.map((r) => r.family)).toEqual([IMG, null]);
    const plain = pcaFigure([{ label: 'a', x: 0, y: 1, category: 'c', split: 'train', score: null }]);
    expect(plain.traces[0]!.hovertext).toBeUndefined();
    expect(plain.table.columns.map((c) => c.key)).not.toContain('family');
  });

  it('the similarity heatmap escapes its category ticks', () => {
    const f = similarityFigure([LINK, IMG], [[1, 0], [0, 1]]);
    expect(f.traces[0]!.x).toEqual([plainText(LINK), plainText(IMG)]);
    expect(f.traces[0]!.y).toEqual([plainText(LINK), plainText(IMG)]);
    expect(f.table.rows.map((r) => r.task)).toEqual([LINK, IMG]);
  });
});

describe('the PCA map tells points apart', () => {
  it('past the palette\'s 8 colours a category\'s training points change shape, and your vectors are one trace on top', () => {
    const cats = Array.from({ length: 10 }, (_, i) => `cat${String(i).padStart(2, '0')}`);
    const f = pcaFigure([
      ...cats.map((c, i) => ({ label: `t${i}`, x: i, y: 0, category: c, split: 'train' as const, score: null })),
      { label: 'mine', x: 1, y: 1, category: 'yours', split: 'yours', score: 0.5 },
    ]);
    const look = f.traces.slice(0, 10).map((t) => `${(t.marker as { color: string }).color} ${(t.marker as { symbol: string }).symbol}`);
    expect(new Set(look).size).toBe(10);
    expect(look[0]).toMatch(/ circle$/);
    expect(look[8]).toMatch(/ square$/);
    const last = f.traces.at(-1)!;
    expect([last.name, (last.marker as { symbol: string }).symbol, last.text]).toEqual(['your task', 'star', ['mine']]);
    expect(f.traces.filter((t) => t.name === 'your task')).toHaveLength(1);
  });
});

describe('E_rel figure and table', () => {
  const keys = ['train_msf', 'test_msf', 'train_same_ist', 'train_diff_ist', 'test_ist', 'test_in_ist', 'test_out_ist'];
  const row = Object.fromEntries(keys.map((k, i) => [k, i / 10]));
  const r = {
    ...base, e_rel_pt: { 5: row }, e_rel_n: { 5: Object.fromEntries(keys.map((k) => [k, 2])) },
    excluded: { '5/test_out_ist/r1': [{ task: 'z', reason: 'PT score 0 <= 0' }], '5/test_out_ist/r2': [{ task: 'z', reason: 'PT score 0 <= 0' }] },
  } as unknown as StudyResultsJson;

  it('draws T_test^in and T_test^out only for a study with out-of-domain tasks', () => {
    expect(erelFigure(r).traces.map((t) => t.name)).not.toContain('new tasks in domain (IST) · T_test^in(IST)');
    const split = { ...r, test_split: { in: ['b'], out: ['z'] } } as StudyResultsJson;
    const names = erelFigure(split).traces.map((t) => t.name);
    expect(names).toContain('new tasks in domain (IST) · T_test^in(IST)');
    expect(names).toContain('new tasks out of domain (IST) · T_test^out(IST)');
    const out = erelTable(split).rows.find((x) => x.challenge === 'new tasks out of domain (IST) · T_test^out(IST)');
    expect(out).toEqual({ dI: 5, challenge: 'new tasks out of domain (IST) · T_test^out(IST)', erel: 0.6, std: null, n: 2, excluded: 'z' });
    expect(erelTable(split).rows).toHaveLength(7);
    expect(erelTable(r).rows).toHaveLength(5);
  });
});

describe('PCA map cluster labels', () => {
  it('labels each family (else category) at its points’ middle, escaped, only when asked', () => {
    const points = [
      { label: 'a', x: 0, y: 0, category: 'cls/sentiment', split: 'train' as const, score: null, family: 'sentiment' },
      { label: 'b', x: 2, y: 2, category: 'cls/sentiment', split: 'test' as const, score: null, family: 'sentiment' },
      { label: 'c', x: 5, y: 1, category: '<b>x</b>', split: 'train' as const, score: null },
      { label: 'me', x: 9, y: 9, category: 'yours', split: 'yours' as const, score: null },
    ];
    expect(pcaFigure(points).layout.annotations).toBeUndefined();
    const notes = pcaFigure(points, undefined, { clusterLabels: true }).layout.annotations as { x: number; y: number; text: string }[];
    expect(notes.map((a) => [a.text, a.x, a.y])).toEqual([['sentiment · cls/sentiment', 1, 1], [plainText('<b>x</b>'), 5, 1]]);
  });

  it('gives a study’s built-in tasks their family, and explains both axes', () => {
    const r = {
      ...base, study: { ...base.study, model: 'embedded:intrinsic-bart-tiny', tasks: { train: ['sentiment-review-goodbad'], test: [] } },
      analysis: { 5: { labels: ['sentiment-review-goodbad'], pca2: [[0, 0]], pca3: [[0, 0, 0]], explained: [0.7, 0.2], similarity: [[1]] } },
    } as unknown as StudyResultsJson;
    const points = studyMapPoints(r, 5);
    expect(points[0]!.family).toBeTruthy();
    const f = pcaFigure(points, [0.7, 0.2]);
    expect(JSON.stringify(f.layout)).toContain('PC 1 (70% of variance): the direction along which the vectors differ most');
  });
});

describe('the paper’s values beside E_rel', () => {
  const r = {
    ...base, e_rel_pt: { 5: { train_msf: 1, test_msf: 0.9, train_same_ist: 0.8, train_diff_ist: 0.7, test_ist: 0.5 } },
    random_subspace: { 5: { test_ist: 0.2 } },
  } as unknown as StudyResultsJson;

  it('draws the published values as dashed series for the challenges the study reports, and tabulates them', () => {
    const paper = paperReference(r);
    expect(paper.map((v) => [v.challenge, v.dI, v.erel])).toEqual([['train_diff_ist', 250, 0.97], ['test_ist', 250, 0.83]]);
    const f = erelFigure(r, paper);
    const ist = f.traces.find((t) => t.name === 'paper (BART-base): new tasks (IST) · T_test(IST)');
    expect(ist).toMatchObject({ x: [250], y: [0.83], line: { dash: 'dash' } });
    expect(f.traces.find((t) => t.name === 'paper (BART-base): training tasks, new data (IST) · T_train(IST), unseen data')?.y).toEqual([0.97]);
    // The study's own lines first, as before; the table gains a row at the paper's d_I.
    expect(f.traces.slice(0, 6).map((t) => String(t.name).startsWith('paper'))).toEqual([false, false, false, false, false, false]);
    expect(f.table.rows.map((x) => x.dI)).toEqual([5, 250]);
    expect(f.table.rows[1]).toMatchObject({ dI: 250, test_ist: null, 'paper:test_ist': 0.83, 'paper:train_diff_ist': 0.97 });
    expect(f.table.rows[0]).toMatchObject({ dI: 5, test_ist: 0.5, 'paper:test_ist': null });
    expect(f.table.columns.map((c) => c.label)).toContain('paper (BART-base): new tasks (IST) · T_test(IST)');
  });

  it('draws nothing of the paper unless asked', () => {
    expect(erelFigure(r).traces.some((t) => String(t.name).startsWith('paper'))).toBe(false);
    expect(erelFigure(r).table.rows).toHaveLength(1);
  });
});

describe('the shipped study (Fig. 3 over three splits, stability over seeds)', () => {
  // Two splits: one with three seeds and a spread, one with a single seed.
  const three = {
    ...base,
    study: { ...base.study, seeds: [1, 2, 3], intrinsicDims: [2, 10] },
    e_rel_pt: { 2: { test_ist: 0.4 }, 10: { test_ist: 0.7 } },
    e_rel_pt_std: { 2: { test_ist: 0.05 }, 10: { test_ist: 0.02 } },
    e_rel_pt_per_seed: { 1: { 2: { test_ist: 0.35 }, 10: { test_ist: 0.7 } }, 2: { 2: { test_ist: 0.45 }, 10: { test_ist: 0.72 } }, 3: { 2: { test_ist: 0.4 }, 10: { test_ist: 0.68 } } },
    e_rel_n: { 2: { test_ist: 6 }, 10: { test_ist: 6 } },
    random_subspace: { 2: { test_ist: 0.1, test_ist_std: 0.01 }, 10: { test_ist: 0.2, test_ist_std: 0.03 } },
  } as unknown as StudyResultsJson;
  const one = {
    ...base,
    study: { ...base.study, seeds: [1], intrinsicDims: [2, 10] },
    e_rel_pt: { 2: { test_ist: 0.3 }, 10: { test_ist: 0.5 } },
    e_rel_pt_std: { 2: { test_ist: 0 }, 10: { test_ist: 0 } },
    random_subspace: { 2: { test_ist: 0.15, test_ist_std: 0 }, 10: { test_ist: 0.12, test_ist_std: 0 } },
  } as unknown as StudyResultsJson;

  it('draws each split solid with its spread and its random subspace dotted in the same colour, then the paper\'s value', () => {
    const f = shippedCurveFigure({ random: three, cls: one });
    expect(f.dims).toEqual([2, 10]);
    const [ist, rnd, ist2, rnd2, paper] = f.traces;
    expect(ist!.y).toEqual([0.4, 0.7]);
    expect((ist!.error_y as { array: number[]; visible: boolean })).toMatchObject({ array: [0.05, 0.02], visible: true });
    expect(rnd!.y).toEqual([0.1, 0.2]);
    expect((rnd!.line as { dash: string }).dash).toBe('dot');
    expect((rnd!.line as { color: string }).color).toBe((ist!.line as { color: string }).color);
    // One seed: no error bars to draw.
    expect((ist2!.error_y as { visible: boolean }).visible).toBe(false);
    expect(rnd2!.y).toEqual([0.15, 0.12]);
    expect((ist2!.line as { color: string }).color).not.toBe((ist!.line as { color: string }).color);
    expect(paper!.x).toEqual([250]);
    expect(paper!.y).toEqual([0.83]);
    expect(f.tickDims).toEqual([2, 10, 250]);
    expect(f.table.rows.find((r) => r.dI === 10 && String(r.split).startsWith('random'))).toMatchObject({ ist: 0.7, istStd: 0.02, random: 0.2, randomStd: 0.03, seeds: 3, n: 6 });
  });

  it('lists every seed\'s E_rel per d_I with the mean, std and range', () => {
    const t = stabilityTable(three);
    expect(t.columns.map((c) => c.key)).toEqual(['dI', 'seed:1', 'seed:2', 'seed:3', 'mean', 'std', 'range']);
    expect(t.rows[0]).toMatchObject({ dI: 2, 'seed:1': 0.35, 'seed:2': 0.45, 'seed:3': 0.4, mean: 0.4, std: 0.05 });
    expect(t.rows[0]!.range).toBeCloseTo(0.1, 12);
    expect(t.rows[1]!.range).toBeCloseTo(0.04, 12);
  });

  it('maps the embedded model\'s tasks in their built-in categories, though ipt\'s results.json names none', () => {
    const r = { ...three, study: { ...three.study, model: 'embedded:intrinsic-bart-tiny', tasks: { train: [], test: ['sentiment-double-goodbad'] } },
      analysis: { 2: { labels: ['sentiment-double-goodbad'], pca2: [[0, 1]], explained: [1, 0], similarity: [[1]] } } } as unknown as StudyResultsJson;
    expect(studyMapPoints(r, 2)[0]).toMatchObject({ category: 'cls/sentiment analysis', family: 'sentiment', split: 'test' });
    // Another model's results keep "unknown" for a task no catalogue knows.
    expect(studyMapPoints({ ...r, study: { ...r.study, model: 'hub:x' } } as StudyResultsJson, 2)[0]!.category).toBe('unknown');
  });
});
