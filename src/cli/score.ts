// Scores a predictions file with CrossFit's metrics.
//   npm run -s score -- file.json
// file.json: {"metric": "<one of the seven>", "golds": [string | string[], ...], "predictions": [string, ...]}
// (other keys, such as "task" or "expected" in ../shared/fixtures/metrics, are ignored).
// Prints {"metric": ..., "score": x}; a NaN score (Pearson on unparsable output) prints as null.
import { exitOnHelp } from '../node/cli';
import { MAX_JSON_FILE_BYTES, readRegularFile } from '../node/files';
import { isMetricName, score } from '../shared/metrics/index';

const USAGE = 'usage: npm run -s score -- <file.json>';
const HELP = `${USAGE}
  file.json: {"metric": "<one of the seven CrossFit metrics>", "golds": [string | string[], ...],
  "predictions": [string, ...]}; prints {"metric": ..., "score": x} (null for a NaN score).`;

function fail(msg: string): never {
  process.stderr.write(`score: ${msg}\n`);
  process.exit(1);
}

function main(argv: string[]): void {
  exitOnHelp(argv, HELP);
  const file = argv[0];
  if (!file || argv.length > 1) fail(USAGE);
  let data: unknown;
  try {
    data = JSON.parse(readRegularFile(file, MAX_JSON_FILE_BYTES, 'a predictions file').toString('utf8'));
  } catch (e) {
    // InputFileError messages already start with the path.
    const msg = (e as Error).message;
    fail(msg.startsWith(`${file}: `) ? msg : `${file}: ${msg}`);
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
