// What the runner tests share: a throwaway model folder (random tiny BART + a byte-level BPE
// tokenizer over the built-in task world's words).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedWeights, parseBartConfig } from '../../../src/shared/model/config';
import { builtinVocabulary } from '../../../src/shared/tasks/world/index';
import { trainByteLevelBpe } from '../../../src/shared/tokenizer/train';
import { Rng } from '../../../src/shared/random';
import { writeSafetensors, type WritableTensor } from '../../../src/shared/weights/safetensors';

export function makeModelDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const tok = trainByteLevelBpe(builtinVocabulary().map((w) => ` ${w}`), { vocabSize: 300, minFrequency: 1 });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.tokenizerJson));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tok.tokenizerConfigJson));
  const fixture = JSON.parse(readFileSync(new URL('../../fixtures/bart-parity/config.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const json = { ...fixture, vocab_size: Math.max(...tok.vocab.values()) + 1, max_position_embeddings: 128 };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(json));
  const rng = new Rng(3);
  const tensors: Record<string, WritableTensor> = {};
  for (const w of expectedWeights(parseBartConfig(json))) {
    if (w.optional) continue;
    const n = w.shape.reduce((a, b) => a * b, 1);
    const isLn = /layer_?norm/.test(w.name);
    tensors[w.name] = { shape: w.shape, data: isLn ? new Float32Array(n).fill(w.name.endsWith('weight') ? 1 : 0) : rng.normalArray(n, 0.1) };
  }
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(tensors));
}
