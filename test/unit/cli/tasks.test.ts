// The inspect CLI, checked against counts computed here with plain fs reads.

import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CROSSFIT_SEEDS } from '../../../src/shared/tasks/sampling';
import { builtinTasks } from '../../../src/shared/tasks/world/index';
import { PROJECT_ROOT, SAMPLE_DIR, countLines, haveShared } from '../shared/tasks/support';

interface Report {
  tasks: { name: string; category: string; metric: string; k: number; seeds: number[]; splits: { train: number; dev: number; test: number } }[];
  errors: { code: string; file?: string; line?: number; message: string }[];
}

function inspect(target: string): { status: number | null; report: Report } {
  const r = spawnSync('npx', ['tsx', 'src/cli/tasks.ts', 'inspect', target], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
  const lines = r.stdout.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return { status: r.status, report: JSON.parse(lines[0]!) as Report };
}

const hasSample = haveShared(SAMPLE_DIR, 'inspect CLI on crossfit-sample');

describe('npm run tasks -- inspect', () => {
  it.skipIf(!hasSample)('lists every sample task with the first seed\'s counts', () => {
    const { status, report } = inspect('../shared/crossfit-sample');
    expect(status).toBe(0);
    expect(report.errors).toEqual([]);
    const folders = readdirSync(SAMPLE_DIR).filter((n) => n !== 'tasks.json').sort();
    expect(report.tasks.map((t) => t.name)).toEqual(folders);
    const meta = JSON.parse(readFileSync(join(SAMPLE_DIR, 'tasks.json'), 'utf8')) as Record<string, { category: string; metric: string }>;
    for (const t of report.tasks) {
      const files = readdirSync(join(SAMPLE_DIR, t.name)).filter((f) => f.endsWith('.tsv'));
      const seeds = [...new Set(files.map((f) => Number(f.split('_').at(-2))))];
      expect(new Set(t.seeds)).toEqual(new Set(seeds));
      expect(t.seeds[0]).toBe(100);
      expect(t.category).toBe(meta[t.name]!.category);
      expect(t.metric).toBe(meta[t.name]!.metric);
      const count = (split: string) => {
        const f = `${t.name}_16_100_${split}.tsv`;
        return files.includes(f) ? countLines(join(SAMPLE_DIR, t.name, f)) : 0;
      };
      expect(t.splits, t.name).toEqual({ train: count('train'), dev: count('dev'), test: count('test') });
    }
    const byName = Object.fromEntries(report.tasks.map((t) => [t.name, t]));
    expect(byName.xsum!.splits.test).toBe(0);
    expect(byName['poem_sentiment']!.splits.test).toBe(countLines(join(SAMPLE_DIR, 'poem_sentiment', 'poem_sentiment_16_100_test.tsv')));
  });

  it('prints errors with file and line for a broken folder, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasks-cli-'));
    try {
      mkdirSync(join(dir, 'bad'));
      writeFileSync(join(dir, 'bad', 'bad_16_100_train.tsv'), 'a\tb\nno tab\n');
      writeFileSync(join(dir, 'bad', 'bad_16_100_dev.tsv'), 'a\tb\n');
      const { status, report } = inspect(dir);
      expect(status).toBe(1);
      expect(report.tasks).toEqual([]);
      expect(report.errors).toEqual([expect.objectContaining({ code: 'missing-tab', file: join(dir, 'bad', 'bad_16_100_train.tsv'), line: 2 })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses /dev/zero and a FIFO with one error and exit 1 (it used to print a stack trace)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasks-cli-'));
    try {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      for (const [path, what] of [['/dev/zero', 'a character device'], [fifo, 'a FIFO (named pipe)']] as const) {
        // The timeout is only a safety net: the exit status and the report are the check.
        const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/tasks.ts', 'inspect', path], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 30_000 });
        expect(r.signal, path).toBeNull();
        expect(r.status, path).toBe(1);
        expect(r.stderr, path).toBe('');
        expect(JSON.parse(r.stdout)).toEqual({ tasks: [], errors: [{ code: 'not-a-file', file: path, message: `${path}: is ${what}, not a file or folder` }] });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builtin: lists the built-in world, one entry per task with all its seeds', () => {
    const { status, report } = inspect('builtin:');
    expect(status).toBe(0);
    expect(report.errors).toEqual([]);
    // Independent of the CLI: call the world directly and compare names, seeds and counts.
    const first = builtinTasks(CROSSFIT_SEEDS[0]);
    expect(report.tasks.map((t) => t.name)).toEqual(first.map((t) => t.name).sort());
    for (const t of first) {
      const r = report.tasks.find((x) => x.name === t.name)!;
      expect(r.seeds).toEqual([...CROSSFIT_SEEDS]);
      expect({ category: r.category, metric: r.metric, k: r.k }).toEqual({ category: t.category, metric: t.metric, k: t.k });
      expect(r.splits).toEqual({ train: t.train.length, dev: t.dev.length, test: t.test.length });
    }
  });
});
