// Scores a predictions file with CrossFit's metrics.
//   npm run -s score -- file.json
// file.json: {"metric": "<one of the seven>", "golds": [string | string[], ...], "predictions": [string, ...]}
// (other keys, such as "task" or "expected" in ../shared/fixtures/metrics, are ignored).
// Prints {"metric": ..., "score": x}; a NaN score (Pearson on unparsable output) prints as null.
import { readFileSync } from 'node:fs';
import { isMetricName, score } from '../shared/metrics/index';

function fail(msg: string): never {
  process.stderr.write(`score: ${msg}\n`);
  process.exit(1);
}

function main(argv: string[]): void {
  const file = argv[0];
  if (!file || argv.length > 1) fail('usage: npm run -s score -- <file.json>');
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`${file}: ${(e as Error).message}`);
  }
  if (typeof data !== 'object' || data === null) fail(`${file}: expected a JSON object`);
  const { metric, golds, predictions } = data as Record<string, unknown>;
  if (typeof metric !== 'string' || !isMetricName(metric)) fail(`${file}: "metric" must be one of the seven CrossFit metrics, got ${JSON.stringify(metric)}`);
  if (!Array.isArray(predictions)) fail(`${file}: "predictions" must be an array of strings`);
  predictions.forEach((p, i) => {
    if (typeof p !== 'string') fail(`${file}: predictions[${i}] is not a string`);
  });
  if (!Array.isArray(golds)) fail(`${file}: "golds" must be an array`);
  golds.forEach((g, i) => {
    const ok = typeof g === 'string' || (Array.isArray(g) && g.every((x) => typeof x === 'string'));
    if (!ok) fail(`${file}: golds[${i}] must be a string or an array of strings`);
  });
  try {
    const s = score(metric, predictions as string[], golds as (string | string[])[]);
    process.stdout.write(`${JSON.stringify({ metric, score: Number.isNaN(s) ? null : s })}\n`);
  } catch (e) {
    fail(`${file}: ${(e as Error).message}`);
  }
}

main(process.argv.slice(2));
