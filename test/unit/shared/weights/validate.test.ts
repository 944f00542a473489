import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBartConfig } from '../../../../src/shared/model/config';
import { WeightsError } from '../../../../src/shared/weights/errors';
import { parseHeader, writeSafetensors } from '../../../../src/shared/weights/safetensors';
import { assertWeightsMatch, canonicalTensorName, validateWeights } from '../../../../src/shared/weights/validate';
import { TINY_CONFIG, TINY_CONFIG_JSON, tinyTensors } from './helpers';

const headerOf = (bytes: Uint8Array) => parseHeader(bytes, bytes.byteLength);

describe('validateWeights', () => {
  it('accepts the PyTorch-written parity checkpoint for its own config', () => {
    const dir = 'test/fixtures/bart-parity';
    const config = parseBartConfig(JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')));
    const bytes = new Uint8Array(readFileSync(`${dir}/model.safetensors`));
    expect(validateWeights(config, headerOf(bytes))).toEqual([]);
  });

  it('accepts a file without the tied embed_tokens and without final_logits_bias', () => {
    const t = tinyTensors(TINY_CONFIG, { withBias: false });
    expect(t['model.encoder.embed_tokens.weight']).toBeUndefined();
    expect(validateWeights(TINY_CONFIG, headerOf(writeSafetensors(t)))).toEqual([]);
  });

  it('accepts names saved from BartModel (no "model." prefix) and a tied lm_head', () => {
    const t = tinyTensors();
    const renamed = Object.fromEntries(Object.entries(t).map(([k, v]) => [k.replace(/^model\./, ''), v]));
    renamed['lm_head.weight'] = t['model.shared.weight']!;
    expect(canonicalTensorName('encoder.layers.0.fc1.weight')).toBe('model.encoder.layers.0.fc1.weight');
    expect(validateWeights(TINY_CONFIG, headerOf(writeSafetensors(renamed)))).toEqual([]);
  });

  it('names missing, unexpected, mis-shaped and non-float tensors', () => {
    const t = tinyTensors();
    delete t['model.decoder.layers.0.fc2.bias'];
    t['model.encoder.layers.0.fc1.weight'] = { shape: [16, 9], data: new Float32Array(144) };
    t['model.encoder.layers.7.fc1.weight'] = { shape: [2], data: new Float32Array(2) };
    t['model.encoder.layers.0.fc1.bias'] = { dtype: 'I32', shape: [16], data: new Int32Array(16) };
    const problems = validateWeights(TINY_CONFIG, headerOf(writeSafetensors(t)));
    expect(problems).toEqual(expect.arrayContaining([
      { kind: 'missing', tensor: 'model.decoder.layers.0.fc2.bias', expected: [8] },
      { kind: 'shape', tensor: 'model.encoder.layers.0.fc1.weight', shape: [16, 9], expected: [16, 8] },
      { kind: 'unexpected', tensor: 'model.encoder.layers.7.fc1.weight', shape: [2] },
      { kind: 'dtype', tensor: 'model.encoder.layers.0.fc1.bias', dtype: 'I32' },
    ]));
    expect(problems).toHaveLength(4);
  });

  it('a config with another d_model fails on every weight, and the error lists them by name', () => {
    const bytes = writeSafetensors(tinyTensors());
    const wider = parseBartConfig({ ...TINY_CONFIG_JSON, d_model: 16 });
    let err: unknown;
    try { assertWeightsMatch(wider, headerOf(bytes), 'tiny/model.safetensors'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(WeightsError);
    const we = err as WeightsError;
    expect(we.code).toBe('weights-mismatch');
    expect(we.tensor).toBe('model.shared.weight');
    expect(we.message).toContain('tiny/model.safetensors');
    expect(we.message).toContain('tensor "model.shared.weight" has shape [24, 8] but the config needs [24, 16]');
    // Everything with a d_model axis is wrong; final_logits_bias [1, vocab] and fc1.bias [ffn] are not.
    expect(we.problems.every((p) => p.kind === 'shape')).toBe(true);
    expect(we.problems.map((p) => p.tensor)).not.toContain('final_logits_bias');
    expect(we.problems.length).toBe(Object.keys(tinyTensors()).length - 1 - 2);
    expect(we.message).toMatch(/and \d+ more/);
  });
});
