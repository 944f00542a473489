// `ipt --preset <analysis>` end to end at smoke scale: a random tiny BART, five toy tasks of two
// types in CrossFit's layout, each analysis's studies as processes sharing one work folder, then
// analysis.json and figure.svg.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/shared/random';
import { builtinVocabulary } from '../../../src/shared/tasks/world/index';
import { makeModelDir } from './support';

const root = mkdtempSync(join(tmpdir(), 'ipt-preset-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Two types: "copying" (echo, echo2) and "picking" (first, last, middle).
const TASKS: Record<string, { category: string; answer: (ws: string[]) => string }> = {
  echo: { category: 'other/copying', answer: (ws) => ws.join(' ') },
  echo2: { category: 'other/copying', answer: (ws) => `${ws.join(' ')} ${ws[0]}` },
  first: { category: 'other/picking', answer: (ws) => ws[0]! },
  last: { category: 'other/picking', answer: (ws) => ws[2]! },
  middle: { category: 'other/picking', answer: (ws) => ws[1]! },
};

beforeAll(() => {
  makeModelDir(join(root, 'model'));
  const words = builtinVocabulary().filter((w) => /^[a-z]+$/.test(w)).slice(0, 40);
  const pick = new Rng(9);
  for (const [t, { answer }] of Object.entries(TASKS)) {
    mkdirSync(join(root, 'tasks', t), { recursive: true });
    for (const seed of [100, 13]) for (const sp of ['train', 'dev', 'test']) {
      const lines = Array.from({ length: 4 }, () => {
        const ws = Array.from({ length: 3 }, () => words[pick.int(words.length)]!);
        return `${ws.join(' ')}\t${answer(ws)}`;
      });
      writeFileSync(join(root, 'tasks', t, `${t}_16_${seed}_${sp}.tsv`), lines.join('\n') + '\n');
    }
  }
  writeFileSync(join(root, 'tasks', 'tasks.json'), JSON.stringify(Object.fromEntries(Object.entries(TASKS).map(([n, x]) => [n, { category: x.category, metric: 'EM' }]))));
  const small = { numBeams: 1, maxNewTokens: 4, batchSize: 4, warmupSteps: 1, maxInputTokens: 48, evalBatchSize: 64 };
  writeFileSync(join(root, 'study.json'), JSON.stringify({
    name: 'base', model: 'model', taskSource: { dir: 'tasks' }, tasks: { train: ['echo', 'first', 'last'], test: ['echo2', 'middle'] },
    intrinsicDims: [2], seeds: [1], taskPrefix: false,
    phases: {
      pt: { ...small, promptTokens: 4, totalSteps: 2, evalEvery: 2 }, msf: { ...small, hidden: 8, totalSteps: 2, evalEvery: 2 },
      ist: { ...small, totalSteps: 2, evalEvery: 2 }, ft: { ...small, totalSteps: 2, evalEvery: 2 },
      randomAll: { ...small, totalSteps: 2, evalEvery: 2, dim: 10 },
    },
  }));
});

function preset(name: string, ...extra: string[]) {
  const out = join(root, `out-${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/ipt.ts', '--preset', name, join(root, 'study.json'), '--out', out, ...extra], { encoding: 'utf8', timeout: 600_000 });
  return { ...r, out };
}

interface AnalysisJson {
  analysis: string;
  studies: { label: string; folder: string; train: number; test: number }[];
  figure: { x: (number | string)[]; series: { name: string; y: (number | null)[] }[]; table: { rows: unknown[][] }; notes: string[] };
}
const analysisOf = (out: string) => JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8')) as AnalysisJson;

describe('npm run ipt -- --preset', () => {
  it('task-count: a study per share of the training tasks, PT computed once for all of them, the figure and its chart', () => {
    const r = preset('task-count');
    expect(r.status, r.stderr).toBe(0);
    const a = analysisOf(r.out);
    expect(a.studies.map((s) => [s.label, s.train, s.test])).toEqual([['33%', 1, 2], ['67%', 2, 2], ['100%', 3, 2]]);
    expect(a.figure.x).toEqual([33, 67, 100]);
    for (const s of a.figure.series) expect(s.y).toHaveLength(3);
    // Each point is its study's own E_rel on the unseen tasks.
    const erel = a.studies.map((s) => (JSON.parse(readFileSync(join(r.out, s.folder, 'results.json'), 'utf8')) as { e_rel_pt: Record<string, { test_ist: number | null }> }).e_rel_pt['2']!.test_ist);
    expect(a.figure.series.find((s) => s.name.startsWith('new tasks (IST) ·'))!.y).toEqual(erel);
    // One PT record per task in the shared work folder: the three studies reused each other's.
    // (Three studies each prompt-tune all five tasks on the data seed: 15 runs, 5 distinct.)
    const ptRecords = readdirSync(join(r.out, 'work')).filter((f) => f.startsWith('result%2Fpt%2F') && /%2Fd100(~|%2F)/.test(f));
    expect(ptRecords).toHaveLength(5);
    expect(readFileSync(join(r.out, 'figure.svg'), 'utf8')).toMatch(/^<svg[\s\S]*The number of training tasks[\s\S]*<\/svg>\n$/);
  });

  it('task-types: included and excluded studies per type, testing the same tasks', () => {
    const r = preset('task-types');
    expect(r.status, r.stderr).toBe(0);
    const a = analysisOf(r.out);
    expect(a.studies.map((s) => s.label)).toEqual(['other/copying, included', 'other/copying, excluded', 'other/picking, included', 'other/picking, excluded']);
    expect(a.figure.x).toEqual(['other/copying', 'other/picking']);
    const spec = (folder: string) => JSON.parse(readFileSync(join(r.out, folder, 'study.json'), 'utf8')) as { tasks: { train: string[]; test: string[] } };
    expect(spec('other-picking-included').tasks).toEqual({ train: ['echo', 'first'], test: ['last', 'middle'] });
    expect(spec('other-picking-excluded').tasks).toEqual({ train: ['echo'], test: ['last', 'middle'] });
  });

  it('ft, absolute and stability: one study each with what its table needs', () => {
    for (const name of ['ft', 'absolute', 'stability']) {
      const r = preset(name);
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      const a = analysisOf(r.out);
      const res = JSON.parse(readFileSync(join(r.out, 'all', 'results.json'), 'utf8')) as { fine_tune: Record<string, number>; stability: { seeds: number }; e_rel_ft: Record<string, { test_ist: number | null }> };
      expect(Object.keys(res.fine_tune).sort()).toEqual(['echo', 'echo2', 'first', 'last', 'middle']);
      if (name === 'ft') expect(a.figure.series.find((s) => s.name.endsWith('E_rel vs FT'))!.y[0]).toBe(res.e_rel_ft['2']!.test_ist);
      if (name === 'stability') {
        expect(res.stability.seeds).toBe(3);
        expect(a.figure.x).toEqual(['full fine-tuning (FT)', 'prompt tuning (PT)', 'IPT, d_I 2', 'PT from IPT, d_I 2']);
      }
      expect(a.figure.notes.join(' ')).toMatch(/not drawn/);
    }
  });

  it('data-scale: the built-in classification tasks at K x1, x2 and x4, each its own PT', () => {
    const base = JSON.parse(readFileSync(join(root, 'study.json'), 'utf8')) as Record<string, unknown>;
    const file = join(root, 'builtin.json');
    writeFileSync(file, JSON.stringify({ ...base, name: 'builtin', taskSource: 'builtin', tasks: { train: ['sentiment-review-goodbad', 'topic-news-five', 'slot-flight-to'], test: ['sentiment-double-goodbad'] } }));
    const out = join(root, 'out-data-scale');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/ipt.ts', '--preset', 'data-scale', file, '--out', out], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    const a = analysisOf(out);
    expect(a.studies.map((s) => [s.label, s.train, s.test])).toEqual([['K x1', 2, 1], ['K x2', 2, 1], ['K x4', 2, 1]]);
    expect(a.figure.x).toEqual([1, 2, 4]);
    expect(a.figure.notes.join(' ')).toMatch(/Left out: 1 task that is not classification \(slot-flight-to\)/);
    const spec = (folder: string) => JSON.parse(readFileSync(join(out, folder, 'study.json'), 'utf8')) as { kScale?: number };
    expect([spec('K-x1').kScale, spec('K-x2').kScale, spec('K-x4').kScale]).toEqual([undefined, 2, 4]);
    // Three data scales, three PT runs of each task on the data seed: other data, other units.
    const pt = readdirSync(join(out, 'work')).filter((f) => f.startsWith('result%2Fpt%2F') && f.includes('sentiment-review-goodbad%2Fd100'));
    expect(pt).toHaveLength(3);
  });

  it('multi-task: one prompt and one fine-tuned model for all training tasks, scored on every task, beside PT and IPT', () => {
    const r = preset('multi-task');
    expect(r.status, r.stderr).toBe(0);
    const a = analysisOf(r.out);
    type Mt = { scores: Record<string, number>; e_abs: { train: number; test: number } };
    const res = JSON.parse(readFileSync(join(r.out, 'all', 'results.json'), 'utf8')) as { multi_task_pt: Mt; multi_task_ft: Mt };
    for (const mt of [res.multi_task_pt, res.multi_task_ft]) expect(Object.keys(mt.scores).sort()).toEqual(['echo', 'echo2', 'first', 'last', 'middle']);
    expect(a.figure.series.find((s) => s.name === 'one prompt for all (multi-task PT)')!.y).toEqual([res.multi_task_pt.e_abs.train, res.multi_task_pt.e_abs.test]);
    expect(a.figure.series.find((s) => s.name === 'one model for all (multi-task FT)')!.y).toEqual([res.multi_task_ft.e_abs.train, res.multi_task_ft.e_abs.test]);
  });

  it('random-all: Random_all on every unseen task beside IST in the found and in a random subspace', () => {
    const r = preset('random-all');
    expect(r.status, r.stderr).toBe(0);
    const a = analysisOf(r.out);
    const res = JSON.parse(readFileSync(join(r.out, 'all', 'results.json'), 'utf8')) as { random_all: { dim: number; scores: Record<string, number>; e_rel: { test: number | null } } };
    expect(res.random_all.dim).toBe(10);
    expect(Object.keys(res.random_all.scores).sort()).toEqual(['echo2', 'middle']);
    expect(a.figure.x).toEqual(['IST in the found subspace, d_I 2', 'IST through a random Proj_b, d_I 2', 'Random_all, every weight, d 10']);
    expect(a.figure.series[0]!.y[2]).toBe(res.random_all.e_rel.test);
    expect(readFileSync(join(r.out, 'figure.svg'), 'utf8')).toContain('<title>Random_all, every weight, d 10</title>');
  });

  it('refuses an unknown analysis and a study.json with --split, in one line', () => {
    const bad = preset('fig99');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^ipt: --preset must be one of ft, absolute, stability, task-count, task-types, data-scale, multi-task, random-all, got "fig99"\n$/);
    const both = preset('ft', '--split', 'cls');
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/--split chooses the built-in quick study/);
  });
});
