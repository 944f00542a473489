import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, expectedWeights, parseBartConfig } from '../../../../src/shared/model/config';
import { parseHeader } from '../../../../src/shared/weights/safetensors';

const fixtureConfig = JSON.parse(readFileSync('test/fixtures/bart-parity/config.json', 'utf8'));

describe('BartConfig', () => {
  it('reads the fixture config', () => {
    const c = parseBartConfig(fixtureConfig);
    expect(c).toMatchObject({ vocabSize: 97, dModel: 32, encoderLayers: 2, decoderAttentionHeads: 4, forcedBosTokenId: 0, scaleEmbedding: false });
  });

  it('lists exactly the tensors the reference checkpoint holds, with their shapes', () => {
    const bytes = new Uint8Array(readFileSync('test/fixtures/bart-parity/model.safetensors'));
    const header = parseHeader(bytes, bytes.byteLength);
    const inFile = new Map(header.entries.map((e) => [e.name, e.shape]));
    const expected = expectedWeights(parseBartConfig(fixtureConfig));
    for (const w of expected) {
      if (w.optional && !inFile.has(w.name)) continue; // tied embed_tokens are absent from the file
      expect(inFile.get(w.name), w.name).toEqual(w.shape);
    }
    const names = new Set(expected.map((w) => w.name));
    expect([...inFile.keys()].filter((n) => !names.has(n))).toEqual([]);
  });

  it('rejects what the engine cannot run, saying which key is wrong', () => {
    expect(() => parseBartConfig([])).toThrow(ConfigError);
    expect(() => parseBartConfig({ ...fixtureConfig, model_type: 't5' })).toThrow(/model_type.*t5/);
    expect(() => parseBartConfig({ ...fixtureConfig, d_model: 30 })).toThrow(/not divisible by encoder_attention_heads/);
    expect(() => parseBartConfig({ ...fixtureConfig, vocab_size: 'big' })).toThrow(/"vocab_size"/);
    expect(() => parseBartConfig({ ...fixtureConfig, activation_function: 'swish' })).toThrow(/swish/);
    expect(() => parseBartConfig({ ...fixtureConfig, normalize_before: true })).toThrow(/pre-LayerNorm/);
    expect(() => parseBartConfig({ ...fixtureConfig, pad_token_id: 500 })).toThrow(/outside the vocabulary/);
  });
  it('reads the dropout rates (absent: 0) and rejects a rate outside [0, 1)', () => {
    const c = parseBartConfig({ ...fixtureConfig, dropout: 0.1, attention_dropout: 0.2, activation_dropout: 0.3 });
    expect([c.dropout, c.attentionDropout, c.activationDropout]).toEqual([0.1, 0.2, 0.3]);
    const { dropout: _d, attention_dropout: _a, activation_dropout: _f, ...none } = fixtureConfig as Record<string, unknown>;
    const z = parseBartConfig(none);
    expect([z.dropout, z.attentionDropout, z.activationDropout]).toEqual([0, 0, 0]);
    expect(() => parseBartConfig({ ...fixtureConfig, attention_dropout: 1 })).toThrow(/"attention_dropout" must be a rate in \[0, 1\), got 1/);
  });
});
