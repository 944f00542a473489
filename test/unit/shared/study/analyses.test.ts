import { describe, expect, it } from 'vitest';
import { ANALYSES, ANALYSIS_NAMES, analysisFigure, analysisStudies, type AnalysisResult, type AnalysisTables } from '../../../../src/shared/study/analyses';
import { figureSvg } from '../../../../src/shared/study/figureSvg';
import { planStudy } from '../../../../src/shared/study/plan';
import { quickStudySpec } from '../../../../src/shared/study/quick';
import type { StudySpec } from '../../../../src/shared/study/spec';
import { ANALYSIS_SPLIT_FILES, SPLIT_FILES, catalogueEntry } from '../../../../src/shared/tasks/index';
import { TASK_FAMILIES } from '../../../../src/shared/tasks/world/index';

const builtinCategory = (t: string) => TASK_FAMILIES.find((f) => f.tasks.includes(t))!.category;
const quick: StudySpec = { ...quickStudySpec('random'), model: 'm' };
const paper: StudySpec = { ...quick, name: 'paper', tasks: { train: [...SPLIT_FILES.random!.train!], test: [...SPLIT_FILES.random!.test!] } };
const crossfit = { categoryOf: (t: string) => catalogueEntry(t)!.category };

describe('analysisStudies', () => {
  it('one-study analyses switch on what their table needs and nothing else', () => {
    const ft = analysisStudies('ft', quick, { categoryOf: builtinCategory }).studies;
    expect(ft).toHaveLength(1);
    expect(ft[0]!.spec).toEqual({ ...quick, fineTune: true, name: 'quick-random/ft/all' });
    const st = analysisStudies('stability', quick, { categoryOf: builtinCategory }).studies[0]!.spec;
    expect(st).toMatchObject({ fineTune: true, iptInitPt: true, seeds: [1, 2, 3] });
    // A base with run seeds of its own keeps them.
    expect(analysisStudies('stability', { ...quick, seeds: [4, 5] }, { categoryOf: builtinCategory }).studies[0]!.spec.seeds).toEqual([4, 5]);
  });

  it('task-count: nested shares of the base\'s training tasks, the unseen tasks unchanged, and every PT unit shared', () => {
    const { studies } = analysisStudies('task-count', quick, { categoryOf: builtinCategory });
    expect(studies.map((s) => s.label)).toEqual(['21%', '43%', '57%', '79%', '100%']);
    expect(studies.map((s) => s.spec.tasks.train.length)).toEqual([3, 6, 8, 11, 14]);
    for (const [i, s] of studies.entries()) {
      expect(s.spec.tasks.test).toEqual(quick.tasks.test);
      if (i > 0) expect(studies[i - 1]!.spec.tasks.train.every((t) => s.spec.tasks.train.includes(t))).toBe(true);
    }
    // The PT units of the smaller studies are the full study's: computed once.
    const keys = (s: StudySpec, phase: string) => planStudy(s).batches.filter((b) => b.kind === phase).flatMap((b) => b.items.flatMap((i) => i.units.map((u) => u.key)));
    const full = new Set(keys(studies.at(-1)!.spec, 'pt'));
    for (const s of studies) expect(keys(s.spec, 'pt').every((k) => full.has(k))).toBe(true);
    // ...but each finds its own subspace.
    expect(new Set(studies.map((s) => keys(s.spec, 'msf')[0])).size).toBe(5);
  });

  it('task-count on the paper\'s random split uses the reference\'s random_<n> files', () => {
    const { studies } = analysisStudies('task-count', paper, crossfit);
    expect(studies.map((s) => s.spec.tasks.train)).toEqual([...[20, 40, 60, 80].map((n) => ANALYSIS_SPLIT_FILES[`random_${n}`]!.train), paper.tasks.train]);
    expect(studies.map((s) => s.label)).toEqual(['20%', '40%', '60%', '80%', '100%']);
  });

  it('a small base runs each distinct set of training tasks once', () => {
    const small = { ...quick, tasks: { train: quick.tasks.train.slice(0, 3), test: quick.tasks.test } };
    const { studies } = analysisStudies('task-count', small, { categoryOf: builtinCategory });
    expect(studies.map((s) => s.spec.tasks.train.length)).toEqual([1, 2, 3]);
    expect(studies.map((s) => s.group)).toEqual(['33', '67', '100']);
  });

  it('task-types: per type, the same tested tasks with part of the type in MSF or none of it', () => {
    const { studies, skipped } = analysisStudies('task-types', quick, { categoryOf: builtinCategory });
    const types = [...new Set(studies.map((s) => s.group))];
    expect(types).toContain('cls/sentiment analysis');
    expect(skipped).toEqual([]);
    for (const type of types) {
      const [inc, exc] = studies.filter((s) => s.group === type);
      expect([inc!.variant, exc!.variant]).toEqual(['included', 'excluded']);
      expect(inc!.spec.tasks.test).toEqual(exc!.spec.tasks.test);
      expect(exc!.spec.tasks.train.some((t) => builtinCategory(t) === type)).toBe(false);
      expect(inc!.spec.tasks.train.filter((t) => builtinCategory(t) === type).length).toBeGreaterThan(0);
      expect(inc!.spec.tasks.test.every((t) => builtinCategory(t) === type)).toBe(true);
      expect(inc!.spec.tasks.train.filter((t) => inc!.spec.tasks.test.includes(t))).toEqual([]);
      expect(inc!.spec.istSettings).toEqual(['test']);
      expect(() => planStudy(inc!.spec)).not.toThrow();
    }
  });

  it('task-types says which types it cannot split', () => {
    const base = { ...quick, tasks: { train: ['sentiment-review-goodbad', 'topic-news-five'], test: ['topic-news-alt'] } };
    const { studies, skipped } = analysisStudies('task-types', base, { categoryOf: builtinCategory });
    expect(studies.map((s) => s.group)).toEqual(['cls/topic', 'cls/topic']);
    expect(skipped).toEqual(['cls/sentiment analysis: one task only, nothing to include and test apart']);
  });

  it('task-types on the paper\'s random split follows the random_heldout_<type> files', () => {
    const { studies } = analysisStudies('task-types', paper, crossfit);
    expect(new Set(studies.map((s) => s.group)).size).toBe(13);
    const emo = studies.filter((s) => s.group === 'emotion');
    expect(emo[1]!.spec.tasks.train).toEqual(ANALYSIS_SPLIT_FILES.random_heldout_emotion!.train);
    expect(emo[0]!.spec.tasks.train).toEqual([...ANALYSIS_SPLIT_FILES.random_heldout_emotion!.train, ...ANALYSIS_SPLIT_FILES.random_heldout_emotion_test_1!.test]);
    expect(emo[0]!.spec.tasks.test).toEqual(ANALYSIS_SPLIT_FILES.random_heldout_emotion_test_2!.test);
  });
});

