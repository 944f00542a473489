import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { loadTasks, withLoadedCategory, withTaskPrefix, type TextFile } from '../../../../src/shared/tasks/index';
import { loadTasksFromPath, readTextFilesFromPath } from '../../../../src/node/tasks';
import { SAMPLE_DIR, countLines, haveShared, listDir, problemsOf } from './support';

const hasSample = haveShared(SAMPLE_DIR, 'crossfit-sample loader tests');

describe.skipIf(!hasSample)('loading ../shared/crossfit-sample', () => {
  it('finds every task folder, with the categories and metrics of its tasks.json', async () => {
    const { tasks } = await loadTasksFromPath(SAMPLE_DIR);
    const folders = listDir(SAMPLE_DIR).filter((n) => n !== 'tasks.json');
    expect(tasks.map((t) => t.name)).toEqual(folders);
    const meta = JSON.parse(readFileSync(join(SAMPLE_DIR, 'tasks.json'), 'utf8')) as Record<string, { category: string; metric: string }>;
    for (const t of tasks) {
      expect(t.category).toBe(meta[t.name]!.category);
      expect(t.metric).toBe(meta[t.name]!.metric);
      expect(t.seeds).toEqual([100, 13]);
      expect(t.k).toBe(16);
    }
  });

  it('counts every split from the files, seed by seed', async () => {
    const { tasks } = await loadTasksFromPath(SAMPLE_DIR);
    for (const t of tasks) {
      for (const task of t.bySeed) {
        for (const split of ['train', 'dev'] as const) {
          const file = join(SAMPLE_DIR, t.name, `${t.name}_16_${task.seed}_${split}.tsv`);
          expect(task[split].length, `${t.name} ${task.seed} ${split}`).toBe(countLines(file));
        }
      }
    }
  });

  it('shares the one test file among seeds (CrossFit test sets do not depend on the seed); xsum has none', async () => {
    const { tasks } = await loadTasksFromPath(SAMPLE_DIR);
    const sst2 = tasks.find((t) => t.name === 'glue-sst2')!;
    const testLines = countLines(join(SAMPLE_DIR, 'glue-sst2', 'glue-sst2_16_100_test.tsv'));
    expect(sst2.bySeed[0]!.test.length).toBe(testLines);
    expect(sst2.bySeed[1]!.test).toEqual(sst2.bySeed[0]!.test);
    const xsum = tasks.find((t) => t.name === 'xsum')!;
    expect(xsum.bySeed.map((t) => t.test.length)).toEqual([0, 0]);
    expect(xsum.bySeed[0]!.train.length).toBe(countLines(join(SAMPLE_DIR, 'xsum', 'xsum_16_100_train.tsv')));
  });

  it('reads an example exactly as the TSV line has it', async () => {
    const { tasks } = await loadTasksFromPath(SAMPLE_DIR);
    const line = readFileSync(join(SAMPLE_DIR, 'trec', 'trec_16_13_dev.tsv'), 'utf8').split('\n')[0]!.split('\t');
    const dev = tasks.find((t) => t.name === 'trec')!.bySeed.find((t) => t.seed === 13)!.dev;
    expect(dev[0]).toEqual({ input: line[0], outputs: line.slice(1) });
  });

  it('prefers TSV where both formats exist, and lists the JSONL files as ignored', async () => {
    const { ignored } = await loadTasksFromPath(SAMPLE_DIR);
    const jsonl = ignored.filter((i) => i.path.endsWith('.jsonl')).map((i) => i.path.split('/')[0]);
    expect(new Set(jsonl)).toEqual(new Set(['ai2_arc', 'glue-sst2']));
  });

  it('reads the MetaICL-style JSONL files: same outputs; with options appended, the same inputs as the TSV', async () => {
    const files = await readTextFilesFromPath(SAMPLE_DIR);
    const pick = (name: string) => files.filter((f) => f.path.startsWith(`${name}/`));
    for (const name of ['ai2_arc', 'glue-sst2']) {
      const tsv = loadTasks(pick(name), { format: 'tsv' }).tasks[0]!;
      const plain = loadTasks(pick(name), { format: 'jsonl' }).tasks[0]!;
      const appended = loadTasks(pick(name), { format: 'jsonl', appendOptions: true }).tasks[0]!;
      expect(plain.format).toBe('jsonl');
      expect(plain.seeds).toEqual(tsv.seeds);
      for (let s = 0; s < tsv.bySeed.length; s++) {
        for (const split of ['train', 'dev', 'test'] as const) {
          const a = tsv.bySeed[s]![split];
          expect(plain.bySeed[s]![split].map((e) => e.outputs)).toEqual(a.map((e) => e.outputs));
          // ai2_arc's TSV inputs carry the options; sst2's options are just its label set.
          const jsonInputs = (name === 'ai2_arc' ? appended : plain).bySeed[s]![split].map((e) => e.input);
          expect(jsonInputs).toEqual(a.map((e) => e.input));
        }
      }
    }
  });

  it('adds the " [task] " prefix the reference used to every split', async () => {
    const { tasks } = await loadTasksFromPath(SAMPLE_DIR, { taskPrefix: true });
    const plain = (await loadTasksFromPath(SAMPLE_DIR)).tasks;
    const a = tasks.find((t) => t.name === 'sick')!.bySeed[0]!;
    const b = plain.find((t) => t.name === 'sick')!.bySeed[0]!;
    expect(a.test[3]!.input).toBe(` [sick] ${b.test[3]!.input}`);
    expect(a.train[0]!.outputs).toEqual(b.train[0]!.outputs);
    expect(withTaskPrefix(b).dev).toEqual(a.dev);
  });
});

