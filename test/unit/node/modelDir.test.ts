import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../../src/shared/tokenizer/index';
import { WeightsError } from '../../../src/shared/weights/errors';
import { parseSafetensors } from '../../../src/shared/weights/safetensors';
import { loadModelDir } from '../../../src/node/modelDir';

const dir = mkdtempSync(join(tmpdir(), 'h2-model-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadModelDir (Node, fs)', () => {
  it('loads the parity model with the generated tokenizer through the files path', async () => {
    copyFileSync('test/fixtures/bart-parity/config.json', join(dir, 'config.json'));
    copyFileSync('test/fixtures/bart-parity/model.safetensors', join(dir, 'model.safetensors'));
    const missing = (await loadModelDir(dir).then(() => null, (e: unknown) => e)) as WeightsError;
    expect(missing.code).toBe('not-found');
    expect(missing.message).toContain('tokenizer.json is not among the picked files');

    copyFileSync('test/fixtures/tokenizer/tokenizer.json', join(dir, 'tokenizer.json'));
    const m = await loadModelDir(dir);
    expect(m.config.vocabSize).toBe(97);
    const ref = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
    expect(m.weights.size).toBe(ref.tensors.size);
    expect(Array.from(m.weights.get('model.shared.weight')!.data)).toEqual(Array.from(ref.tensors.get('model.shared.weight')!.data));
    expect(m.tokenizerConfigJson).toBeUndefined();
    const codec = await loadTokenizer(m.tokenizerJson, m.tokenizerConfigJson);
    expect(codec.encode(' the')).toEqual([0, expect.any(Number), 2]);
  });
});