describe('analysisStudies: data-scale', () => {
  it('the base\'s classification tasks at K x1, x2, x4; x1 is the base\'s own units', () => {
    const { studies, skipped } = analysisStudies('data-scale', quick, { categoryOf: builtinCategory });
    expect(studies.map((s) => [s.label, s.spec.kScale])).toEqual([['K x1', undefined], ['K x2', 2], ['K x4', 4]]);
    for (const s of studies) {
      expect([...s.spec.tasks.train, ...s.spec.tasks.test].every((t) => builtinCategory(t).startsWith('cls/'))).toBe(true);
      expect(s.spec.tasks.train).toEqual(quick.tasks.train.filter((t) => builtinCategory(t).startsWith('cls/')));
    }
    expect(skipped[0]).toMatch(/^10 tasks that are not classification \(slot-flight-to, /);
    // Every unit of a scaled study is its own: other data.
    const ptKeys = (s: StudySpec) => planStudy(s).batches.filter((b) => b.kind === 'pt').flatMap((b) => b.items.flatMap((i) => i.units.map((u) => u.key)));
    const [k1, k2] = [ptKeys(studies[0]!.spec), ptKeys(studies[1]!.spec)];
    expect(k2.filter((k) => k1.includes(k))).toEqual([]);
    expect(k1.every((k) => ptKeys({ ...quick }).includes(k))).toBe(true);
  });
  it('a base with no classification training task has nothing to scale, and says so', () => {
    const base = { ...quick, tasks: { train: ['slot-flight-to'], test: ['slot-flight-day'] } };
    expect(analysisStudies('data-scale', base, { categoryOf: builtinCategory })).toEqual({ studies: [], skipped: [expect.stringMatching(/no classification training task/)] });
  });
});

/** A results.json's tables with the given E_rel on unseen tasks. */
function tables(dims: number[], erel: (dI: number) => number | null, extra: Partial<AnalysisTables> = {}): AnalysisTables {
  const row = (dI: number) => ({ train_msf: null, test_msf: null, train_same_ist: null, train_diff_ist: null, test_ist: erel(dI), test_in_ist: erel(dI), test_out_ist: null });
  return {
    study: { intrinsicDims: dims, istSettings: ['test'], tasks: { train: ['a', 'b'], test: ['c', 'd'], testOutOfDomain: ['d'] } },
    e_rel_pt: Object.fromEntries(dims.map((d) => [d, row(d)])),
    e_abs: { ipt: Object.fromEntries(dims.map((d) => [d, { test_ist: 0.4 }])), pt: { train: 0.8, test: 0.5 } },
    stability: { seeds: 1, pt: 0, ipt: {} },
    ...extra,
  };
}

describe('analysisFigure', () => {
  it('ft draws E_rel vs PT solid and E_rel vs FT dashed for each challenge that ran', () => {
    const r = tables([2, 5], (d) => d / 10, { e_rel_ft: { 2: { ...tables([2], () => 0.1).e_rel_pt[2]!, test_ist: 0.05 }, 5: { ...tables([5], () => 0.25).e_rel_pt[5]! } }, pt_over_ft: { train: 1, test: 0.5 } });
    const f = analysisFigure('ft', [{ study: { label: 'all', group: 'all' }, results: r }]);
    expect(f.x).toEqual([2, 5]);
    expect(f.series.map((s) => [s.name, s.y, s.dashed ?? false])).toEqual([
      ['new tasks (IST) · T_test(IST): E_rel vs PT', [0.2, 0.5], false],
      ['new tasks (IST) · T_test(IST): E_rel vs FT', [0.05, 0.25], true],
      ['new tasks in domain (IST) · T_test^in(IST): E_rel vs PT', [0.2, 0.5], false],
      ['new tasks in domain (IST) · T_test^in(IST): E_rel vs FT', [0.1, 0.25], true],
      // Run, but no value (no task of T_test^out counted): a line of gaps, not a missing line.
      ['new tasks out of domain (IST) · T_test^out(IST): E_rel vs PT', [null, null], false],
      ['new tasks out of domain (IST) · T_test^out(IST): E_rel vs FT', [null, null], true],
    ]);
    expect(f.table.rows.at(-2)).toEqual(['-', 'prompt tuning (PT) over FT, unseen tasks', null, 0.5]);
    expect(f.notes.join(' ')).toMatch(/\(Fig\. 3\(b\), Fig\. 9\) are not drawn beside it: the paper's full text was not available/);
    // Two unseen tasks, one seed: the figure says a point is a handful of tasks.
    expect(f.notes[0]).toBe('Each point counts 2 unseen tasks over 1 run seed: one task can move it a lot, so read differences between points as a hint, not a finding.');
  });

  it('task-count puts each study at its share, and a missing value stays a gap', () => {
    const done: AnalysisResult[] = [20, 60, 100].map((g, i) => ({ study: { label: `${g}%`, group: String(g) }, results: tables([10], () => (i === 1 ? null : 0.3 + i * 0.2)) }));
    const f = analysisFigure('task-count', done);
    expect(f.x).toEqual([20, 60, 100]);
    expect(f.series.find((s) => s.name.startsWith('new tasks (IST)'))!.y).toEqual([0.3, null, 0.7]);
    const svg = figureSvg(f);
    expect(svg.startsWith('<svg')).toBe(true);
    // The gap splits each of the two lines with values (T_test, T_test^in) in two runs; T_test^out has none.
    expect(f.series.map((x) => x.name)).toEqual(['new tasks (IST) · T_test(IST), d_I 10', 'new tasks in domain (IST) · T_test^in(IST), d_I 10', 'new tasks out of domain (IST) · T_test^out(IST), d_I 10']);
    expect(svg.match(/<polyline/g)!.length).toBe(4);
  });

  it('task-types pairs included and excluded per type', () => {
    const done: AnalysisResult[] = [
      { study: { label: 'x, included', group: 'x', variant: 'included' }, results: tables([10], () => 0.9) },
      { study: { label: 'x, excluded', group: 'x', variant: 'excluded' }, results: tables([10], () => 0.4) },
    ];
    const f = analysisFigure('task-types', done);
    expect(f.series.map((s) => [s.name, s.y])).toEqual([['included, d_I 10', [0.9]], ['excluded, d_I 10', [0.4]]]);
    expect(f.table.rows).toEqual([['x', 2, 10, 0.9, 0.4]]);
    expect(figureSvg(f).match(/<rect x=/g)!.length).toBe(2 + 2); // two bars, two legend keys
  });

  it('stability lists FT, PT, IPT and PT from IPT with their stds', () => {
    const r = tables([10], () => 0.8, { stability: { seeds: 3, pt: 0.04, ft: 0.06, ipt: { 10: 0.02 }, ipt_init_pt: { 10: { e_rel: 1.03, e_rel_std: 0.01, std: 0.017 } } } });
    const f = analysisFigure('stability', [{ study: { label: 'all', group: 'all' }, results: r }]);
    expect(f.table.rows).toEqual([['full fine-tuning (FT)', 0.06, null], ['prompt tuning (PT)', 0.04, 1], ['IPT, d_I 10', 0.02, 0.8], ['PT from IPT, d_I 10', 0.017, 1.03]]);
    expect(f.notes).toEqual(['3 run seeds.', expect.stringMatching(/^Each point counts 2 unseen tasks/), expect.stringMatching(/\(Table III, §V-E\) are not drawn/)]);
  });

  it('absolute compares IPT with PT and FT on the same tasks', () => {
    const r = tables([10], () => 0.8, { e_abs: { ipt: { 10: { test_ist: 0.4, train_same_ist: 0.7, train_msf: 0.75, test_msf: 0.3 } }, pt: { train: 0.8, test: 0.5 }, ft: { train: 0.9, test: 0.6 } } });
    const f = analysisFigure('absolute', [{ study: { label: 'all', group: 'all' }, results: { ...r, study: { intrinsicDims: [10], istSettings: ['train_same', 'test'], tasks: { train: ['a'], test: ['c'] } } } }]);
    expect(f.x).toEqual(['training tasks, same data (IST) · T_train(IST)', 'new tasks (IST) · T_test(IST)', 'training tasks, rebuilt prompts (MSF) · T_train(MSF)', 'new tasks, rebuilt prompts (MSF) · T_test(MSF)']);
    expect(f.series.map((s) => s.y)).toEqual([[0.7, 0.4, 0.75, 0.3], [0.8, 0.5, 0.8, 0.5], [0.9, 0.6, 0.9, 0.6]]);
    expect(f.notes.join(' ')).toMatch(/\(Tables V-VIII\) are not drawn/);
  });

  it('multi-task compares per-task PT, one prompt for all, and IPT, on training and unseen tasks', () => {
    const r = tables([10], () => 0.8, {
      e_abs: { ipt: { 10: { test_ist: 0.4, train_same_ist: 0.7 } }, pt: { train: 0.8, test: 0.5 } },
      e_rel_pt: { 10: { train_msf: null, test_msf: null, train_same_ist: 0.875, train_diff_ist: null, test_ist: 0.8, test_in_ist: 0.8, test_out_ist: null } },
      multi_task_pt: { scores: {}, e_rel: { train: 0.5, test: 0.2 }, e_abs: { train: 0.4, test: 0.1 } },
    });
    const f = analysisFigure('multi-task', [{ study: { label: 'all', group: 'all' }, results: { ...r, study: { ...r.study, istSettings: ['train_same', 'test'] } } }]);
    expect(f.x).toEqual(['training tasks', 'unseen tasks']);
    expect(f.series.map((s) => [s.name, s.y])).toEqual([['prompt tuning per task (PT)', [0.8, 0.5]], ['one prompt for all (multi-task PT)', [0.4, 0.1]], ['IPT, d_I 10', [0.7, 0.4]]]);
    expect(f.table.rows).toContainEqual(['one prompt for all (multi-task PT)', 'unseen tasks', 0.1, 0.2]);
    expect(f.table.rows).toContainEqual(['IPT, d_I 10', 'training tasks', 0.7, 0.875]);
    const spec = analysisStudies('multi-task', quick, { categoryOf: builtinCategory }).studies[0]!.spec;
    expect([spec.multiTaskPt, spec.multiTaskFt]).toEqual([true, true]);
    // With multi-task FT's results its bars join, between multi-task PT and IPT.
    const withFt = analysisFigure('multi-task', [{ study: { label: 'all', group: 'all' }, results: { ...r, multi_task_ft: { scores: {}, e_rel: { train: 0.9, test: 0.3 }, e_abs: { train: 0.72, test: 0.15 } }, study: { ...r.study, istSettings: ['train_same', 'test'] } } }]);
    expect(withFt.series.map((s) => s.name)).toEqual(['prompt tuning per task (PT)', 'one prompt for all (multi-task PT)', 'one model for all (multi-task FT)', 'IPT, d_I 10']);
    expect(withFt.table.rows).toContainEqual(['one model for all (multi-task FT)', 'training tasks', 0.72, 0.9]);
  });

  it('random-all sets IST in the found subspace and through a random Proj_b beside Random_all, on the unseen tasks', () => {
    const r = tables([2, 10], () => 0.8, {
      e_abs: { ipt: { 2: { test_ist: 0.3, random_subspace_ist: 0.1 }, 10: { test_ist: 0.4, random_subspace_ist: 0.15 } }, pt: { train: 0.8, test: 0.5 } },
      random_subspace: { 2: { test_ist: 0.2, test_ist_std: 0 }, 10: { test_ist: 0.3, test_ist_std: 0 } },
      random_all: { dim: 100, scores: { c: 0.35 }, e_rel: { test: 0.7, test_std: 0 }, e_abs: { test: 0.35 } },
    });
    const f = analysisFigure('random-all', [{ study: { label: 'all', group: 'all' }, results: r }]);
    expect(f.x).toEqual(['IST in the found subspace, d_I 2', 'IST in the found subspace, d_I 10', 'IST through a random Proj_b, d_I 2', 'IST through a random Proj_b, d_I 10', 'Random_all, every weight, d 100']);
    expect(f.series[0]!.y).toEqual([0.8, 0.8, 0.2, 0.3, 0.7]);
    expect(f.table.rows.at(-1)).toEqual(['Random_all, every weight, d 100', 100, 0.7, 0.35]);
    expect(f.table.rows[2]).toEqual(['IST through a random Proj_b, d_I 2', 2, 0.2, 0.1]);
    expect(analysisStudies('random-all', quick, { categoryOf: builtinCategory }).studies.map((s) => s.spec.randomAll)).toEqual([true]);
  });

  it('every analysis has its words', () => {
    for (const n of ANALYSIS_NAMES) expect(ANALYSES[n].question.length * ANALYSES[n].howToRead.length).toBeGreaterThan(0);
    expect(() => analysisFigure('ft', [])).toThrow(/no finished study/);
  });
});