// Small in-memory folders: every error kind must name the file (and line where there is one).
const ok = (task = 't', seed = 100): TextFile[] => [
  { path: `${task}/${task}_16_${seed}_train.tsv`, text: 'a\tx\nb\ty\n' },
  { path: `${task}/${task}_16_${seed}_dev.tsv`, text: 'c\tx\n' },
];

describe('loader errors: rejected whole, with file and line', () => {
  it('accepts a minimal folder, uncatalogued tasks get category "unknown"', () => {
    const { tasks } = loadTasks(ok());
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.category).toBe('unknown');
    expect(tasks[0]!.bySeed[0]!.train).toEqual([{ input: 'a', outputs: ['x'] }, { input: 'b', outputs: ['y'] }]);
    const changed = withLoadedCategory(tasks[0]!, { category: 'cls/topic', metric: 'Classification-F1' });
    expect(changed.bySeed[0]!.category).toBe('cls/topic');
    expect(changed.bySeed[0]!.metric).toBe('Classification-F1');
    expect(problemsOf(() => withLoadedCategory(tasks[0]!, { category: 'nonsense' }))[0]!.code).toBe('bad-category');
  });

  it('keeps several acceptable outputs, in order', () => {
    const files = ok();
    files[0] = { path: files[0]!.path, text: 'q\tParis\tparis, France\n' };
    expect(loadTasks(files).tasks[0]!.bySeed[0]!.train[0]!.outputs).toEqual(['Paris', 'paris, France']);
  });

  const cases: [string, (f: TextFile[]) => TextFile[], string, string, number | undefined][] = [
    ['missing-tab', (f) => [{ ...f[0]!, text: 'a\tx\nno tab here\n' }, f[1]!], 'missing-tab', 't/t_16_100_train.tsv', 2],
    ['empty input', (f) => [f[0]!, { ...f[1]!, text: 'c\tx\n\tx\n' }], 'empty-input', 't/t_16_100_dev.tsv', 2],
    ['empty output', (f) => [{ ...f[0]!, text: 'a\tx\nb\ty\tz\t \n' }, f[1]!], 'empty-output', 't/t_16_100_train.tsv', 2],
    ['blank line inside', (f) => [{ ...f[0]!, text: 'a\tx\n\nb\ty\n' }, f[1]!], 'empty-line', 't/t_16_100_train.tsv', 2],
    ['empty file', (f) => [f[0]!, { ...f[1]!, text: '\n\n' }], 'empty-file', 't/t_16_100_dev.tsv', undefined],
    ['unknown split', (f) => [...f, { path: 't/t_16_100_valid.tsv', text: 'a\tb\n' }], 'unknown-split', 't/t_16_100_valid.tsv', undefined],
    ['duplicate task in two folders', (f) => [...f, { path: 'copy/t/t_16_13_train.tsv', text: 'a\tb\n' }, { path: 'copy/t/t_16_13_dev.tsv', text: 'a\tb\n' }], 'duplicate-task', 't/t_16_100_train.tsv', undefined],
    ['same file twice', (f) => [...f, f[0]!], 'duplicate-task', 't/t_16_100_train.tsv', undefined],
    ['seed without dev', (f) => [...f, { path: 't/t_16_13_train.tsv', text: 'a\tb\n' }], 'inconsistent-seeds', 't/t_16_13_train.tsv', undefined],
    ['test for a seed without train', (f) => [...f, { path: 't/t_16_42_test.tsv', text: 'a\tb\n' }], 'inconsistent-seeds', 't/t_16_42_test.tsv', undefined],
    ['mixed K', (f) => [...f, { path: 't/t_32_100_test.tsv', text: 'a\tb\n' }], 'inconsistent-k', 't/t_32_100_test.tsv', undefined],
    ['bad JSON line', () => [{ path: 't/t_16_1_train.jsonl', text: '{"input":"a","output":"b"}\n{"input": oops}\n' }, { path: 't/t_16_1_dev.jsonl', text: '{"input":"a","output":"b"}\n' }], 'bad-json', 't/t_16_1_train.jsonl', 2],
    ['JSON without output', () => [{ path: 't/t_16_1_train.jsonl', text: '{"input":"a","output":"b"}\n' }, { path: 't/t_16_1_dev.jsonl', text: '{"input":"a"}\n' }], 'bad-field', 't/t_16_1_dev.jsonl', 1],
    ['JSON of another task', () => [{ path: 't/t_16_1_train.jsonl', text: '{"task":"u","input":"a","output":"b"}\n' }, { path: 't/t_16_1_dev.jsonl', text: '{"input":"a","output":"b"}\n' }], 'task-mismatch', 't/t_16_1_train.jsonl', 1],
    ['bad tasks.json', (f) => [...f, { path: 'tasks.json', text: '{"t": {"category": "cls/x", "metric": "BLEU"}}' }], 'bad-metadata', 'tasks.json', 1],
    ['nothing to load', () => [{ path: 'README.md', text: 'hello' }], 'no-tasks', '', undefined],
  ];
  it.each(cases)('%s', (_, make, code, file, line) => {
    const problems = problemsOf(() => loadTasks(make(ok())));
    const p = problems.find((q) => q.code === code);
    expect(p, JSON.stringify(problems)).toBeDefined();
    if (file) {
      expect(p!.file).toBe(file);
      expect(p!.message.startsWith(file)).toBe(true);
    }
    expect(p!.line).toBe(line);
    if (line !== undefined) expect(p!.message).toContain(`${file}:${line}:`);
  });

  it('reports all problems of all files together, and never returns some of the tasks', () => {
    const files = [...ok('a'), ...ok('b'), { path: 'c/c_16_100_train.tsv', text: 'x\n' }, { path: 'c/c_16_100_dev.tsv', text: 'y\n' }];
    const problems = problemsOf(() => loadTasks(files));
    expect(problems.map((p) => `${p.file}:${p.line}`)).toEqual(['c/c_16_100_train.tsv:1', 'c/c_16_100_dev.tsv:1']);
  });

  it('a huge broken file lists the first 1000 problems and counts the rest', () => {
    const text = Array.from({ length: 2500 }, () => 'no tab').join('\n');
    const problems = problemsOf(() => loadTasks([{ path: 'h/h_16_1_train.tsv', text }, { path: 'h/h_16_1_dev.tsv', text: 'a\tb' }]));
    expect(problems).toHaveLength(1001);
    expect(problems[999]).toMatchObject({ code: 'missing-tab', line: 1000 });
    expect(problems[1000]!.message).toContain('1500 more problems');
  });

  it('a duplicate name between a table and a CrossFit task is rejected', () => {
    const problems = problemsOf(() => loadTasks([...ok(), { path: 't.csv', text: 'input,output\na,b\n' }]));
    expect(problems[0]!.code).toBe('duplicate-task');
    expect(problems[0]!.file).toBe('t.csv');
  });

  it.skipIf(!hasSample)('errors from a folder on disk name the real path', async () => {
    await expect(loadTasksFromPath(join(SAMPLE_DIR, 'trec', 'trec_16_100_dev.tsv'))).rejects.toMatchObject({
      problems: [{ code: 'inconsistent-seeds', file: join(SAMPLE_DIR, 'trec', 'trec_16_100_dev.tsv') }],
    });
  });
});
