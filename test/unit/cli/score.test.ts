// The score CLI on temporary files (no ../shared needed): output format and clear errors.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'score-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(body: unknown): { status: number | null; stdout: string; stderr: string; file: string } {
  const file = join(dir, `f${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/score.ts', file], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, file };
}

describe('npm run score', () => {
  it('refuses /dev/zero, a FIFO and a folder at once with one line (it used to hang on /dev/zero)', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [path, what] of [['/dev/zero', 'a character device'], [fifo, 'a FIFO (named pipe)'], [dir, 'a folder']] as const) {
      // The timeout is only a safety net (a regression would read /dev/zero forever): the exit status is the check.
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/score.ts', path], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(r.signal, path).toBeNull();
      expect(r.status, path).toBe(1);
      expect(r.stderr).toBe(`score: ${path}: is ${what}, not a file\n`);
    }
  });

  it('prints {metric, score} and ignores extra keys', () => {
    const r = run({ task: 't', metric: 'QA-F1', golds: [['x y z'], 'q'], predictions: ['y z w w', 'q'], expected: 0 });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { metric: string; score: number };
    expect(out.metric).toBe('QA-F1');
    expect(out.score).toBeCloseTo((4 / 7 + 1) / 2, 12);
  });
  it('prints null for a NaN Pearson score', () => {
    const r = run({ metric: 'Pearson-Correlation', golds: ['1', '2', '3'], predictions: ['1', 'oops', '3'] });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ metric: 'Pearson-Correlation', score: null });
  });
  it('names the file and the problem on bad input', () => {
    const cases: [unknown, RegExp][] = [
      [{ metric: 'BLEU', golds: [], predictions: [] }, /"metric" must be one of/],
      [{ metric: 'EM', golds: ['a'], predictions: [1] }, /predictions\[0\] is not a string/],
      [{ metric: 'EM', golds: [['a', 2]], predictions: ['a'] }, /golds\[0\] must be a string or an array of strings/],
      [{ metric: 'EM', golds: ['a', 'b'], predictions: ['a'] }, /1 predictions but 2 golds/],
      ['{not json', /JSON/],
    ];
    for (const [body, msg] of cases) {
      const r = run(body);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(r.file);
      expect(r.stderr).toMatch(msg);
    }
  });
});
