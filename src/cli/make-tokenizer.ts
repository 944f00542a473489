// Trains a small byte-level BPE tokenizer (BART's special tokens and post-processing) from a text
// corpus and writes tokenizer.json + tokenizer_config.json, e.g. for test fixtures and demo models:
//   npx tsx src/cli/make-tokenizer.ts --corpus test/fixtures/tokenizer/corpus.txt --vocab-size 800 --out test/fixtures/tokenizer
// Each line of the corpus is one text. The output is deterministic.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exitOnHelp } from '../node/cli';
import { trainByteLevelBpe } from '../shared/tokenizer/train';

const USAGE = 'usage: make-tokenizer --corpus <file.txt> --out <dir> [--vocab-size 1000] [--min-frequency 2] [--model-max-length 1024]';

function main(): void {
  exitOnHelp(process.argv.slice(2), `${USAGE}\n  Trains a byte-level BPE tokenizer (one text per corpus line) and writes tokenizer.json and tokenizer_config.json.`);
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      out: { type: 'string' },
      'vocab-size': { type: 'string', default: '1000' },
      'min-frequency': { type: 'string', default: '2' },
      'model-max-length': { type: 'string', default: '1024' },
    },
  });
  if (!values.corpus || !values.out) {
    console.error(USAGE);
    process.exit(2);
  }
  const lines = readFileSync(values.corpus, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const t = trainByteLevelBpe(lines, {
    vocabSize: Number(values['vocab-size']),
    minFrequency: Number(values['min-frequency']),
    modelMaxLength: Number(values['model-max-length']),
  });
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'tokenizer.json'), `${JSON.stringify(t.tokenizerJson, null, 2)}\n`);
  writeFileSync(join(values.out, 'tokenizer_config.json'), `${JSON.stringify(t.tokenizerConfigJson, null, 2)}\n`);
  console.log(`${values.out}: ${t.vocab.size} tokens (${t.merges.length} merges) from ${lines.length} lines of ${values.corpus}`);
}

main();
