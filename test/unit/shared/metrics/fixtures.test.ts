// CrossFit's own metric code run on real test sets with noisy predictions
// (../shared/fixtures/metrics): our scores must match its `expected` to 1e-6.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { score } from '../../../../src/shared/metrics/index';
import type { MetricName } from '../../../../src/shared/tasks/types';

const ROOT = resolve(__dirname, '../../../..');
const DIR = resolve(ROOT, '../shared/fixtures/metrics');
const present = existsSync(DIR);
if (!present) console.warn(`SKIPPING metric fixture tests: ${DIR} is absent`);

interface Fixture { task: string; metric: MetricName; golds: (string | string[])[]; predictions: string[]; expected: number }
const files = present ? readdirSync(DIR).filter((f) => f.endsWith('.json')).sort() : [];
const load = (f: string): Fixture => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Fixture;

describe.skipIf(!present)('CrossFit reference scores (../shared/fixtures/metrics)', () => {
  it('has fixtures for all seven metrics but Pearson', () => {
    const metrics = new Set(files.map((f) => load(f).metric));
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const m of ['ACC', 'EM', 'Classification-F1', 'Matthew-Correlation', 'Rouge-L'] as const) expect(metrics.has(m)).toBe(true);
  });

  it.each(files)('%s', (f) => {
    const fx = load(f);
    expect(fx.predictions.length).toBe(fx.golds.length);
    expect(Math.abs(score(fx.metric, fx.predictions, fx.golds) - fx.expected)).toBeLessThan(1e-6);
  });

  it('the score CLI prints the same number', () => {
    const f = files.find((x) => load(x).metric === 'Rouge-L') ?? files[0]!;
    const out = execFileSync(join(ROOT, 'node_modules/.bin/tsx'), ['src/cli/score.ts', join(DIR, f)], { cwd: ROOT, encoding: 'utf8' });
    const parsed = JSON.parse(out) as { metric: string; score: number };
    expect(parsed.metric).toBe(load(f).metric);
    expect(Math.abs(parsed.score - load(f).expected)).toBeLessThan(1e-6);
  });
});
